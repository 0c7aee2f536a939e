"""End to end: the sandbox delivers its real, signed webhooks to the running app.

The app runs in ``live_server``; the platform's Connect webhook endpoint points at it with
the secret Stripe gave when it was created. Nobody calls the purchase's complete step: what
changes, changes because Stripe said so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
import stripe
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal, Stage
from dealdesk.payments.models import (
    Purchase,
    PurchaseStatus,
    Refund,
    StripeConnection,
    Subscription,
    SubscriptionPayment,
    SubscriptionStatus,
)
from dealdesk.payments.tests.purchase_fixtures import MIXED, ONE_TIME, pay, payable_quote
from dealdesk.payments.tests.sync_fixtures import start
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("Stripe's webhooks did not bring the expected state in time")


@pytest.fixture
def webhooks_to_app(stripe_sandbox: Any, live_server: Any, settings: Any) -> Any:
    """The platform's Connect endpoint, pointed at the running app, with Stripe's secret."""
    endpoint = stripe_sandbox.client().v1.webhook_endpoints.create(
        {"url": f"{live_server.url}/stripe/webhook/", "enabled_events": ["*"], "connect": True}
    )
    settings.STRIPE_WEBHOOK_SECRET = endpoint.secret
    return endpoint


def _paid(acme: Workspace, bob: User, northwind: stripe.StripeClient, lines: Any) -> Purchase:
    quote = payable_quote(acme, bob, lines)
    purchase = start(quote)
    assert pay(northwind, purchase)
    wait_until(lambda: Purchase.objects.get(pk=purchase.pk).is_settled)
    return Purchase.objects.select_related("quote").get(pk=purchase.pk)


def _seller_page(bob: User, quote: Quote) -> str:
    web = Client()
    web.force_login(bob)
    return web.get(reverse("quotes:detail", args=[quote.pk])).content.decode()


def test_purchase_closes_the_deal_won_through_stripes_webhooks(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    webhooks_to_app: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, ONE_TIME)

    quote = Quote.objects.get(pk=purchase.quote_id)
    assert quote.status == QuoteStatus.PAID
    assert Deal.objects.get(pk=quote.deal_id).stage == Stage.CLOSED_WON
    assert purchase.amount_paid_minor == 178_500


def test_r14_cancelled_in_stripe_shows_cancelled_on_and_emails_the_owner(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
    webhooks_to_app: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)

    # The seller presses Cancel in the (sandbox's) Stripe dashboard.
    stripe_sandbox.admin(f"subscriptions/{purchase.stripe_subscription_id}/cancel", {})

    wait_until(
        lambda: Subscription.objects.filter(
            purchase=purchase, status=SubscriptionStatus.CANCELED
        ).exists()
    )
    assert "Cancelled on" in _seller_page(bob, purchase.quote)
    wait_until(lambda: any("cancelled" in m.subject for m in mail.outbox))
    assert {tuple(m.to) for m in mail.outbox} == {(bob.email,)}


def test_a_month_later_the_renewal_is_recorded(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
    webhooks_to_app: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)

    stripe_sandbox.advance(31 * 86400)

    wait_until(lambda: SubscriptionPayment.objects.filter(status="paid").exists())
    assert SubscriptionPayment.objects.get().amount_minor == 145_775
    assert "Renewal paid" in _seller_page(bob, purchase.quote)


def test_renewal_with_a_failing_card_shows_past_due_and_emails_the_owner(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
    webhooks_to_app: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)
    failing = northwind.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", {"customer": purchase.stripe_customer_id}
    )
    northwind.v1.subscriptions.update(
        purchase.stripe_subscription_id, {"default_payment_method": failing.id}
    )

    stripe_sandbox.advance(31 * 86400)

    wait_until(
        lambda: (
            Subscription.objects.filter(
                purchase=purchase, status=SubscriptionStatus.PAST_DUE
            ).exists()
            and SubscriptionPayment.objects.filter(status="failed").exists()
        )
    )
    assert "Past due" in _seller_page(bob, purchase.quote)
    wait_until(lambda: any("Renewal payment failed" in m.subject for m in mail.outbox))
    assert {tuple(m.to) for m in mail.outbox} == {(bob.email,)}


def test_refund_in_stripe_is_shown(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
    webhooks_to_app: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, ONE_TIME)
    intent = northwind.v1.payment_intents.retrieve(purchase.stripe_payment_intent_id)

    # The seller refunds €250.00 of it in the (sandbox's) Stripe dashboard.
    stripe_sandbox.admin(f"charges/{intent.latest_charge}/refund", {"amount": 25_000})

    wait_until(lambda: Refund.objects.filter(purchase=purchase).exists())
    page = _seller_page(bob, purchase.quote)
    assert "Refunded" in page
    assert "€250.00" in page


def test_webhook_unreachable_during_payment_then_reconcile_brings_the_quote_to_paid(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    stripe_sandbox.client().v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/stripe/webhook/", "enabled_events": ["*"], "connect": True}
    )
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)
    time.sleep(0.5)  # the sandbox tries to deliver, and fails
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.AWAITING_PAYMENT

    out = StringIO()
    call_command("stripe_reconcile", stdout=out)

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PAID
    assert Deal.objects.get(pk=quote.deal_id).stage == Stage.CLOSED_WON
    assert "awaiting_payment → succeeded" in out.getvalue()
