"""Form fields for money and rates, typed the way the seller writes them in their language."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dealdesk.lib.money import AmountParseError, format_amount_input, parse_amount

AMOUNT_ERRORS = {
    "empty": _("Enter an amount."),
    "invalid": _("Enter an amount such as 1,234.56."),
    "too_many_decimals": _("This currency does not have that many decimal places."),
    "negative": _("The amount cannot be negative."),
    "too_large": _("The amount is too large."),
}


def current_locale() -> str:
    return translation.get_language() or "en"


class AmountField(forms.CharField):
    """An amount in minor units. The currency comes from the form (``form.currency_for``)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = "EUR"

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return format_amount_input(value, self.currency, current_locale())
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_amount(text, self.currency, current_locale())
        except AmountParseError as error:
            message = AMOUNT_ERRORS.get(error.code, AMOUNT_ERRORS["invalid"])
            raise forms.ValidationError(message) from error


class PercentField(forms.CharField):
    """A percentage such as 19 or 7.5 (7,5 in German), stored as basis points (1900, 750)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            text = f"{Decimal(value) / 100:f}".rstrip("0").rstrip(".") or "0"
            return text.replace(".", "," if current_locale().startswith("de") else ".")
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip().rstrip("%").strip()
        if not text:
            return None
        try:
            percent = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise forms.ValidationError(_("Enter a percentage such as 19 or 7.5.")) from None
        basis_points = percent * 100
        if basis_points != basis_points.to_integral_value():
            raise forms.ValidationError(_("Use at most two decimal places."))
        if not 0 <= basis_points <= 10000:
            raise forms.ValidationError(_("Enter a percentage between 0 and 100."))
        return int(basis_points)
