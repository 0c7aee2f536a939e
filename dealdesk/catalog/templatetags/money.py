from django import template

from dealdesk.catalog.fields import current_locale
from dealdesk.lib.money import format_money, format_percent

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str) -> str:
    """``{{ line.unit_amount_minor|money:deal.currency }}`` in the active language."""
    if amount_minor is None:
        return ""
    return format_money(amount_minor, currency, current_locale())


@register.filter
def percent_bp(basis_points: int | None) -> str:
    """``{{ 1950|percent_bp }}`` → "19.5%" in English, "19,5 %" (no-break space) in German."""
    # CLDR per language, so deal page, quote page and PDF agree; PercentField reads it back.
    if basis_points is None:
        return ""
    return format_percent(basis_points, current_locale())
