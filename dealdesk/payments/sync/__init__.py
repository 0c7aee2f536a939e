"""Stripe's events applied to purchases: settlement, subscriptions, renewals, refunds, disputes.

One module per kind of Stripe object; each handler re-reads the object from Stripe (or orders
by Stripe's own time) and converges on the state the purchase flow itself would record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dealdesk.payments.sync.charges import charge_refunded, dispute_changed
from dealdesk.payments.sync.invoices import invoice_changed
from dealdesk.payments.sync.payment_intents import payment_intent_changed
from dealdesk.payments.sync.subscriptions import subscription_changed

SYNC_HANDLERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "payment_intent.succeeded": payment_intent_changed,
    "payment_intent.payment_failed": payment_intent_changed,
    "invoice.paid": invoice_changed,
    "invoice.payment_failed": invoice_changed,
    "customer.subscription.created": subscription_changed,
    "customer.subscription.updated": subscription_changed,
    "customer.subscription.deleted": subscription_changed,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": dispute_changed,
    "charge.dispute.updated": dispute_changed,
    "charge.dispute.closed": dispute_changed,
}
