"""Forms for companies, contacts, deals and line items; every choice is limited to a workspace."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dealdesk.catalog import labels
from dealdesk.catalog.fields import AmountField, PercentField, QuantityField, current_locale
from dealdesk.catalog.forms import (
    CURRENCY_CHOICES,
    BillingFields,
    bind_currency,
    clean_recurrence,
)
from dealdesk.catalog.models import Billing, DiscountKindChoice, Product
from dealdesk.crm import selectors
from dealdesk.crm.models import Company, Contact, Deal, DealLineItem
from dealdesk.lib.money import format_money
from dealdesk.lib.pricing import DiscountKind, InvalidLine, LineInput, Recurrence
from dealdesk.workspaces.models import User, Workspace


class CompanyForm(forms.ModelForm[Company]):
    class Meta:
        model = Company
        fields = [
            "name",
            "domain",
            "phone",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
        ]
        widgets = {"domain": forms.TextInput(attrs={"placeholder": "example.com"})}


class ContactForm(forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "email", "phone", "job_title", "company"]

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company = self.fields["company"]
        assert isinstance(company, forms.ModelChoiceField)
        company.queryset = Company.objects.for_workspace(workspace)
        company.empty_label = _("No company")


class MemberChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class DealForm(forms.ModelForm[Deal]):
    owner = MemberChoiceField(
        label=_("Deal owner"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="EUR")

    class Meta:
        model = Deal
        fields = ["name", "company", "contacts", "owner", "stage", "close_date", "currency"]
        widgets = {
            "close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "contacts": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "contacts": _("The buyer's people on this deal. Hold Ctrl (⌘) to pick several."),
        }

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company = self.fields["company"]
        contacts = self.fields["contacts"]
        owner = self.fields["owner"]
        assert isinstance(company, forms.ModelChoiceField)
        assert isinstance(contacts, forms.ModelMultipleChoiceField)
        assert isinstance(owner, forms.ModelChoiceField)
        company.queryset = Company.objects.for_workspace(workspace)
        company.empty_label = _("No company")
        contacts.queryset = Contact.objects.for_workspace(workspace).select_related("company")
        owner.queryset = selectors.workspace_members(workspace=workspace)
        if self.instance.pk is not None and self.instance.line_items.exists():
            currency = self.fields["currency"]
            currency.disabled = True
            currency.help_text = _(
                "The currency can't change once the deal has line items. "
                "Remove the line items to change it."
            )


class ProductChoiceField(forms.ModelChoiceField[Product]):
    def label_from_instance(self, obj: Product) -> str:
        price = format_money(obj.unit_amount_minor, obj.currency, current_locale())
        return f"{obj.name} · {price} · {labels.billing_label(obj.recurrence)}"


class LineFromProductForm(forms.Form):
    """Add a product to a deal. Only active products in the deal's currency are offered."""

    product = ProductChoiceField(
        label=_("Product"), queryset=Product.objects.none(), empty_label=_("Choose a product")
    )
    quantity = QuantityField(label=_("Quantity"), min_value=1, max_value=1_000_000, initial=1)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deal = deal
        product = self.fields["product"]
        assert isinstance(product, ProductChoiceField)
        # Any active product of the workspace passes the field, so that one in another
        # currency gets a clear message below rather than "not a valid choice".
        product.queryset = Product.objects.active().for_workspace(deal.workspace)
        offered = list(selectors.products_for_deal(deal=deal))
        assert isinstance(product.widget, forms.Select)
        product.widget.choices = [
            ("", _("Choose a product")),
            *((p.pk, product.label_from_instance(p)) for p in offered),
        ]
        self.has_products = bool(offered)

    def clean_product(self) -> Product:
        product: Product = self.cleaned_data["product"]
        if product.currency != self.deal.currency:
            raise forms.ValidationError(
                _(
                    "“%(product)s” is priced in %(product_currency)s, but this deal is in "
                    "%(deal_currency)s. Choose a product in %(deal_currency)s or add a "
                    "custom line."
                ),
                params={
                    "product": product.name,
                    "product_currency": product.currency,
                    "deal_currency": self.deal.currency,
                },
            )
        return product


class LineItemForm(BillingFields, forms.ModelForm[DealLineItem]):
    """A custom line, or the seller's edits to any line. Amounts are in the deal's currency."""

    quantity = QuantityField(label=_("Quantity"), widget=forms.NumberInput(attrs={"min": 1}))
    unit_amount_minor = AmountField(label=_("Unit price"))
    discount_kind = forms.ChoiceField(
        label=_("Discount"), choices=DiscountKindChoice.choices, widget=forms.RadioSelect
    )
    discount_percent = PercentField(label=_("Discount (%)"), required=False)
    discount_amount = AmountField(
        label=_("Discount amount"), required=False, help_text=_("Off the whole line.")
    )
    tax_rate_bp = PercentField(label=_("Tax rate (%)"), required=False)

    class Meta:
        model = DealLineItem
        fields = [
            "name",
            "description",
            "quantity",
            "unit_amount_minor",
            "billing",
            "recurring_interval",
            "recurring_interval_count",
            "discount_kind",
            "discount_percent",
            "discount_amount",
            "tax_rate_bp",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        bind_currency(self, currency, "unit_amount_minor", "discount_amount")
        line = self.instance
        if not self.is_bound:
            self.initial["billing"] = (
                Billing.RECURRING if line.recurring_interval else Billing.ONE_TIME
            )
            self.initial["discount_kind"] = line.discount_kind or DiscountKindChoice.NONE
            if line.discount_kind == DiscountKindChoice.PERCENT:
                self.initial["discount_percent"] = line.discount_value
            elif line.discount_kind == DiscountKindChoice.AMOUNT:
                self.initial["discount_amount"] = line.discount_value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clean_recurrence(self, cleaned, cleaned.get("billing") == Billing.RECURRING)
        if cleaned.get("tax_rate_bp") is None:
            cleaned["tax_rate_bp"] = 0
        kind = cleaned.get("discount_kind") or DiscountKindChoice.NONE
        if kind == DiscountKindChoice.PERCENT:
            value = cleaned.get("discount_percent")
            field = "discount_percent"
        elif kind == DiscountKindChoice.AMOUNT:
            value = cleaned.get("discount_amount")
            field = "discount_amount"
        else:
            value, field = 0, ""
        if field and value is None and field not in self.errors:
            self.add_error(field, _("Enter the discount, or choose “No discount”."))
        cleaned["discount_value"] = value or 0
        if not self.errors:
            self._check_prices(cleaned)
        return cleaned

    def _check_prices(self, cleaned: dict[str, Any]) -> None:
        # The pricing core has the final word on limits (quantity, 100 %, ...).
        interval = cleaned.get("recurring_interval")
        try:
            LineInput(
                quantity=cleaned["quantity"],
                unit_amount_minor=cleaned["unit_amount_minor"],
                discount_kind=DiscountKind(cleaned.get("discount_kind") or "none"),
                discount_value=cleaned["discount_value"],
                tax_rate_bp=cleaned["tax_rate_bp"],
                recurrence=(
                    Recurrence(interval, cleaned.get("recurring_interval_count") or 1)
                    if interval
                    else None
                ),
            )
        except InvalidLine as error:
            field = {
                "quantity": "quantity",
                "unit_amount_minor": "unit_amount_minor",
                "discount_value": "discount_percent"
                if cleaned.get("discount_kind") == DiscountKindChoice.PERCENT
                else "discount_amount",
                "tax_rate_bp": "tax_rate_bp",
            }.get(error.field)
            self.add_error(field, str(error))

    def save(self, commit: bool = True) -> DealLineItem:
        line = super().save(commit=False)
        line.recurring_interval = self.cleaned_data["recurring_interval"]
        line.recurring_interval_count = self.cleaned_data["recurring_interval_count"]
        line.discount_kind = self.cleaned_data.get("discount_kind") or DiscountKindChoice.NONE
        line.discount_value = self.cleaned_data["discount_value"]
        line.tax_rate_bp = self.cleaned_data["tax_rate_bp"]
        if commit:
            line.save()
        return line
