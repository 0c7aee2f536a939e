"""Exactly once when the network lies: a response lost after Stripe did the work.

The sandbox's ``drop_after_commit`` fault runs the request (the object exists, the
idempotent result is stored) and then drops the connection, the dangerous case:
a retry that does not reuse the idempotency key would create a second
subscription and charge the buyer twice.
"""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from dealdesk.payments.models import Purchase, PurchaseStatus, StripeConnection
from dealdesk.payments.purchases import PaymentProviderUnavailable, purchase_settle, purchase_start
from dealdesk.payments.tests.purchase_fixtures import (
    CAROL,
    MIXED,
    MIXED_DUE_TODAY,
    ONE_TIME,
    pay,
    payable_quote,
    sandbox_counts,
)
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def _start(quote: Quote) -> Purchase:
    return purchase_start(quote=quote, billing=CAROL, quote_version=quote.version, ip=None)


def test_lost_response_to_create_subscription_retried_makes_one_subscription_and_one_charge(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    stripe_sandbox.fault("POST", "/v1/subscriptions", "drop_after_commit", count=1)

    purchase = _start(quote)  # the gateway's retry carries the same idempotency key
    assert pay(northwind, purchase)
    settled = purchase_settle(purchase=purchase)

    assert settled.status == PurchaseStatus.SUCCEEDED
    counts = sandbox_counts(northwind)
    assert counts["subscriptions"] == 1
    assert counts["succeeded_charges"] == 1
    invoice = northwind.v1.invoices.list({"limit": 10}).data
    assert [i.amount_paid for i in invoice] == [MIXED_DUE_TODAY]


def test_lost_responses_beyond_the_retries_then_the_buyer_starts_again_charges_once(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    stripe_sandbox.fault("POST", "/v1/payment_intents", "drop_after_commit", count=10)

    with pytest.raises(PaymentProviderUnavailable):
        _start(quote)
    assert sandbox_counts(northwind)["payment_intents"] == 1  # Stripe did the work

    stripe_sandbox.clear_faults()
    purchase = _start(quote)  # "Try again": the same attempt, the same keys
    assert pay(northwind, purchase)
    purchase_settle(purchase=purchase)

    counts = sandbox_counts(northwind)
    assert counts["payment_intents"] == 1
    assert counts["succeeded_charges"] == 1
    assert Purchase.objects.count() == 1
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PAID
