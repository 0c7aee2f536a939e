"""Stripe's own events from the sandbox, delivered to the webhook URL with a real signature."""

from __future__ import annotations

import json
from typing import Any

import stripe
from django.test import Client

from dealdesk.payments.models import Purchase
from dealdesk.payments.purchases import purchase_start
from dealdesk.payments.tests.purchase_fixtures import CAROL
from dealdesk.payments.tests.signing import post_signed
from dealdesk.quotes.models import Quote
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT


def start(quote: Quote) -> Purchase:
    return purchase_start(quote=quote, billing=CAROL, quote_version=quote.version, ip=None)


def sandbox_events(client: stripe.StripeClient, event_type: str, object_id: str) -> list[str]:
    """The events of ``event_type`` about ``object_id`` the sandbox sent, oldest first, as the
    JSON bodies Stripe delivers (``account`` set)."""
    listed = client.v1.events.list({"type": event_type, "limit": 100}).data
    bodies = []
    for event in reversed(listed):
        body = event.to_dict(for_json=True)
        body.setdefault("account", DEMO_ACTIVE_ACCOUNT)
        if body["data"]["object"]["id"] == object_id:
            bodies.append(json.dumps(body))
    assert bodies, f"the sandbox sent no {event_type} for {object_id}"
    return bodies


def sandbox_event(client: stripe.StripeClient, event_type: str, object_id: str) -> str:
    """The latest such event."""
    return sandbox_events(client, event_type, object_id)[-1]


def deliver(web: Client, payload: str, capture: Any) -> None:
    """POST the event as Stripe does and run what the app queues on commit (its processing)."""
    with capture(execute=True):
        response = post_signed(web, payload)
    assert response.status_code == 200


def with_id(payload: str, event_id: str, **changes: Any) -> str:
    """The same event re-sent as another delivery (a new event id), e.g. by a retry of ours."""
    body = json.loads(payload)
    body.update(id=event_id, **changes)
    return json.dumps(body)
