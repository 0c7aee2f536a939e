"""The one place that builds a StripeClient: pinned API version, retries, base addresses."""

from __future__ import annotations

import functools
import os

import stripe
from django.conf import settings

# The API version the pinned ``stripe`` library is generated for; every request sends it.
API_VERSION = "2026-10-28.endive"
MAX_NETWORK_RETRIES = 2


@functools.lru_cache(maxsize=1)
def _http_client(pid: int) -> stripe.HTTPClient:
    """The process's HTTP client, shared by every StripeClient so that its connections to
    Stripe stay open between calls; a client of its own per call opened (and, with real
    Stripe, TLS-handshook) a new connection for every call. Sessions are per thread inside
    it; keyed by the process id so that a forked worker never shares its parent's sockets.
    A connection Stripe closed meanwhile is retried like any connection error, with the
    call's idempotency key."""
    del pid
    return stripe.new_default_http_client()


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
        http_client=_http_client(os.getpid()),
    )
