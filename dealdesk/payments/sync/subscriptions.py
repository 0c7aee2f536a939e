"""A purchase's Subscription record, converged on a fresh read of the subscription (R14).

Events only say *which* subscription changed; its state always comes from Stripe, read
under the purchase's lock, so ``deleted`` before ``created``, duplicates and late events
all end in Stripe's current state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from dealdesk.lib.clock import utcnow
from dealdesk.payments.models import (
    Purchase,
    PurchaseStatus,
    Subscription,
    SubscriptionStatus,
)
from dealdesk.payments.purchases import purchase_settle
from dealdesk.payments.purchases._shared import lock_purchase
from dealdesk.payments.stripe_gateway import sync as stripe_sync
from dealdesk.payments.sync.lookup import (
    event_account,
    event_object,
    event_time,
    purchase_for,
    purchase_reference,
)
from dealdesk.payments.sync.notify import notify_owner

UNPAID_ATTEMPT = (PurchaseStatus.STARTED, PurchaseStatus.AWAITING_PAYMENT, PurchaseStatus.FAILED)

FIELDS = ("status", "current_period_end", "cancel_at", "cancel_at_period_end", "canceled_at")


def subscription_changed(event: dict[str, Any]) -> None:
    """``customer.subscription.created/updated/deleted``."""
    obj = event_object(event)
    purchase = purchase_for(
        account_id=event_account(event),
        subscription_id=str(obj.get("id") or ""),
        reference=purchase_reference(obj),
    )
    if purchase is not None:
        subscription_sync(
            purchase=purchase, subscription_id=str(obj["id"]), event_at=event_time(event)
        )


@transaction.atomic
def subscription_sync(
    *, purchase: Purchase, subscription_id: str = "", event_at: datetime | None = None
) -> list[str]:
    """Read the purchase's subscription from Stripe and record it; what changed, in words.

    Active (or later) and the purchase unsettled: the purchase is settled from its own
    PaymentIntent. Expired unpaid: the attempt is canceled, so the quote can be bought
    again. Newly cancelled: the quote's owner is emailed.
    """
    locked = lock_purchase(purchase)
    subscription_id = subscription_id or locked.stripe_subscription_id
    if not subscription_id:
        return []
    state = stripe_sync.subscription_state(
        account_id=locked.stripe_account_id, subscription_id=subscription_id
    )
    values: dict[str, Any] = {
        "stripe_subscription_id": state.id,
        "status": state.status,
        "current_period_end": state.current_period_end,
        "cancel_at": state.cancel_at,
        "cancel_at_period_end": state.cancel_at_period_end,
        "canceled_at": state.canceled_at,
        "stripe_created_at": state.created,
    }
    record = Subscription.objects.filter(purchase=locked).first()
    changes: list[str] = []
    before = ""
    if record is None:
        record = Subscription(workspace_id=locked.workspace_id, purchase=locked, **values)
        changes.append(f"subscription {state.id} recorded as {state.status}")
    else:
        before = record.status
        for name in FIELDS:
            if getattr(record, name) != values[name]:
                changes.append(
                    f"subscription {state.id} {name}: {getattr(record, name)} → {values[name]}"
                )
        for name, value in values.items():
            setattr(record, name, value)
    if event_at is not None and (record.last_event_at is None or event_at > record.last_event_at):
        record.last_event_at = event_at
    record.synced_at = utcnow()
    record.save()
    locked, followed = _purchase_follows(locked, state.status)
    changes += followed
    newly_canceled = state.status == SubscriptionStatus.CANCELED != before
    if newly_canceled and locked.status == PurchaseStatus.SUCCEEDED:
        notify_owner(purchase=locked, kind="subscription_canceled", when=state.canceled_at)
    return changes


def _purchase_follows(purchase: Purchase, status: str) -> tuple[Purchase, list[str]]:
    """An unpaid attempt settles from its own PaymentIntent (money taken is never ignored,
    even on a subscription cancelled since); one whose subscription expired unpaid is over."""
    if purchase.status not in UNPAID_ATTEMPT:
        return purchase, []
    was = purchase.status
    current = purchase_settle(purchase=purchase)
    if status == SubscriptionStatus.INCOMPLETE_EXPIRED and current.status in UNPAID_ATTEMPT:
        # Stripe voided its first invoice after 23 h: nothing can pay this attempt any more.
        current.transition_to(PurchaseStatus.CANCELED)
        current.save(update_fields=["status", "updated_at"])
    if current.status == was:
        return current, []
    return current, [f"purchase {purchase.reference}: {was} → {current.status}"]
