"""How billing reads in templates: ``{% load billing %}``."""

from django import template

from dealdesk.catalog import labels
from dealdesk.catalog.templatetags.money import money
from dealdesk.lib.pricing import Recurrence

register = template.Library()


@register.filter
def billing(recurrence: Recurrence | None) -> str:
    """``{{ line.recurrence|billing }}`` → "One-time", "Monthly" or "Every 3 months"."""
    return labels.billing_label(recurrence)


@register.simple_tag
def recurring_amount(amount_minor: int, currency: str, recurrence: Recurrence) -> str:
    """``{% recurring_amount 4900 "EUR" recurrence %}`` → "€49.00 / month"."""
    return labels.recurring_amount(money(amount_minor, currency), recurrence)


@register.simple_tag
def then_amount(amount_minor: int, currency: str, recurrence: Recurrence) -> str:
    """``{% then_amount 107100 "EUR" recurrence %}`` → "Then €1,071.00 per month"."""
    return labels.then_amount(money(amount_minor, currency), recurrence)
