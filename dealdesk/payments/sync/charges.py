"""``charge.refunded`` (whole or part) and ``charge.dispute.*``: recorded on the purchase.

Refunds are listed from Stripe on every event, so each is recorded once whatever arrives
twice or late. Disputes are taken from the event, ordered by Stripe's event time.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from dealdesk.payments.models import Dispute, Purchase, Refund
from dealdesk.payments.purchases._shared import lock_purchase
from dealdesk.payments.stripe_gateway import sync as stripe_sync
from dealdesk.payments.sync.lookup import (
    event_account,
    event_object,
    event_time,
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
    """Record every refund of the charge (new ones, and status changes); what changed.

    A refund the seller asked for from DealDesk already has its row (found by the refund id,
    or by the row id Stripe carries in the refund's metadata when the answer to our request
    was lost): that row is confirmed, never a second one made.
    """
    locked = lock_purchase(purchase)
    refund_ids = [refund.id for refund in charge.refunds]
    request_ids = [int(r.request_id) for r in charge.refunds if r.request_id.isdigit()]
    rows = Refund.objects.filter(purchase=locked).filter(
        Q(stripe_refund_id__in=refund_ids) | Q(pk__in=request_ids)
    )
    by_refund = {row.stripe_refund_id: row for row in rows if row.stripe_refund_id}
    by_request = {str(row.pk): row for row in rows}
    changes = []
    for refund in charge.refunds:
        row = by_refund.get(refund.id) or by_request.get(refund.request_id)
        if row is None:
            Refund.objects.create(
                workspace_id=locked.workspace_id,
                purchase=locked,
                stripe_refund_id=refund.id,
                stripe_charge_id=charge.id,
                stripe_payment_intent_id=charge.payment_intent_id,
                currency=refund.currency,
                amount_minor=refund.amount,
                reason=refund.reason,
                status=refund.status,
                refunded_at=refund.created,
            )
            changes.append(f"refund {refund.id} of {refund.amount} {refund.currency} recorded")
        elif row.stripe_refund_id != refund.id or row.status != refund.status:
            changes.append(f"refund {refund.id}: {row.status} → {refund.status}")
            row.stripe_refund_id = refund.id
            row.stripe_charge_id = charge.id
            row.stripe_payment_intent_id = charge.payment_intent_id
            row.amount_minor = refund.amount
            row.status = refund.status
            row.refunded_at = refund.created
            row.error = ""
            row.save()
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
