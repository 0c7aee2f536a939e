"""Stripe-looking object ids and secrets."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def random_token(length: int = 24) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_id(prefix: str, length: int = 24) -> str:
    """`new_id("cus")` → `cus_…`; the random part has no underscores, like Stripe's."""
    return f"{prefix}_{random_token(length)}"
