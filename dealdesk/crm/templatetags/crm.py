"""Template filters for deal line items: ``{% load crm %}``."""

from django import template

from dealdesk.crm import labels
from dealdesk.lib.pricing import Recurrence

register = template.Library()


@register.filter
def billing(recurrence: Recurrence | None) -> str:
    """``{{ line.recurrence|billing }}`` → "One-time" or "Every 3 months"."""
    return labels.billing_label(recurrence)


@register.filter
def per_interval(recurrence: Recurrence) -> str:
    """``{{ amount|money:cur }} / {{ recurrence|per_interval }}`` → "€49.00 / month"."""
    return labels.per_interval(recurrence)
