"""An admin cancels a purchase's subscription or refunds one of its payments.

Each is a form, then a confirmation page (plain HTML forms, no script needed), then the
action; sellers see the state on the quote page but get 403 here, other workspaces 404.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dealdesk.catalog.fields import current_locale
from dealdesk.lib.money import format_money
from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.forms_seller import RefundForm, SubscriptionCancelForm
from dealdesk.payments.models import Purchase, Refund, RefundRequestStatus, Subscription
from dealdesk.payments.seller_actions import (
    SellerActionRefused,
    refund_request,
    refundable_charge,
    refundable_payment,
    subscription_cancel,
)
from dealdesk.workspaces.access import MemberRequest, admin_required

REVIEW, CONFIRM = "review", "confirm"


def _purchase(request: MemberRequest, pk: int) -> Purchase:
    return get_object_or_404(
        Purchase.objects.for_workspace(request.workspace).select_related("quote", "workspace"),
        pk=pk,
    )


def _back(purchase: Purchase) -> HttpResponse:
    url = reverse("quotes:detail", args=[purchase.quote_id])
    return redirect(f"{url}#purchase-{purchase.pk}")


@admin_required
def subscription_cancel_view(request: MemberRequest, pk: int) -> HttpResponse:
    purchase = _purchase(request, pk)
    subscription = Subscription.objects.filter(purchase=purchase).first()
    if subscription is None:
        raise Http404("No subscription")
    if subscription.is_final:
        messages.info(request, _("This subscription has already ended."))
        return _back(purchase)
    form = SubscriptionCancelForm(request.POST or None, subscription=subscription)
    step = request.POST.get("step", "")
    context = {"purchase": purchase, "quote": purchase.quote, "subscription": subscription}
    if request.method == "POST" and form.is_valid():
        if step == CONFIRM:
            try:
                subscription_cancel(
                    subscription=subscription, user=request.user, at_period_end=form.at_period_end
                )
            except SellerActionRefused as error:
                messages.error(request, error.message)
                return _back(purchase)
            except gateway.StripeGatewayError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Stripe will cancel the subscription at the end of the paid period.")
                    if form.at_period_end
                    else _("The subscription is cancelled in Stripe."),
                )
                return _back(purchase)
        elif step == REVIEW:
            return render(
                request,
                "payments/subscription_cancel.html",
                {**context, "form": form, "confirming": True},
            )
    return render(request, "payments/subscription_cancel.html", {**context, "form": form})


def _already_sent(purchase: Purchase, request_key: str) -> bool:
    try:
        key = uuid.UUID(request_key)
    except ValueError:
        return False
    return (
        Refund.objects.filter(purchase=purchase, request_key=key)
        .exclude(status=RefundRequestStatus.UNSENT)
        .exists()
    )


@admin_required
def refund_view(request: MemberRequest, pk: int, payment: str) -> HttpResponse:
    purchase = _purchase(request, pk)
    paid = refundable_payment(purchase=purchase, key=payment)
    if paid is None:
        raise Http404("No such payment")
    context = {"purchase": purchase, "quote": purchase.quote, "payment": paid}
    if request.method == "POST" and _already_sent(purchase, request.POST.get("request_key", "")):
        # The same confirmation posted twice (a double click, a reload): one refund.
        messages.info(request, _("This refund was already requested."))
        return _back(purchase)
    try:
        charge = refundable_charge(purchase=purchase, payment=paid)
    except gateway.StripeGatewayError as error:
        messages.error(request, error.message)
        return _back(purchase)
    if charge is None or charge.refundable <= 0:
        messages.info(request, _("Nothing is left to refund on this payment."))
        return _back(purchase)
    form = RefundForm(request.POST or None, currency=charge.currency, refundable=charge.refundable)
    step = request.POST.get("step", "")
    context.update(form=form, charge=charge)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if step == CONFIRM:
            try:
                refund_request(
                    purchase=purchase,
                    charge=charge,
                    amount_minor=data["amount"],
                    reason=data["reason"],
                    note=data["note"],
                    user=request.user,
                    request_key=data["request_key"],
                )
            except SellerActionRefused as error:
                form.add_error(None, error.message)
            except gateway.StripeUnavailable as error:
                form.add_error(
                    None,
                    _("%(error)s Confirm again to retry: it will not refund twice.")
                    % {"error": error.message},
                )
                return render(request, "payments/refund.html", {**context, "confirming": True})
            except gateway.StripeGatewayError as error:
                form.add_error(None, error.message)
            else:
                amount = format_money(data["amount"], charge.currency, current_locale())
                messages.success(
                    request,
                    _("Refund of %(amount)s requested. It shows as refunded once Stripe confirms.")
                    % {"amount": amount},
                )
                return _back(purchase)
        elif step == REVIEW:
            return render(request, "payments/refund.html", {**context, "confirming": True})
    return render(request, "payments/refund.html", context)
