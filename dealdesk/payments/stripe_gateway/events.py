"""Reading events back from Stripe, for those its webhooks could not deliver."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from dealdesk.payments.stripe_gateway.client import stripe_client
from dealdesk.payments.stripe_gateway.errors import translated_errors
from dealdesk.payments.stripe_gateway.webhooks import is_storable_event

logger = logging.getLogger("dealdesk.payments.stripe")

PAGE_SIZE = 100  # Stripe's largest page


def undelivered_events(*, account_id: str) -> Iterator[dict[str, Any]]:
    """Events of a connected account that Stripe has not delivered to every webhook endpoint
    (pending or failed; Stripe lists the last 30 days), newest first, every page.

    Each is the event as a webhook would have carried it, ``account`` included.
    """
    client = stripe_client(account_id=account_id)
    with translated_errors("events list"):
        page = client.v1.events.list({"delivery_success": False, "limit": PAGE_SIZE})
        for listed in page.auto_paging_iter():
            event = listed.to_dict(for_json=True)
            event.setdefault("account", account_id)
            if not is_storable_event(event):
                logger.warning("Skipped an unstorable event %r of %s", event.get("id"), account_id)
                continue
            yield event
