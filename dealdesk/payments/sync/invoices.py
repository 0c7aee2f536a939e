"""``invoice.paid`` / ``invoice.payment_failed``: a subscription's first payment settles the
purchase; a renewal (``subscription_cycle``) is a SubscriptionPayment of its subscription.

The invoice is read from Stripe, never taken from the event: a ``payment_failed`` that
arrives after the retry succeeded finds the invoice paid and records it paid.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dealdesk.payments.models import (
    Purchase,
    Subscription,
    SubscriptionPayment,
    SubscriptionPaymentStatus,
)
from dealdesk.payments.stripe_gateway import purchases as stripe_purchases
from dealdesk.payments.stripe_gateway import sync as stripe_sync
from dealdesk.payments.sync.lookup import event_account, event_object, event_time, purchase_for
from dealdesk.payments.sync.notify import notify_owner
from dealdesk.payments.sync.payment_intents import settle
from dealdesk.payments.sync.subscriptions import subscription_sync

FIRST_INVOICE = "subscription_create"


def invoice_changed(event: dict[str, Any]) -> None:
    obj = event_object(event)
    account_id = event_account(event)
    if not account_id or not obj.get("id"):
        return
    invoice = stripe_sync.invoice_state(account_id=account_id, invoice_id=str(obj["id"]))
    details = ((obj.get("parent") or {}).get("subscription_details") or {}).get("metadata") or {}
    purchase = purchase_for(
        account_id=account_id,
        invoice_id=invoice.id,
        subscription_id=invoice.subscription_id,
        reference=str(details.get("dealdesk_purchase") or ""),
    )
    if purchase is None:
        return
    invoice_sync(purchase=purchase, invoice=invoice, event=event)


@transaction.atomic
def invoice_sync(
    *,
    purchase: Purchase,
    invoice: stripe_sync.InvoiceState,
    event: dict[str, Any] | None = None,
) -> list[str]:
    """Record what the invoice means for the purchase; what changed, in words."""
    if invoice.billing_reason == FIRST_INVOICE or invoice.id == purchase.stripe_invoice_id:
        was = purchase.status
        settled = settle(purchase)
        changes = [f"purchase {purchase.reference}: {was} → {settled.status}"]
        changes = changes if settled.status != was else []
        if invoice.subscription_id:
            changes += subscription_sync(
                purchase=settled,
                subscription_id=invoice.subscription_id,
                event_at=event_time(event) if event else None,
            )
        return changes
    if not invoice.subscription_id:
        return []
    changes = subscription_sync(
        purchase=purchase,
        subscription_id=invoice.subscription_id,
        event_at=event_time(event) if event else None,
    )
    return changes + _record_renewal(purchase, invoice)


def _record_renewal(purchase: Purchase, invoice: stripe_sync.InvoiceState) -> list[str]:
    if invoice.status == "paid":
        status = SubscriptionPaymentStatus.PAID
    elif invoice.attempted and invoice.status in ("open", "uncollectible"):
        status = SubscriptionPaymentStatus.FAILED
    else:
        return []  # a draft, or voided before anyone paid: nothing happened to money
    subscription = Subscription.objects.get(purchase=purchase)
    payment = (
        SubscriptionPayment.objects.select_for_update().filter(stripe_invoice_id=invoice.id).first()
    )
    if payment is not None and (
        payment.status == status or payment.status == SubscriptionPaymentStatus.PAID
    ):
        return []  # paid is final: a late failure event never undoes it
    failure_code = ""
    if status == SubscriptionPaymentStatus.FAILED and invoice.payment_intent_id:
        failure_code = stripe_purchases.payment_state(
            account_id=purchase.stripe_account_id, payment_intent_id=invoice.payment_intent_id
        ).failure_code
    values: dict[str, Any] = {
        "status": status,
        "billing_reason": invoice.billing_reason,
        "currency": invoice.currency,
        "amount_minor": invoice.amount_paid if status == "paid" else invoice.amount_due,
        "paid_at": invoice.paid_at,
        "stripe_payment_intent_id": invoice.payment_intent_id,
        "failure_code": failure_code[:64],
        "invoiced_at": invoice.created,
    }
    if payment is None:
        SubscriptionPayment.objects.create(
            workspace_id=purchase.workspace_id,
            subscription=subscription,
            stripe_invoice_id=invoice.id,
            **values,
        )
    else:
        SubscriptionPayment.objects.filter(pk=payment.pk).update(**values)
    if status == SubscriptionPaymentStatus.FAILED:
        notify_owner(purchase=purchase, kind="renewal_failed", amount_minor=invoice.amount_due)
    return [f"renewal {invoice.id} of {subscription.stripe_subscription_id}: {status}"]
