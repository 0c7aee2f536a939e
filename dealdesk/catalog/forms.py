from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dealdesk.catalog.fields import AmountField, PercentField
from dealdesk.catalog.models import Billing, IntervalChoice, Product
from dealdesk.lib.money import SUPPORTED_CURRENCIES
from dealdesk.lib.pricing import Interval, InvalidRecurrence, Recurrence

CURRENCY_CHOICES = [(code, code) for code in SUPPORTED_CURRENCIES]


def bind_currency(form: forms.BaseForm, currency: str, *field_names: str) -> None:
    """Amount fields parse and display in the currency the form is about."""
    for name in field_names:
        field = form.fields[name]
        assert isinstance(field, AmountField)
        field.currency = currency


def clean_recurrence(form: forms.BaseForm, cleaned: dict[str, Any], recurring: bool) -> None:
    """Recurring needs an interval within Stripe's 3-year limit; one-time clears it."""
    if not recurring:
        cleaned["recurring_interval"] = ""
        cleaned["recurring_interval_count"] = None
        return
    interval = cleaned.get("recurring_interval")
    count = cleaned.get("recurring_interval_count") or 1
    cleaned["recurring_interval_count"] = count
    if not interval:
        form.add_error("recurring_interval", _("Choose how often it is billed."))
        return
    try:
        Recurrence(Interval(interval), count)
    except InvalidRecurrence:
        form.add_error(
            "recurring_interval_count",
            _("A billing interval can be at most 3 years (36 months, 156 weeks, 1095 days)."),
        )


class BillingFields(forms.Form):
    """How often something is billed: the fields a product and a deal line share.

    Forms that use them call ``clean_recurrence`` in their ``clean``.
    """

    billing = forms.ChoiceField(
        label=_("Billing"),
        choices=Billing.choices,
        initial=Billing.ONE_TIME,
        widget=forms.RadioSelect,
    )
    recurring_interval = forms.ChoiceField(
        label=_("Billed every"),
        choices=[("", "—"), *IntervalChoice.choices],
        required=False,
    )
    recurring_interval_count = forms.IntegerField(
        label=_("Interval count"),
        min_value=1,
        required=False,
        help_text=_("For example 3 with “Month” bills every 3 months."),
    )


class ProductForm(BillingFields, forms.ModelForm[Product]):
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="EUR")
    unit_amount_minor = AmountField(label=_("Unit price"))
    tax_rate_bp = PercentField(label=_("Tax rate (%)"), required=False)

    class Meta:
        model = Product
        fields = [
            "name",
            "sku",
            "currency",
            "unit_amount_minor",
            "billing",
            "recurring_interval",
            "recurring_interval_count",
            "tax_rate_bp",
            "description",
        ]

    def __init__(self, *args: Any, workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        saved = self.instance.currency if self.instance.pk else "EUR"
        posted = str(self.data.get("currency") or "").upper() if self.is_bound else ""
        # An unknown posted currency ("XXX", "€") is the currency field's error to report;
        # the price is read in the saved currency meanwhile.
        currency = posted if posted in SUPPORTED_CURRENCIES else saved
        bind_currency(self, currency, "unit_amount_minor")

    def clean_sku(self) -> str:
        sku: str = self.cleaned_data["sku"].strip()
        if sku and (
            Product.objects.for_workspace(self.workspace)
            .filter(sku__iexact=sku)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(_("Another product already uses this SKU."))
        return sku

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clean_recurrence(self, cleaned, cleaned.get("billing") == Billing.RECURRING)
        if cleaned.get("tax_rate_bp") is None:
            cleaned["tax_rate_bp"] = 0
        return cleaned
