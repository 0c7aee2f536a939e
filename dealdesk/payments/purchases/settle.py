"""Recording what Stripe says about an attempt's payment: paid, declined or canceled."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from dealdesk.crm.services import deal_mark_won
from dealdesk.lib import clock
from dealdesk.payments.models import Purchase, PurchaseStatus
from dealdesk.payments.purchases._shared import lock_purchase, payment_state
from dealdesk.payments.stripe_gateway import purchases as stripe_purchases
from dealdesk.payments.sync.notify import notify_owner
from dealdesk.quotes.services import quote_mark_paid

logger = logging.getLogger("dealdesk.payments.purchases")

# Nothing Stripe says later changes these.
SETTLED = (PurchaseStatus.SUCCEEDED, PurchaseStatus.CANCELED)
# What recording a payment or a decline writes (and nothing else: the row has 35 columns).
DECLINE_FIELDS = ("status", "failure_code", "failure_message", "card_brand", "card_last4")
PAID_FIELDS = (*DECLINE_FIELDS, "amount_paid_minor", "paid_at")


def purchase_settle(*, purchase: Purchase, now: datetime | None = None) -> Purchase:
    """Record what Stripe says about the attempt's payment; safe to call again, concurrently.

    Paid: the purchase succeeds (amount, card, date), the quote is paid and its
    deal closed won, whatever the quote's state has become since. Declined: the
    reason is recorded and the quote stays payable.
    """
    if purchase.status in SETTLED:
        return purchase
    if not purchase.stripe_payment_intent_id:
        return purchase
    return record_state(purchase, payment_state(purchase), now or clock.utcnow())


@transaction.atomic
def record_state(
    purchase: Purchase, state: stripe_purchases.PaymentState, now: datetime
) -> Purchase:
    """Write Stripe's ``state`` onto the attempt (and, when paid, onto its quote and deal)."""
    locked = lock_purchase(purchase)
    if locked.status in SETTLED:
        return locked
    if state.succeeded:
        if state.amount_received != locked.amount_due_today_minor:
            logger.error(
                "Purchase %s paid %s %s, quote due %s",
                locked.reference,
                state.amount_received,
                state.currency,
                locked.amount_due_today_minor,
            )
        locked.transition_to(PurchaseStatus.SUCCEEDED)
        locked.amount_paid_minor = state.amount_received
        locked.card_brand = state.card_brand[:32]
        locked.card_last4 = state.card_last4[:4]
        locked.failure_code = locked.failure_message = ""
        locked.paid_at = now
        locked.save(update_fields=[*PAID_FIELDS, "updated_at"])
        deal = locked.quote.deal  # read with the quote under its lock
        locked.quote = quote_mark_paid(quote=locked.quote)
        deal_mark_won(deal=deal, on=clock.local_date(now, timezone.get_default_timezone()))
        # The one place a purchase becomes paid, under its row lock: mailed exactly once.
        notify_owner(purchase=locked, kind="quote_paid", amount_minor=state.amount_received)
    elif state.failed:
        if locked.status != PurchaseStatus.FAILED:
            locked.transition_to(PurchaseStatus.FAILED)
        locked.failure_code = state.failure_code[:64]
        locked.failure_message = state.failure_message[:500]
        locked.card_brand = state.card_brand[:32]
        locked.card_last4 = state.card_last4[:4]
        locked.save(update_fields=[*DECLINE_FIELDS, "updated_at"])
    elif state.status == "canceled":
        locked.transition_to(PurchaseStatus.CANCELED)
        locked.save(update_fields=["status", "updated_at"])
    return locked
