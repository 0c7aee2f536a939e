"""Wizard forms. They parse and validate; the services in ``services.py`` apply the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealdesk.catalog.fields import AmountField, PercentField, QuantityField
from dealdesk.catalog.forms import bind_currency
from dealdesk.catalog.models import DiscountKindChoice, Product
from dealdesk.crm.forms import ProductChoiceField
from dealdesk.crm.models import Company, Contact, Deal
from dealdesk.lib import clock
from dealdesk.lib.pricing import DiscountKind, InvalidLine, LineInput
from dealdesk.quotes import rules
from dealdesk.quotes.models import Quote, QuoteLine, QuoteTemplate
from dealdesk.workspaces.models import Workspace


class DetailsForm(forms.Form):
    """Step 1: deal & template."""

    title = forms.CharField(label=_("Quote title"), max_length=200)
    template = forms.ChoiceField(
        label=_("Template"), choices=QuoteTemplate.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("The buyer sees the quote, its amounts and dates in this language."),
    )
    expires_on = forms.DateField(
        label=_("Expiration date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The quote can be accepted or paid until the end of this day."),
    )

    def clean_expires_on(self) -> date:
        expires_on: date = self.cleaned_data["expires_on"]
        today = clock.local_date(clock.utcnow(), timezone.get_default_timezone())
        if not rules.expiry_date_ok(expires_on, today):
            raise forms.ValidationError(_("Choose a date from today on."))
        return expires_on


class ExtendForm(forms.Form):
    """A new expiration date for an expired published quote; same field and rule as step 1."""

    expires_on = DetailsForm.base_fields["expires_on"]
    clean_expires_on = DetailsForm.clean_expires_on


class ContactChoiceField(forms.ModelMultipleChoiceField[Contact]):
    def label_from_instance(self, obj: Contact) -> str:
        return f"{obj} · {obj.email}" if obj.email else str(obj)


class PartiesForm(forms.Form):
    """Step 2: the buyer's people and company, and the seller's own contact details."""

    contacts = ContactChoiceField(
        label=_("Buyer contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    company = forms.ModelChoiceField[Company](
        label=_("Buyer company"), queryset=Company.objects.none(), required=False
    )
    seller_name = forms.CharField(label=_("Your name"), max_length=200)
    seller_email = forms.EmailField(label=_("Your email"))
    seller_phone = forms.CharField(label=_("Your phone"), max_length=50, required=False)

    def __init__(self, *args: Any, deal: Deal, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contacts = self.fields["contacts"]
        company = self.fields["company"]
        assert isinstance(contacts, ContactChoiceField)
        assert isinstance(company, forms.ModelChoiceField)
        contacts.queryset = deal.contacts.filter(workspace=workspace)
        company.queryset = Company.objects.for_workspace(workspace)
        company.empty_label = _("No company")


class PaymentForm(forms.Form):
    """Step 4: signature & payment."""

    payment_enabled = forms.BooleanField(
        label=_("Use linked Stripe account"),
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
        help_text=_("The buyer can pay the quote online; the money goes to your Stripe account."),
    )
    collect_billing_address = forms.BooleanField(
        label=_("Collect billing address"),
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
        help_text=_("Ask the buyer for a full billing address when they pay."),
    )
    signature_required = forms.BooleanField(
        label=_("Collect signature"),
        required=False,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
        help_text=_(
            "The buyer types their full name and ticks a box to accept the quote. We record "
            "the name, time and IP address. With payments on, purchasing accepts the quote."
        ),
    )

    def __init__(self, *args: Any, payments_available: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not payments_available:
            # Disabled in the page only: a forced POST still reaches the service, which
            # refuses it with the reason (services.quote_update_payment).
            for name in ("payment_enabled", "collect_billing_address"):
                self.fields[name].widget.attrs.update(
                    {"disabled": True, "aria-describedby": "payment-unavailable"}
                )


class NotesForm(forms.ModelForm[Quote]):
    """Step 5: comments and terms."""

    class Meta:
        model = Quote
        fields = ["comments", "terms"]
        widgets = {
            "comments": forms.Textarea(attrs={"rows": 4}),
            "terms": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "comments": _("A note to the buyer, shown above the line items."),
            "terms": _("Payment and delivery terms, shown at the end of the quote."),
        }


class LineEditForm(forms.ModelForm[QuoteLine]):
    """Step 3, one row: quantity, unit price and discount of a quote line."""

    quantity = QuantityField(
        label=_("Quantity"), widget=forms.NumberInput(attrs={"min": 1, "class": "num"})
    )
    unit_amount_minor = AmountField(label=_("Unit price"))
    discount_kind = forms.ChoiceField(label=_("Discount"), choices=DiscountKindChoice.choices)
    discount = forms.CharField(label=_("Discount value"), required=False)

    class Meta:
        model = QuoteLine
        fields = ["quantity", "unit_amount_minor", "discount_kind"]

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_currency(self, currency, "unit_amount_minor")
        self.currency = currency
        self.fields["unit_amount_minor"].widget.attrs["class"] = "num"
        self.fields["discount"].widget.attrs.update(
            {"class": "num", "inputmode": "decimal", "autocomplete": "off"}
        )
        self._percent = PercentField(required=False)
        self._amount = AmountField(required=False)
        self._amount.currency = currency
        line = self.instance
        if not self.is_bound and line.discount_kind == DiscountKindChoice.PERCENT:
            self.initial["discount"] = self._percent.prepare_value(line.discount_value)
        elif not self.is_bound and line.discount_kind == DiscountKindChoice.AMOUNT:
            self.initial["discount"] = self._amount.prepare_value(line.discount_value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("discount_kind") or DiscountKindChoice.NONE
        raw = cleaned.get("discount") or ""
        value: int | None = 0
        try:
            if kind == DiscountKindChoice.PERCENT:
                value = self._percent.clean(raw)
            elif kind == DiscountKindChoice.AMOUNT:
                value = self._amount.clean(raw)
        except forms.ValidationError as error:
            self.add_error("discount", error)
            return cleaned
        if kind != DiscountKindChoice.NONE and value is None:
            self.add_error("discount", _("Enter the discount, or choose “No discount”."))
            return cleaned
        cleaned["discount_value"] = value or 0
        if not self.errors:
            try:
                LineInput(
                    quantity=cleaned["quantity"],
                    unit_amount_minor=cleaned["unit_amount_minor"],
                    discount_kind=DiscountKind(kind),
                    discount_value=cleaned["discount_value"],
                )
            except InvalidLine as error:
                field = {"quantity": "quantity", "unit_amount_minor": "unit_amount_minor"}.get(
                    error.field, "discount"
                )
                self.add_error(field, str(error))
        return cleaned

    def save(self, commit: bool = True) -> QuoteLine:
        line = super().save(commit=False)
        line.discount_value = self.cleaned_data["discount_value"]
        if commit:
            line.save()
        return line


class AddProductForm(forms.Form):
    """Step 3: add a catalog product (same workspace, same currency) to the quote."""

    product = ProductChoiceField(
        label=_("Product"), queryset=Product.objects.none(), empty_label=_("Choose a product")
    )
    quantity = QuantityField(label=_("Quantity"), min_value=1, max_value=1_000_000, initial=1)

    def __init__(self, *args: Any, quote: Quote, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        assert isinstance(product, ProductChoiceField)
        product.queryset = (
            Product.objects.active().for_workspace(quote.workspace).filter(currency=quote.currency)
        )


class AcceptForm(forms.Form):
    """The buyer's signature: typed full name and an acceptance tick."""

    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(label=_("I accept this quote and its terms."))
