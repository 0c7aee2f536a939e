"""Deliver webhooks as Stripe does: a JSON body signed with the endpoint's real secret."""

from __future__ import annotations

import json
import time
from typing import Any

import stripe
from django.conf import settings
from django.test import Client
from django.urls import reverse


def event_body(
    event_type: str,
    account: str,
    obj: dict[str, Any],
    event_id: str = "evt_1",
    created: int | None = None,
) -> str:
    """A Connect event as Stripe sends it (``account`` set, snapshot in ``data.object``)."""
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "account": account,
            "livemode": False,
            "created": int(time.time()) if created is None else created,
            "data": {"object": obj},
        }
    )


def deauthorized_body(account: str, event_id: str = "evt_1", created: int | None = None) -> str:
    """The seller removed our platform's access to ``account`` in Stripe (R4)."""
    return event_body(
        "account.application.deauthorized",
        account,
        {"id": settings.STRIPE_CLIENT_ID, "object": "application"},
        event_id,
        created,
    )


def post_signed(
    client: Client, payload: str, *, secret: str | None = None, timestamp: int | None = None
) -> Any:
    """POST ``payload`` to the app's webhook URL with a ``Stripe-Signature`` header."""
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp
    )
    return client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
