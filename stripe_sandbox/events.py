"""Events: a snapshot of an object when something happened to it."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.config import API_VERSION
from stripe_sandbox.ids import new_id
from stripe_sandbox.render import present
from stripe_sandbox.store import State, StripeObject


def emit(
    state: State,
    account: str,
    event_type: str,
    obj: StripeObject,
    previous: dict[str, Any] | None = None,
    request: dict[str, Any] | None = None,
) -> StripeObject:
    data: dict[str, Any] = {"object": present(state, obj)}
    if previous:
        data["previous_attributes"] = previous
    event: StripeObject = {"id": new_id("evt"), "object": "event"}
    # Stripe sets `account` on events that happened on a connected account.
    if account != state.platform_id:
        event["account"] = account
    event.update(
        {
            "api_version": API_VERSION,
            "created": state.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": request or {"id": None, "idempotency_key": None},
            "type": event_type,
        }
    )
    state.add(event, account)
    for listener in state.listeners:
        listener(event)
    return event


def changed(before: StripeObject, after: StripeObject) -> dict[str, Any]:
    """`previous_attributes`: the old values of the top-level fields that changed."""
    return {
        key: value
        for key, value in before.items()
        if not key.startswith("_") and after.get(key) != value
    }
