"""Row locks, Stripe reads and cancels, and status changes that start, settle and cancel share."""

from __future__ import annotations

from django.db import transaction

from dealdesk.payments.models import Purchase, PurchaseStatus
from dealdesk.payments.stripe_gateway import purchases as stripe_purchases
from dealdesk.quotes.models import Quote


def lock_quote(quote: Quote) -> Quote:
    return (
        Quote.objects.select_for_update(of=("self",)).select_related("workspace").get(pk=quote.pk)
    )


def lock_purchase(purchase: Purchase) -> Purchase:
    """Lock the quote, then the purchase: the one order settling, Stripe's events and the
    seller's actions lock them in.

    Call inside a transaction; a Stripe read made under this lock is applied in the order
    the reads were made.
    """
    quote = Quote.objects.select_for_update(of=("self",)).select_related("deal")
    locked_quote = quote.get(pk=purchase.quote_id)
    locked = Purchase.objects.select_for_update().get(pk=purchase.pk)
    locked.quote = locked_quote  # read under its lock: no second copy joined to the purchase
    return locked


def payment_state(purchase: Purchase) -> stripe_purchases.PaymentState:
    """What Stripe says about the attempt's payment intent now."""
    return stripe_purchases.payment_state(
        account_id=purchase.stripe_account_id,
        payment_intent_id=purchase.stripe_payment_intent_id,
    )


def cancel_charge(
    purchase: Purchase, *, payment_intent_id: str, subscription_id: str, invoice_id: str
) -> None:
    stripe_purchases.cancel_charge(
        account_id=purchase.stripe_account_id,
        reference=purchase.reference,
        payment_intent_id=payment_intent_id,
        subscription_id=subscription_id,
        invoice_id=invoice_id,
    )


def cancel_recorded_charge(purchase: Purchase) -> None:
    """Cancel on Stripe the intent (and subscription, invoice) recorded on the attempt."""
    cancel_charge(
        purchase,
        payment_intent_id=purchase.stripe_payment_intent_id,
        subscription_id=purchase.stripe_subscription_id,
        invoice_id=purchase.stripe_invoice_id,
    )


@transaction.atomic
def mark_canceled(purchase: Purchase) -> None:
    locked = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if locked.status != PurchaseStatus.CANCELED:
        locked.transition_to(PurchaseStatus.CANCELED)
        locked.save(update_fields=["status", "updated_at"])
