"""Verifying Stripe's webhook signatures and that the signed body is an event."""

from __future__ import annotations

import json
import time
from typing import Any

import stripe
from django.conf import settings

TOLERANCE_SECONDS: int = stripe.Webhook.DEFAULT_TOLERANCE
# Stripe object ids are at most 255 characters; event types are short dotted names.
MAX_ID_LENGTH = 255
MAX_TYPE_LENGTH = 128


class InvalidEvent(Exception):
    """The request is not a Stripe event we accept; answer 400 and store nothing."""


class InvalidSignature(InvalidEvent):
    """The payload was not signed with our endpoint secret, or not within the tolerance."""


class NotAnEvent(InvalidEvent):
    """Correctly signed, but the body is not a Stripe event object."""


def verified_event(*, payload: bytes, signature_header: str | None) -> dict[str, Any]:
    """The event as plain JSON, only if ``Stripe-Signature`` proves it came from Stripe."""
    try:
        # An explicit tolerance: without one, verify_header accepts replays of any age.
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            signature_header or "",
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=TOLERANCE_SECONDS,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
        raise InvalidSignature(str(error)) from error
    # The library only refuses timestamps too far in the past; one from the future would
    # let a captured delivery be replayed for as long as its timestamp lies ahead.
    if _signed_timestamp(signature_header or "") > time.time() + TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp is in the future beyond the tolerance")
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise NotAnEvent("signed payload is not JSON") from error
    if not is_storable_event(event):
        raise NotAnEvent("signed payload is not a Stripe event")
    checked: dict[str, Any] = event
    return checked


def _signed_timestamp(header: str) -> int:
    """The ``t=`` value the signature covers (the first one, as the library reads it)."""
    for item in header.split(","):
        key, _, rest = item.partition("=")
        if key == "t":
            try:
                return int(rest.partition("=")[0])
            except ValueError:
                break
    raise InvalidSignature("no readable timestamp")


def is_storable_event(value: object) -> bool:
    """An object with the fields every stored event needs, all of it storable."""
    if not isinstance(value, dict):
        return False
    event_id, event_type, account = value.get("id"), value.get("type"), value.get("account")
    return (
        isinstance(event_id, str)
        and 0 < len(event_id) <= MAX_ID_LENGTH
        and isinstance(event_type, str)
        and 0 < len(event_type) <= MAX_TYPE_LENGTH
        and (account is None or (isinstance(account, str) and len(account) <= MAX_ID_LENGTH))
        and not _contains_nul(value)
    )


def _contains_nul(value: object) -> bool:
    """PostgreSQL's jsonb cannot hold U+0000; Stripe never sends it in a real event."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
