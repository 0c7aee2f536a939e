"""Repairing what missed events left behind: re-read open purchases and live subscriptions.

For ``manage.py stripe_reconcile``. Uses the same converge functions as the event handlers,
so a repair ends in exactly the state the lost events would have produced.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import (
    SUBSCRIPTION_FINAL,
    Purchase,
    PurchaseStatus,
    Subscription,
    SubscriptionPaymentStatus,
)
from dealdesk.payments.stripe_gateway import sync as stripe_sync
from dealdesk.payments.sync.invoices import invoice_sync
from dealdesk.payments.sync.payment_intents import settle
from dealdesk.payments.sync.subscriptions import subscription_sync
from dealdesk.workspaces.models import Workspace

OPEN = (PurchaseStatus.AWAITING_PAYMENT, PurchaseStatus.FAILED)


@dataclass(frozen=True)
class Repair:
    """One thing reconciling changed (or could not check), for one purchase."""

    purchase: Purchase
    change: str
    error: bool = False

    def line(self) -> str:
        number = self.purchase.quote.display_number or f"quote {self.purchase.quote_id}"
        return f"{number} {self.change}"


def open_purchases(workspace: Workspace | None) -> list[Purchase]:
    """Attempts Stripe may have paid or declined without us hearing it."""
    purchases = Purchase.objects.filter(status__in=OPEN).exclude(stripe_payment_intent_id="")
    if workspace is not None:
        purchases = purchases.for_workspace(workspace)
    return list(purchases.select_related("quote").order_by("created_at", "pk"))


def live_subscriptions(workspace: Workspace | None) -> list[Subscription]:
    subscriptions = Subscription.objects.exclude(status__in=SUBSCRIPTION_FINAL)
    if workspace is not None:
        subscriptions = subscriptions.for_workspace(workspace)
    return list(subscriptions.select_related("purchase__quote").order_by("pk"))


def reconcile(*, workspace: Workspace | None = None) -> Iterator[Repair]:
    """Converge every open purchase and every live subscription on Stripe; each change made."""
    for purchase in open_purchases(workspace):
        try:
            was = purchase.status
            settled = settle(purchase)
            if settled.status != was:
                yield Repair(purchase, f"purchase {purchase.reference}: {was} → {settled.status}")
            if settled.stripe_subscription_id:
                for change in subscription_sync(purchase=settled):
                    yield Repair(purchase, change)
        except gateway.StripeGatewayError as error:
            yield Repair(purchase, f"purchase {purchase.reference}: {error.message}", error=True)
    for subscription in live_subscriptions(workspace):
        purchase = subscription.purchase
        try:
            for change in subscription_sync(purchase=purchase):
                yield Repair(purchase, change)
            for change in _renewals(purchase, subscription):
                yield Repair(purchase, change)
        except gateway.StripeGatewayError as error:
            yield Repair(
                purchase,
                f"subscription {subscription.stripe_subscription_id}: {error.message}",
                error=True,
            )


def _renewals(purchase: Purchase, subscription: Subscription) -> Iterator[str]:
    paid = subscription.payments.filter(status=SubscriptionPaymentStatus.PAID)
    recorded = set(paid.values_list("stripe_invoice_id", flat=True))
    for invoice_id in stripe_sync.subscription_invoice_ids(
        account_id=purchase.stripe_account_id,
        subscription_id=subscription.stripe_subscription_id,
    ):
        if invoice_id == purchase.stripe_invoice_id or invoice_id in recorded:
            continue
        invoice = stripe_sync.invoice_state(
            account_id=purchase.stripe_account_id, invoice_id=invoice_id
        )
        yield from invoice_sync(purchase=purchase, invoice=invoice)
