"""The buyer's Purchase endpoints behind a quote's link (R9): JSON for the dialog, and the receipt.

All of them are scoped by the quote's unguessable token; a purchase is found
by its own random reference *within* that quote, so a wrong token/purchase pair
is a 404. CSRF stays on: the quote page sets the cookie and the dialog sends
the token in ``X-CSRFToken``. Everything speaks the quote's language.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dealdesk.catalog.labels import recurring_amount
from dealdesk.lib.money import format_money
from dealdesk.payments import purchase_dialog
from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import Purchase, PurchaseStatus
from dealdesk.payments.purchases import (
    Billing,
    PaymentProviderUnavailable,
    PurchaseRefused,
    purchase_settle,
    purchase_start,
)
from dealdesk.quotes.models import Quote
from dealdesk.workspaces import throttle

THROTTLE = "purchase_start_quote"
ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")


class PurchaseForm(forms.Form):
    """Billing details (and the acceptance of the terms) from the Purchase dialog."""

    quote_version = forms.IntegerField(min_value=1)
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)
    company = forms.CharField(label=gettext_lazy("Company"), max_length=200, required=False)
    line1 = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    line2 = forms.CharField(label=gettext_lazy("Address line 2"), max_length=200, required=False)
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    state = forms.CharField(label=gettext_lazy("State or region"), max_length=100, required=False)
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), max_length=20, required=False)
    country = forms.CharField(label=gettext_lazy("Country"), max_length=2, required=False)
    signature_name = forms.CharField(
        label=gettext_lazy("Your full name"), max_length=200, required=False
    )
    accept_terms = forms.BooleanField(required=False)

    def __init__(self, *args: Any, quote: Quote, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quote = quote

    def clean_country(self) -> str:
        country = str(self.cleaned_data.get("country") or "").strip().upper()
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            raise forms.ValidationError(_("Choose a country."))
        return country

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        required = _("This field is required.")
        if self.quote.collect_billing_address:
            needed = ["line1", "city", "country"]
            if purchase_dialog.needs_postal_code(str(data.get("country") or "")):
                needed.append("postal_code")
            for name in needed:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, required)
        if self.quote.signature_required:
            if not str(data.get("signature_name") or "").strip():
                self.add_error("signature_name", _("Type your full name to accept the quote."))
            if not data.get("accept_terms"):
                self.add_error("accept_terms", _("Accept the quote's terms to continue."))
        return data

    def billing(self) -> Billing:
        data = self.cleaned_data
        address = {name: str(data.get(name) or "").strip() for name in ADDRESS_FIELDS}
        return Billing(
            name=data["name"].strip(),
            email=data["email"],
            company=str(data.get("company") or "").strip(),
            address=address if any(address.values()) else {},
            signature_name=str(data.get("signature_name") or "").strip(),
        )


def _quote(token: str) -> Quote:
    """The quote behind the link in any state: a recalled one is refused in words, not a 404."""
    if not token or len(token) > 64:
        raise Http404
    quote = Quote.objects.select_related("workspace").filter(token=token).first()
    if quote is None:
        raise Http404
    return quote


def _purchase(token: str, reference: str) -> Purchase:
    """The purchase ``reference`` of the quote behind the link, with that quote, in one query."""
    if not token or len(token) > 64:
        raise Http404
    purchase = (
        Purchase.objects.select_related("quote__workspace")
        .filter(quote__token=token, reference=reference, workspace=F("quote__workspace"))
        .first()
    )
    if purchase is None:
        raise Http404
    return purchase


def _payload(request: HttpRequest) -> Any:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None
    return request.POST


def _error(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message, "code": code}, status=status)


def _recurring(purchase: Purchase) -> str:
    """What the buyer pays each period, "€49.00 / month"; empty without recurring items."""
    recurrence = purchase.recurrence
    if not purchase.amount_recurring_minor or recurrence is None:
        return ""
    amount = format_money(
        purchase.amount_recurring_minor, purchase.currency, translation.get_language()
    )
    return recurring_amount(amount, recurrence)


def _summary(purchase: Purchase) -> str:
    today = format_money(
        purchase.amount_due_today_minor, purchase.currency, translation.get_language()
    )
    if not purchase.amount_recurring_minor:
        return _("Pay %(today)s today.") % {"today": today}
    return _("Pay %(today)s today, then %(recurring)s.") % {
        "today": today,
        "recurring": _recurring(purchase),
    }


def _receipt_url(request: HttpRequest, quote: Quote, purchase: Purchase) -> str:
    return request.build_absolute_uri(
        reverse("payments:purchase_receipt", args=[quote.token, purchase.reference])
    )


def _checkout(request: HttpRequest, quote: Quote, purchase: Purchase) -> dict[str, Any]:
    """What the dialog needs to mount the Payment Element and confirm."""
    return {
        "purchase_id": purchase.reference,
        "status": purchase.status,
        "kind": purchase.kind,
        "client_secret": purchase.client_secret,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "stripe_account": purchase.stripe_account_id,
        "currency": purchase.currency,
        "amount_due_today": purchase.amount_due_today_minor,
        "amount_recurring": purchase.amount_recurring_minor,
        "recurring_interval": purchase.recurring_interval or None,
        "recurring_interval_count": purchase.recurring_interval_count,
        "summary": _summary(purchase),
        "complete_url": reverse(
            "payments:purchase_complete", args=[quote.token, purchase.reference]
        ),
        "return_url": _receipt_url(request, quote, purchase),
    }


@require_POST
def purchase_start_view(request: HttpRequest, token: str) -> JsonResponse:
    """Start (or continue) paying the quote: 200 with the checkout, 400, 409, 429 or 503."""
    quote = _quote(token)
    with translation.override(quote.language):
        payload = _payload(request)
        if payload is None:
            return _error(_("The request could not be read. Reload the page."), "bad_request", 400)
        form = PurchaseForm(payload, quote=quote)
        if not form.is_valid():
            errors = {field: str(messages[0]) for field, messages in form.errors.items()}
            return JsonResponse({"errors": errors}, status=400)
        verdict = throttle.record(request, limit=THROTTLE, key=f"quote:{quote.token}")
        if verdict.refused:
            return throttle.refuse(_error(verdict.message, "throttled", 429), verdict)
        try:
            purchase = purchase_start(
                quote=quote,
                billing=form.billing(),
                quote_version=form.cleaned_data["quote_version"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        except PurchaseRefused as refusal:
            return _error(refusal.message, refusal.code, 409)
        except PaymentProviderUnavailable as unavailable:
            return _error(unavailable.message, "unavailable", 503)
        return JsonResponse(_checkout(request, quote, purchase))


@require_POST
def purchase_complete_view(request: HttpRequest, token: str, reference: str) -> JsonResponse:
    """After Stripe.js confirmed: settle from Stripe's word and tell the dialog what happened."""
    purchase = _purchase(token, reference)
    quote = purchase.quote
    with translation.override(quote.language):
        try:
            purchase = purchase_settle(purchase=purchase)
        except gateway.StripeUnavailable:
            return _error(PaymentProviderUnavailable().message, "unavailable", 503)
        body: dict[str, Any] = {"purchase_id": purchase.reference, "status": purchase.status}
        if purchase.status == PurchaseStatus.SUCCEEDED:
            body["redirect"] = _receipt_url(request, quote, purchase)
        elif purchase.status == PurchaseStatus.FAILED:
            body["error"] = purchase.failure_message or _(
                "The payment did not go through. Try another card."
            )
        return JsonResponse(body)


@require_GET
def purchase_receipt_view(request: HttpRequest, token: str, reference: str) -> HttpResponse:
    """The buyer's confirmation and receipt (also Stripe's ``return_url`` after a redirect)."""
    purchase = _purchase(token, reference)
    quote = purchase.quote
    if purchase.status in (PurchaseStatus.AWAITING_PAYMENT, PurchaseStatus.FAILED):
        # Unreachable: shown as "not confirmed yet"; reloading asks Stripe again.
        with contextlib.suppress(gateway.StripeUnavailable):
            purchase = purchase_settle(purchase=purchase)
    with translation.override(quote.language):
        response = render(
            request,
            "payments/purchase_receipt.html",
            {
                "quote": quote,
                "purchase": purchase,
                "paid": purchase.status == PurchaseStatus.SUCCEEDED,
                "recurring": _recurring(purchase),
                "seller": quote.seller_snapshot,
            },
        )
    response["Content-Language"] = quote.language
    return response
