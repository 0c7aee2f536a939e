"""Verifying Stripe's webhook signatures."""

from __future__ import annotations

import json
from typing import Any

import stripe
from django.conf import settings


class InvalidSignature(Exception):
    """The payload was not signed with our endpoint secret (or is too old)."""


def verified_event(*, payload: bytes, signature_header: str | None) -> dict[str, Any]:
    """The event as plain JSON, only if ``Stripe-Signature`` proves it came from Stripe."""
    try:
        # An explicit tolerance: without one, verify_header accepts replays of any age.
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            signature_header or "",
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=stripe.Webhook.DEFAULT_TOLERANCE,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
        raise InvalidSignature(str(error)) from error
    try:
        event: dict[str, Any] = json.loads(payload)
    except ValueError as error:
        raise InvalidSignature("signed payload is not JSON") from error
    return event
