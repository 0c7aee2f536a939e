"""Form fields for money and rates, typed the way the seller writes them in their language."""

from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dealdesk.lib.money import (
    AmountParseError,
    PercentParseError,
    format_amount_input,
    format_percent_input,
    parse_amount,
    parse_percent,
    parse_whole_number,
)

AMOUNT_ERRORS = {
    "empty": _("Enter an amount."),
    "invalid": _("Enter an amount such as 1,234.56."),
    "too_many_decimals": _("This currency does not have that many decimal places."),
    "negative": _("The amount cannot be negative."),
    "too_large": _("The amount is too large."),
}

PERCENT_ERRORS = {
    "invalid": _("Enter a percentage such as 19 or 7.5."),
    "too_many_decimals": _("Use at most two decimal places."),
    "out_of_range": _("Enter a percentage between 0 and 100."),
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
    """A percentage such as 19 or 7.5 (7,5 in German), stored as basis points (1900, 750).

    It reads what the page displays ("19 %", "7,5 %"), see lib.money.parse_percent.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return format_percent_input(value, current_locale())
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_percent(text, current_locale())
        except PercentParseError as error:
            raise forms.ValidationError(PERCENT_ERRORS[error.code]) from error


class QuantityField(forms.IntegerField):
    """A whole number of units; "1.000" in German is a thousand and "1,5" is refused."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return parse_whole_number(str(value), current_locale())
        except AmountParseError as error:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from error
