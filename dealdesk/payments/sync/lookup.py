"""Which purchase a Stripe event is about, and locking it the way the purchase flow does."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dealdesk.payments.models import Purchase
from dealdesk.payments.stripe_gateway.sync import timestamp


class PurchaseNotReady(Exception):
    """An event names a purchase whose Stripe ids are not recorded yet (its start is still
    running): the event fails and is retried after the backoff, by when they are."""


def event_account(event: Mapping[str, Any]) -> str:
    return str(event.get("account") or "")


def event_object(event: Mapping[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = event["data"]["object"]
    return obj


def event_time(event: Mapping[str, Any]) -> datetime | None:
    """When Stripe says the event happened (its own clock)."""
    return timestamp(event.get("created"))


def purchase_reference(obj: Mapping[str, Any]) -> str:
    """Our purchase reference from an object's metadata (we set it on every object we create)."""
    metadata = obj.get("metadata") or {}
    return str(metadata.get("dealdesk_purchase") or "") if isinstance(metadata, Mapping) else ""


def purchase_for(
    *,
    account_id: str,
    reference: str = "",
    payment_intent_id: str = "",
    subscription_id: str = "",
    invoice_id: str = "",
    customer_id: str = "",
) -> Purchase | None:
    """The purchase on ``account_id`` that one of the ids names (the first that matches).

    Always scoped by the account the event came from: an event of one seller's account can
    never touch another seller's purchase.
    """
    if not account_id:
        return None
    on_account = Purchase.objects.filter(stripe_account_id=account_id)
    for field, value in (
        ("reference", reference),
        ("stripe_payment_intent_id", payment_intent_id),
        ("stripe_subscription_id", subscription_id),
        ("stripe_invoice_id", invoice_id),
        ("stripe_customer_id", customer_id),
    ):
        if value:
            found = on_account.filter(**{field: value}).order_by("-created_at", "-pk").first()
            if found is not None:
                return found
    return None
