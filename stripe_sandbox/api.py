"""Every API route the sandbox serves."""

from __future__ import annotations

from stripe_sandbox.resources import (
    accounts,
    catalog,
    charges,
    customers,
    events_api,
    invoices,
    payment_intents,
    payment_methods,
    refunds,
    setup_intents,
    subscriptions,
)
from stripe_sandbox.routing import Route

ROUTES: list[Route] = [
    *accounts.ROUTES,
    *customers.ROUTES,
    *catalog.ROUTES,
    *payment_methods.ROUTES,
    *payment_intents.ROUTES,
    *charges.ROUTES,
    *setup_intents.ROUTES,
    *refunds.ROUTES,
    *subscriptions.ROUTES,
    *invoices.ROUTES,
    *events_api.ROUTES,
]
