"""The one place that builds a StripeClient: pinned API version, retries, base addresses."""

from __future__ import annotations

import stripe
from django.conf import settings

# The API version the pinned ``stripe`` library is generated for; every request sends it.
API_VERSION = "2026-10-28.endive"
MAX_NETWORK_RETRIES = 2


def stripe_client(*, account_id: str | None = None) -> stripe.StripeClient:
    """A client for the platform, or acting on a connected account (direct charges, R3)."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_account=account_id,
        stripe_version=API_VERSION,
        client_id=settings.STRIPE_CLIENT_ID,
        base_addresses={
            "api": settings.STRIPE_API_BASE,
            "connect": settings.STRIPE_CONNECT_BASE,
        },
        max_network_retries=MAX_NETWORK_RETRIES,
    )
