"""Reading subscriptions, invoices, charges and disputes back from a connected account.

Event handlers call these instead of trusting an event's snapshot: Stripe delivers
events late and in any order, but a fresh read is always Stripe's current word.
Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stripe

from dealdesk.payments.stripe_gateway.client import stripe_client
from dealdesk.payments.stripe_gateway.errors import translated_errors


def timestamp(value: object) -> datetime | None:
    """Stripe's Unix seconds as an aware datetime (None when absent or not a number)."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _id(value: object) -> str:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(getattr(value, "id", "") or "")


@dataclass(frozen=True)
class SubscriptionState:
    id: str
    status: str
    current_period_end: datetime | None  # the latest end among its items (basil+)
    cancel_at: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    created: datetime | None


def subscription_state(*, account_id: str, subscription_id: str) -> SubscriptionState:
    """The subscription as Stripe holds it now (a cancelled one stays readable)."""
    with translated_errors("subscription retrieve"):
        sub = stripe_client(account_id=account_id).v1.subscriptions.retrieve(subscription_id)
    ends = [
        end
        for item in (sub["items"].data if sub["items"] is not None else [])
        if (end := timestamp(item.current_period_end)) is not None
    ]
    return SubscriptionState(
        id=str(sub.id),
        status=str(sub.status),
        current_period_end=max(ends) if ends else None,
        cancel_at=timestamp(sub.cancel_at),
        cancel_at_period_end=bool(sub.cancel_at_period_end),
        canceled_at=timestamp(sub.canceled_at),
        created=timestamp(sub.created),
    )


@dataclass(frozen=True)
class InvoiceState:
    id: str
    status: str  # draft, open, paid, uncollectible, void
    billing_reason: str
    subscription_id: str
    currency: str  # upper case
    amount_due: int
    amount_paid: int
    created: datetime | None
    paid_at: datetime | None
    attempted: bool
    payment_intent_id: str  # the latest attempt's, when Stripe made one


def invoice_state(*, account_id: str, invoice_id: str) -> InvoiceState:
    """The invoice as Stripe holds it now, with the PaymentIntent of its latest payment."""
    with translated_errors("invoice retrieve"):
        invoice = stripe_client(account_id=account_id).v1.invoices.retrieve(
            invoice_id, {"expand": ["payments"]}
        )
    details = invoice.parent.subscription_details if invoice.parent is not None else None
    payments = invoice.payments.data if invoice.payments is not None else []
    intents = [_id(p.payment.payment_intent) for p in payments if p.payment is not None]
    transitions = invoice.status_transitions
    return InvoiceState(
        id=str(invoice.id),
        status=str(invoice.status or ""),
        billing_reason=str(invoice.billing_reason or ""),
        subscription_id=_id(details.subscription) if details is not None else "",
        currency=str(invoice.currency).upper(),
        amount_due=int(invoice.amount_due),
        amount_paid=int(invoice.amount_paid),
        created=timestamp(invoice.created),
        paid_at=timestamp(transitions.paid_at) if transitions is not None else None,
        attempted=bool(invoice.attempted),
        payment_intent_id=next((i for i in reversed(intents) if i), ""),
    )


def _metadata(metadata: object, key: str) -> str:
    values: dict[str, Any] = dict(metadata) if isinstance(metadata, Mapping) else {}
    return str(values.get(key) or "")


@dataclass(frozen=True)
class RefundState:
    id: str
    amount: int
    currency: str  # upper case
    reason: str
    status: str
    created: datetime | None
    request_id: str = ""  # our Refund row's id when a seller asked for it from DealDesk


@dataclass(frozen=True)
class ChargeState:
    id: str
    customer_id: str
    payment_intent_id: str
    currency: str  # upper case
    amount_refunded: int
    refunds: tuple[RefundState, ...]


def charge_state(*, account_id: str, charge_id: str) -> ChargeState:
    """A charge and every refund made on it (refunds listed, not from the charge's snapshot)."""
    client = stripe_client(account_id=account_id)
    with translated_errors("charge retrieve"):
        charge = client.v1.charges.retrieve(charge_id)
        refunds = [
            RefundState(
                id=str(refund.id),
                amount=int(refund.amount),
                currency=str(refund.currency).upper(),
                reason=str(refund.reason or ""),
                status=str(refund.status or ""),
                created=timestamp(refund.created),
                request_id=_metadata(refund.metadata, "dealdesk_refund"),
            )
            for refund in client.v1.refunds.list(
                {"charge": charge_id, "limit": 100}
            ).auto_paging_iter()
        ]
    return ChargeState(
        id=str(charge.id),
        customer_id=_id(charge.customer),
        payment_intent_id=_id(charge.payment_intent),
        currency=str(charge.currency).upper(),
        amount_refunded=int(charge.amount_refunded or 0),
        refunds=tuple(refunds),
    )


@dataclass(frozen=True)
class DisputeState:
    id: str
    charge_id: str
    amount: int
    currency: str  # upper case
    reason: str
    status: str
    created: datetime | None


def dispute_from_event(obj: Mapping[str, Any]) -> DisputeState:
    """A dispute as a ``charge.dispute.*`` event carries it (callers order by the event's time)."""
    dispute = stripe.Dispute.construct_from(dict(obj), None)
    return DisputeState(
        id=str(dispute.id),
        charge_id=_id(dispute.charge),
        amount=int(dispute.amount),
        currency=str(dispute.currency).upper(),
        reason=str(dispute.reason or ""),
        status=str(dispute.status or ""),
        created=timestamp(dispute.created),
    )


def subscription_invoice_ids(*, account_id: str, subscription_id: str) -> list[str]:
    """Every invoice of the subscription, newest first (for repairing missed renewals)."""
    with translated_errors("invoices list"):
        page = stripe_client(account_id=account_id).v1.invoices.list(
            {"subscription": subscription_id, "limit": 100}
        )
        return [str(invoice.id) for invoice in page.auto_paging_iter()]
