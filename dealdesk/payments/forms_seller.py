"""The admin's forms for cancelling a subscription and refunding a payment."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dealdesk.catalog.fields import AmountField, current_locale
from dealdesk.lib.money import format_money, stripe_amount_ok
from dealdesk.payments.models import CancelRequest, RefundReason, Subscription


class SubscriptionCancelForm(forms.Form):
    when = forms.ChoiceField(
        label=gettext_lazy("When"),
        choices=CancelRequest.choices,
        initial=CancelRequest.PERIOD_END,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, subscription: Subscription, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        end = subscription.current_period_end
        field: forms.ChoiceField = self.fields["when"]  # type: ignore[assignment]
        field.choices = [
            (CancelRequest.NOW, _("Now: Stripe stops billing at once")),
            (
                CancelRequest.PERIOD_END,
                _("At the end of the paid period, on %(date)s")
                % {"date": formats.date_format(end, "DATE_FORMAT")}
                if end is not None
                else _("At the end of the paid period"),
            ),
        ]

    @property
    def at_period_end(self) -> bool:
        return bool(self.cleaned_data["when"] == CancelRequest.PERIOD_END)


class RefundForm(forms.Form):
    amount = AmountField(label=gettext_lazy("Amount to refund"))
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=RefundReason.choices,
        initial=RefundReason.REQUESTED_BY_CUSTOMER,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept with the refund in DealDesk and in Stripe."),
    )
    # The confirmation's identity: posting it twice finds the same refund request.
    request_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, currency: str, refundable: int, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("request_key", uuid.uuid4())
        kwargs["initial"].setdefault("amount", refundable)
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.refundable = refundable
        amount: AmountField = self.fields["amount"]  # type: ignore[assignment]
        amount.currency = currency
        amount.help_text = _("At most %(amount)s.") % {
            "amount": format_money(refundable, currency, current_locale())
        }

    def clean_amount(self) -> int:
        amount: int | None = self.cleaned_data.get("amount")
        if amount is None or amount <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        if amount > self.refundable:
            raise forms.ValidationError(
                _("At most %(amount)s can be refunded.")
                % {"amount": format_money(self.refundable, self.currency, current_locale())}
            )
        if not stripe_amount_ok(amount, self.currency):
            raise forms.ValidationError(
                _("Stripe takes amounts in this currency in steps of ten of its smallest unit.")
            )
        return amount
