"""``charge.refunded`` (whole or part) and ``charge.dispute.*``: recorded on the purchase.

Refunds are listed from Stripe on every event, so each is recorded once whatever arrives
twice or late. Disputes are taken from the event, ordered by Stripe's event time.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dealdesk.payments.models import Dispute, Purchase, Refund
from dealdesk.payments.stripe_gateway import sync as stripe_sync
from dealdesk.payments.sync.lookup import (
    event_account,
    event_object,
    event_time,
    lock_purchase,
    purchase_for,
)


def _purchase_of(account_id: str, charge: stripe_sync.ChargeState) -> Purchase | None:
    # A renewal's charge has its own PaymentIntent; the customer is the purchase's own.
    return purchase_for(
        account_id=account_id,
        payment_intent_id=charge.payment_intent_id,
        customer_id=charge.customer_id,
    )


def charge_refunded(event: dict[str, Any]) -> None:
    account_id = event_account(event)
    charge_id = str(event_object(event).get("id") or "")
    if not account_id or not charge_id:
        return
    charge = stripe_sync.charge_state(account_id=account_id, charge_id=charge_id)
    purchase = _purchase_of(account_id, charge)
    if purchase is not None:
        refunds_sync(purchase=purchase, charge=charge)


@transaction.atomic
def refunds_sync(*, purchase: Purchase, charge: stripe_sync.ChargeState) -> list[str]:
    """Record every refund of the charge (new ones, and status changes); what changed."""
    locked = lock_purchase(purchase)
    known = {r.stripe_refund_id: r for r in Refund.objects.filter(stripe_charge_id=charge.id)}
    changes = []
    for refund in charge.refunds:
        row = known.get(refund.id)
        if row is None:
            Refund.objects.create(
                workspace_id=locked.workspace_id,
                purchase=locked,
                stripe_refund_id=refund.id,
                stripe_charge_id=charge.id,
                currency=refund.currency,
                amount_minor=refund.amount,
                reason=refund.reason,
                status=refund.status,
                refunded_at=refund.created,
            )
            changes.append(f"refund {refund.id} of {refund.amount} {refund.currency} recorded")
        elif row.status != refund.status:
            changes.append(f"refund {refund.id}: {row.status} → {refund.status}")
            row.status = refund.status
            row.save(update_fields=["status"])
    return changes


def dispute_changed(event: dict[str, Any]) -> None:
    """``charge.dispute.created/updated/closed``: the newest event's status wins."""
    account_id = event_account(event)
    if not account_id:
        return
    dispute = stripe_sync.dispute_from_event(event_object(event))
    charge = stripe_sync.charge_state(account_id=account_id, charge_id=dispute.charge_id)
    purchase = _purchase_of(account_id, charge)
    if purchase is None:
        return
    with transaction.atomic():
        locked = lock_purchase(purchase)
        at = event_time(event)
        row = Dispute.objects.filter(stripe_dispute_id=dispute.id).first()
        values = {
            "stripe_charge_id": dispute.charge_id,
            "currency": dispute.currency,
            "amount_minor": dispute.amount,
            "reason": dispute.reason,
            "status": dispute.status,
            "disputed_at": dispute.created,
            "stripe_event_at": at,
        }
        if row is None:
            Dispute.objects.create(
                workspace_id=locked.workspace_id,
                purchase=locked,
                stripe_dispute_id=dispute.id,
                **values,
            )
        elif at is not None and (row.stripe_event_at is None or at >= row.stripe_event_at):
            Dispute.objects.filter(pk=row.pk).update(**values)
