"""``payment_intent.succeeded`` / ``payment_intent.payment_failed``: the purchase settles.

The purchase flow's own settle step does the work (it reads the PaymentIntent from
Stripe), so a webhook arriving before the buyer's browser reports back, after it, or
five times, ends in the same state: paid once, or the decline's reason recorded.
"""

from __future__ import annotations

from typing import Any

from dealdesk.payments.models import Purchase, PurchaseStatus
from dealdesk.payments.purchases import purchase_settle
from dealdesk.payments.sync.lookup import (
    PurchaseNotReady,
    event_account,
    event_object,
    purchase_for,
    purchase_reference,
)


def payment_intent_changed(event: dict[str, Any]) -> None:
    obj = event_object(event)
    purchase = purchase_for(
        account_id=event_account(event),
        reference=purchase_reference(obj),
        payment_intent_id=str(obj.get("id") or ""),
    )
    if purchase is not None:
        settle(purchase)
    # Otherwise not ours to settle: e.g. a renewal's PaymentIntent (its invoice says more).


def settle(purchase: Purchase) -> Purchase:
    """Settle from Stripe; an attempt whose ids are not recorded yet is retried later."""
    if purchase.status == PurchaseStatus.STARTED and not purchase.stripe_payment_intent_id:
        raise PurchaseNotReady(f"purchase {purchase.reference} has no PaymentIntent recorded yet")
    return purchase_settle(purchase=purchase)
