"""An admin acts on a paid purchase from DealDesk: cancels its subscription, refunds a payment.

Both go to Stripe through the gateway with idempotency keys made from our ids, and both are
confirmed by Stripe's own events (``customer.subscription.*``, ``charge.refunded``) through
the same handlers that record what a seller does in Stripe's dashboard. Stripe is called
outside any transaction; what we record before and after are short transactions of their own.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from dealdesk.lib import clock
from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import (
    CancelRequest,
    Purchase,
    PurchaseStatus,
    Refund,
    RefundRequestStatus,
    Subscription,
    SubscriptionPayment,
    SubscriptionPaymentStatus,
)
from dealdesk.payments.purchases._shared import lock_purchase
from dealdesk.payments.stripe_gateway import seller_actions as stripe_actions
from dealdesk.payments.stripe_gateway import sync as stripe_sync
from dealdesk.payments.sync.subscriptions import subscription_sync
from dealdesk.payments.timeline import FIRST_PAYMENT, payment_key
from dealdesk.workspaces.models import User
from dealdesk.workspaces.services import audit_record


class SellerActionRefused(Exception):
    """The action cannot be done (already ended, nothing left to refund…); ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Cancelling a subscription ------------------------------------------------------------


def cancel_key(subscription: Subscription, *, at_period_end: bool) -> str:
    action = "cancel_at_period_end" if at_period_end else "cancel"
    return f"subscription:{subscription.pk}:{action}"


def subscription_cancel(*, subscription: Subscription, user: User, at_period_end: bool) -> None:
    """Ask Stripe to cancel the subscription now or when its paid period ends.

    Raises SellerActionRefused when it has ended, StripeGatewayError (nothing recorded) when
    Stripe says no or cannot be reached. The request (who, when, how) is recorded once Stripe
    accepted it; the subscription is then re-read through the event handler's own converge
    function, so the page is right before the event arrives.
    """
    if subscription.is_final:
        raise SellerActionRefused(_("This subscription has already ended."))
    purchase = subscription.purchase
    stripe_actions.cancel_subscription(
        account_id=purchase.stripe_account_id,
        subscription_id=subscription.stripe_subscription_id,
        at_period_end=at_period_end,
        key=cancel_key(subscription, at_period_end=at_period_end),
    )
    mode = CancelRequest.PERIOD_END if at_period_end else CancelRequest.NOW
    with transaction.atomic():
        Subscription.objects.filter(pk=subscription.pk).update(
            cancel_requested=mode, cancel_requested_at=clock.utcnow(), cancel_requested_by=user
        )
        audit_record(
            workspace=purchase.workspace,
            actor=user,
            action="payments.subscription_cancel",
            target=subscription.stripe_subscription_id,
            details={"mode": str(mode), "purchase": purchase.reference},
        )
    # Stripe's event brings it otherwise, or stripe_reconcile does.
    with contextlib.suppress(gateway.StripeGatewayError):
        subscription_sync(purchase=purchase, subscription_id=subscription.stripe_subscription_id)


# --- Refunding a payment --------------------------------------------------------------------


@dataclass(frozen=True)
class RefundablePayment:
    """A payment of the purchase that a refund can give money back from."""

    key: str  # "first", or "r<renewal id>"
    paid_at: datetime | None
    amount_minor: int
    currency: str
    payment_intent_id: str  # empty for a renewal recorded before we kept it: read on demand
    invoice_id: str = ""


def refundable_payment(*, purchase: Purchase, key: str) -> RefundablePayment | None:
    """The purchase's first payment (``first``) or one of its paid renewals (``r<id>``)."""
    if purchase.status != PurchaseStatus.SUCCEEDED:
        return None
    if key == FIRST_PAYMENT:
        return RefundablePayment(
            key=key,
            paid_at=purchase.paid_at,
            amount_minor=purchase.amount_paid_minor or 0,
            currency=purchase.currency,
            payment_intent_id=purchase.stripe_payment_intent_id,
        )
    if not key.startswith("r") or not key[1:].isdigit():
        return None
    renewal = SubscriptionPayment.objects.filter(
        pk=int(key[1:]),
        subscription__purchase=purchase,
        status=SubscriptionPaymentStatus.PAID,
    ).first()
    if renewal is None:
        return None
    return RefundablePayment(
        key=payment_key(renewal),
        paid_at=renewal.paid_at,
        amount_minor=renewal.amount_minor,
        currency=renewal.currency,
        payment_intent_id=renewal.stripe_payment_intent_id,
        invoice_id=renewal.stripe_invoice_id,
    )


def refundable_charge(
    *, purchase: Purchase, payment: RefundablePayment
) -> stripe_actions.RefundableCharge | None:
    """The payment's charge as Stripe holds it now: what it took and what is refunded."""
    intent = payment.payment_intent_id
    if not intent and payment.invoice_id:
        intent = stripe_sync.invoice_state(
            account_id=purchase.stripe_account_id, invoice_id=payment.invoice_id
        ).payment_intent_id
    if not intent:
        return None
    return stripe_actions.refundable_charge(
        account_id=purchase.stripe_account_id, payment_intent_id=intent
    )


def refund_key(refund: Refund) -> str:
    return f"refund:{refund.pk}"


def refund_request(
    *,
    purchase: Purchase,
    charge: stripe_actions.RefundableCharge,
    amount_minor: int,
    reason: str,
    note: str,
    user: User,
    request_key: uuid.UUID,
) -> Refund:
    """Ask Stripe to refund ``amount_minor`` of the charge; one refund per ``request_key``.

    The request row is stored first and its id is the idempotency key, so posting the same
    confirmation twice, or again after Stripe could not be reached, makes one refund. The
    row is confirmed by ``charge.refunded`` (sync.charges.refunds_sync). Raises
    StripeGatewayError (the row records it, not as a refund) or SellerActionRefused.
    """
    if not 0 < amount_minor <= charge.refundable:
        raise SellerActionRefused(_("Enter an amount up to what is left to refund."))
    with transaction.atomic():
        locked = lock_purchase(purchase)
        row = Refund.objects.select_for_update().filter(request_key=request_key).first()
        if row is not None and row.purchase_id != locked.pk:
            raise SellerActionRefused(_("This refund belongs to another purchase."))
        if row is not None and row.status != RefundRequestStatus.UNSENT:
            return row  # the same confirmation posted again: already sent
        if row is None:
            row = Refund.objects.create(
                workspace_id=locked.workspace_id,
                purchase=locked,
                stripe_charge_id=charge.charge_id,
                stripe_payment_intent_id=charge.payment_intent_id,
                currency=charge.currency,
                amount_minor=amount_minor,
                reason=reason,
                note=note,
                status=RefundRequestStatus.REQUESTED,
                request_key=request_key,
                requested_by=user,
                requested_at=clock.utcnow(),
            )
            audit_record(
                workspace=locked.workspace,
                actor=user,
                action="payments.refund",
                target=charge.payment_intent_id,
                details={"amount_minor": amount_minor, "currency": charge.currency},
            )
        else:  # sending again what Stripe could not be reached for, with the same key
            row.status = RefundRequestStatus.REQUESTED
            row.error = ""
            row.save(update_fields=["status", "error"])
    try:
        created = stripe_actions.create_refund(
            account_id=purchase.stripe_account_id,
            payment_intent_id=row.stripe_payment_intent_id,
            amount=row.amount_minor,
            reason=row.reason,
            metadata={
                "dealdesk_refund": str(row.pk),
                "dealdesk_purchase": purchase.reference,
                "dealdesk_note": row.note,
            },
            key=refund_key(row),
        )
    except gateway.StripeGatewayError as error:
        failed = (
            RefundRequestStatus.UNSENT
            if isinstance(error, gateway.StripeUnavailable)
            else RefundRequestStatus.REFUSED
        )
        # Only a row still waiting: an event that confirmed it meanwhile wins.
        Refund.objects.filter(pk=row.pk, status=RefundRequestStatus.REQUESTED).update(
            status=failed, error=error.message[:500]
        )
        raise
    with transaction.atomic():
        lock_purchase(purchase)
        Refund.objects.filter(pk=row.pk, stripe_refund_id="").update(
            stripe_refund_id=created.id, stripe_charge_id=created.charge_id or charge.charge_id
        )
    row.refresh_from_db()
    return row
