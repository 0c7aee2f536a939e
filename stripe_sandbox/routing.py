"""The API route table: each route names the library Params class it accepts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stripe_sandbox.context import Ctx
from stripe_sandbox.store import StripeObject

Handler = Callable[[Ctx, dict[str, Any], dict[str, str]], StripeObject]


@dataclass(frozen=True)
class Route:
    method: str
    # Same template as the library's services, e.g. "/v1/customers/{customer}".
    path: str
    # Name of the `stripe.params` TypedDict checked against the parameters.
    params: str
    handler: Handler
    # Callable by Stripe.js with a publishable key (with the intent's client_secret).
    publishable: bool = False
