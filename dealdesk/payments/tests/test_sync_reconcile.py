"""``manage.py stripe_reconcile``: what missed events left behind is repaired from Stripe."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
import stripe
from django.core.management import call_command

from dealdesk.crm.models import Stage
from dealdesk.payments.models import (
    PurchaseStatus,
    StripeConnection,
    Subscription,
    SubscriptionPayment,
    SubscriptionStatus,
)
from dealdesk.payments.tests.purchase_fixtures import MIXED, ONE_TIME, pay, payable_quote
from dealdesk.payments.tests.sync_fixtures import start
from dealdesk.quotes.models import QuoteStatus
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def _reconcile(*args: str) -> str:
    out = StringIO()
    call_command("stripe_reconcile", *args, stdout=out)
    return out.getvalue()


def test_reconcile_pays_a_quote_whose_payment_no_event_or_browser_reported(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)

    output = _reconcile("--workspace", str(acme.pk))

    purchase.refresh_from_db()
    quote.refresh_from_db()
    assert purchase.status == PurchaseStatus.SUCCEEDED
    assert quote.status == QuoteStatus.PAID
    assert quote.deal.stage == Stage.CLOSED_WON
    assert output.splitlines() == [
        f"{quote.display_number} purchase {purchase.reference}: awaiting_payment → succeeded"
    ]
    assert _reconcile() == "Nothing to repair: DealDesk agrees with Stripe.\n"


def test_reconcile_records_a_cancellation_and_missed_renewals_once(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    purchase = start(quote)
    assert pay(northwind, purchase)
    _reconcile()
    assert Subscription.objects.get(purchase=purchase).status == SubscriptionStatus.ACTIVE
    stripe_sandbox.advance(31 * 86400)
    northwind.v1.subscriptions.cancel(purchase.stripe_subscription_id)

    output = _reconcile()

    record = Subscription.objects.get(purchase=purchase)
    assert record.status == SubscriptionStatus.CANCELED
    assert SubscriptionPayment.objects.filter(subscription=record, status="paid").count() == 1
    assert "status: active → canceled" in output
    assert "renewal" in output
    assert _reconcile() == "Nothing to repair: DealDesk agrees with Stripe.\n"


def test_reconcile_of_another_workspace_leaves_acme_alone(
    acme: Workspace,
    umbrella: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)

    _reconcile("--workspace", str(umbrella.pk))

    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.AWAITING_PAYMENT
