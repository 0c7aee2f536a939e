"""What a seller does to a paid purchase from DealDesk: cancel its subscription, refund a payment.

Every call acts on the connected account and carries an idempotency key made from our own
ids, so a double submit or the library's retry after a lost response makes one change.
Nothing here touches the database: callers record what comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import stripe

from dealdesk.payments.stripe_gateway.client import stripe_client
from dealdesk.payments.stripe_gateway.errors import translated_errors


def cancel_subscription(
    *, account_id: str, subscription_id: str, at_period_end: bool, key: str
) -> None:
    """Cancel now, or ask Stripe to cancel when the paid period ends."""
    client = stripe_client(account_id=account_id)
    with translated_errors("subscription cancel"):
        if at_period_end:
            client.v1.subscriptions.update(
                subscription_id, {"cancel_at_period_end": True}, {"idempotency_key": key}
            )
        else:
            client.v1.subscriptions.cancel(subscription_id, {}, {"idempotency_key": key})


@dataclass(frozen=True)
class RefundableCharge:
    """A payment's charge and how much of it can still be given back."""

    charge_id: str
    payment_intent_id: str
    currency: str  # upper case
    amount: int
    amount_refunded: int

    @property
    def refundable(self) -> int:
        return max(self.amount - self.amount_refunded, 0)


def refundable_charge(*, account_id: str, payment_intent_id: str) -> RefundableCharge | None:
    """The PaymentIntent's successful charge as Stripe holds it now (None if it has none)."""
    with translated_errors("payment intent retrieve"):
        intent = stripe_client(account_id=account_id).v1.payment_intents.retrieve(
            payment_intent_id, {"expand": ["latest_charge"]}
        )
    charge = intent.latest_charge
    if intent.status != "succeeded" or not isinstance(charge, stripe.Charge):
        return None
    return RefundableCharge(
        charge_id=str(charge.id),
        payment_intent_id=str(intent.id),
        currency=str(charge.currency).upper(),
        amount=int(charge.amount_captured or charge.amount),
        amount_refunded=int(charge.amount_refunded or 0),
    )


@dataclass(frozen=True)
class CreatedRefund:
    id: str
    charge_id: str
    status: str


def create_refund(
    *,
    account_id: str,
    payment_intent_id: str,
    amount: int,
    reason: str,
    metadata: Mapping[str, str],
    key: str,
) -> CreatedRefund:
    """Refund ``amount`` (minor units) of the PaymentIntent's charge."""
    params: dict[str, Any] = {
        "payment_intent": payment_intent_id,
        "amount": amount,
        "reason": reason,
        # Stripe refuses empty strings: send only what was given.
        "metadata": {k: v for k, v in metadata.items() if v},
    }
    with translated_errors("refund create"):
        refund = stripe_client(account_id=account_id).v1.refunds.create(
            cast(Any, params), {"idempotency_key": key}
        )
    charge = refund.charge
    return CreatedRefund(
        id=str(refund.id),
        charge_id=charge if isinstance(charge, str) else str(getattr(charge, "id", "") or ""),
        status=str(refund.status or ""),
    )
