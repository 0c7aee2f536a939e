"""Cancelling an unpaid attempt when the seller takes the quote offline."""

from __future__ import annotations

from datetime import datetime

from dealdesk.lib import clock
from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import Purchase
from dealdesk.payments.purchases._shared import cancel_recorded_charge, mark_canceled, payment_state
from dealdesk.payments.purchases.errors import PaidMeanwhile, PaymentProviderUnavailable
from dealdesk.payments.purchases.settle import record_state


def purchase_cancel(*, purchase: Purchase, now: datetime | None = None) -> Purchase:
    """Make an unpaid attempt unpayable on Stripe, then mark it canceled.

    For the seller recalling or archiving the quote: a buyer's dialog that is still
    open (say, after a declined card) must not be able to pay it afterwards. Call it
    outside any transaction. Raises PaidMeanwhile when Stripe says the buyer paid
    (the payment is recorded first: money taken is never ignored), StripeRefused
    when Stripe will not cancel it for another reason, and PaymentProviderUnavailable
    when Stripe cannot be reached (nothing changed; calling again is safe).
    """
    try:
        try:
            cancel_recorded_charge(purchase)
        except gateway.StripeRefused:
            state = payment_state(purchase)
            if state.succeeded or state.status == "processing":
                record_state(purchase, state, now or clock.utcnow())
                raise PaidMeanwhile(processing=not state.succeeded) from None
            if state.status != "canceled":
                raise
    except gateway.StripeUnavailable as error:
        raise PaymentProviderUnavailable() from error
    mark_canceled(purchase)
    return Purchase.objects.get(pk=purchase.pk)
