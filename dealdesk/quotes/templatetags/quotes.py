"""Template helpers for quote documents: amounts with their billing period."""

from django import template
from django.utils import translation

from dealdesk.lib.money import format_money
from dealdesk.lib.pricing import Recurrence
from dealdesk.quotes import labels

register = template.Library()


def _money(amount_minor: int, currency: str) -> str:
    return format_money(amount_minor, currency, translation.get_language() or "en")


@register.simple_tag
def recurring_amount(amount_minor: int, currency: str, recurrence: Recurrence) -> str:
    """``{% recurring_amount 4900 "EUR" recurrence %}`` → "€49.00 / month"."""
    return labels.recurring_amount(_money(amount_minor, currency), recurrence)


@register.simple_tag
def then_amount(amount_minor: int, currency: str, recurrence: Recurrence) -> str:
    """``{% then_amount 107100 "EUR" recurrence %}`` → "Then €1,071.00 per month"."""
    return labels.then_amount(_money(amount_minor, currency), recurrence)
