"""What the seller sees of a purchase on the quote and deal pages (issue item 6).

Amounts, status, card, billing details, the buyer's acceptance and the Stripe ids
with links into the connected account's dashboard; buyer input always escaped; a
constant number of queries; nothing of it for an outsider.
"""

from __future__ import annotations

import dataclasses
import urllib.request
from typing import Any

import pytest
import stripe
from django.db import connection as db_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealdesk.lib import clock
from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import Purchase, PurchaseStatus, StripeConnection
from dealdesk.payments.purchases import purchase_settle, purchase_start
from dealdesk.payments.tests.purchase_fixtures import (
    CAROL,
    MIXED,
    ONE_TIME,
    pay,
    payable_quote,
)
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import deal_with_lines, published_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('pwned')</script>"


def _quote_page(client: Client, quote: Quote) -> str:
    response = client.get(reverse("quotes:detail", args=[quote.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _deal_page(client: Client, quote: Quote) -> str:
    response = client.get(reverse("crm:deal_detail", args=[quote.deal_id]))
    assert response.status_code == 200
    return response.content.decode()


def _purchase(quote: Quote, **fields: Any) -> Purchase:
    """A purchase row as the purchase services leave it (for display-only tests)."""
    values: dict[str, Any] = {
        "workspace": quote.workspace,
        "quote": quote,
        "kind": "subscription",
        "quote_version": quote.version,
        "currency": "EUR",
        "amount_due_today_minor": 324_275,
        "amount_recurring_minor": 145_775,
        "recurring_interval": "month",
        "recurring_interval_count": 1,
        "billing_name": "Carol Meier",
        "billing_email": "carol@globex.example",
        "stripe_account_id": "acct_test",
        "stripe_customer_id": "cus_1",
        "stripe_payment_intent_id": "pi_1",
        "stripe_subscription_id": "sub_1",
        "stripe_invoice_id": "in_1",
        "status": PurchaseStatus.FAILED,
        "failure_code": "generic_decline",
        "failure_message": "Your card was declined.",
    }
    values.update(fields)
    return Purchase.objects.create(**values)


def test_item6_quote_page_shows_the_paid_purchase_with_links_into_stripe(
    acme: Workspace,
    bob: User,
    bob_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    quote = payable_quote(acme, bob, MIXED, signature=True)
    billing = dataclasses.replace(CAROL, signature_name="Carol Meier")
    purchase = purchase_start(
        quote=quote, billing=billing, quote_version=quote.version, ip="203.0.113.7"
    )
    assert pay(northwind, purchase)
    purchase = purchase_settle(purchase=purchase)

    page = _quote_page(bob_client, quote)

    assert 'id="purchases"' in page
    assert "badge-success" in page and "Paid today" in page
    assert "€3,242.75" in page  # one-time €1,785.00 + the first month €1,457.75
    assert "€1,457.75 / month" in page
    assert "Visa ···· 4242" in page
    assert "Globex GmbH" in page and "carol@globex.example" in page
    assert "By Carol Meier on" in page and "IP address 203.0.113.7" in page
    assert "Accepted by Carol Meier on" in page  # the Status card's signature row
    assert "Not signed yet" not in page
    base = f"{stripe_sandbox.url}/dashboard/{connected.account_id}/test"
    links = {
        f"{base}/customers/{purchase.stripe_customer_id}",
        f"{base}/payments/{purchase.stripe_payment_intent_id}",
        f"{base}/subscriptions/{purchase.stripe_subscription_id}",
        f"{base}/invoices/{purchase.stripe_invoice_id}",
    }
    for link in links:
        assert f'href="{link}"' in page
        with urllib.request.urlopen(link, timeout=10) as opened:
            assert opened.status == 200
            assert purchase.stripe_subscription_id in opened.read().decode()


def test_item6_deal_page_lists_a_declined_attempt_with_its_reason_and_the_payment(
    acme: Workspace,
    bob: User,
    bob_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = purchase_start(quote=quote, billing=CAROL, quote_version=quote.version, ip=None)
    assert not pay(northwind, purchase, card="pm_card_chargeDeclined")
    purchase_settle(purchase=purchase)

    declined = _deal_page(bob_client, quote)

    assert "badge-danger" in declined and "Failed" in declined
    assert "Your card was declined" in declined
    assert "Due today" in declined and "€1,785.00" in declined
    assert pay(northwind, purchase)  # another card, the same intent
    purchase_settle(purchase=purchase)
    paid = _deal_page(bob_client, quote)
    assert "badge-success" in paid and "Paid today" in paid
    assert f"/payments/{purchase.stripe_payment_intent_id}" in paid


def test_item6_live_account_links_to_the_live_dashboard(
    acme: Workspace, bob: User, bob_client: Client, settings: Any
) -> None:
    settings.STRIPE_DASHBOARD_URL = "https://dashboard.stripe.com"
    StripeConnection.objects.create(workspace=acme, account_id="acct_live", livemode=True)
    quote = published_quote(deal_with_lines(acme), bob)
    _purchase(quote, stripe_account_id="acct_live", stripe_payment_intent_id="pi_live")

    page = _quote_page(bob_client, quote)

    assert 'href="https://dashboard.stripe.com/acct_live/payments/pi_live"' in page
    assert "/test/" not in page.split('id="purchases"')[1]


def test_dashboard_object_url_follows_stripe_dashboard_paths(settings: Any) -> None:
    settings.STRIPE_DASHBOARD_URL = "https://dashboard.stripe.com/"
    url = gateway.dashboard_object_url

    assert (
        url(account_id="acct_1", livemode=False, object_type="payment_intent", object_id="pi_9")
        == "https://dashboard.stripe.com/acct_1/test/payments/pi_9"
    )
    assert (
        url(account_id="acct_1", livemode=True, object_type="subscription", object_id="sub_9")
        == "https://dashboard.stripe.com/acct_1/subscriptions/sub_9"
    )


def test_item7_buyer_input_is_escaped_on_the_quote_and_deal_pages(
    acme: Workspace, bob: User, bob_client: Client
) -> None:
    quote = published_quote(deal_with_lines(acme), bob)
    _purchase(
        quote,
        billing_name=SCRIPT,
        billing_company=SCRIPT,
        billing_email="x@example.com",
        signature_name=SCRIPT,
        signature_accepted_at=clock.utcnow(),
        signature_ip="198.51.100.4",
        failure_message=SCRIPT,
    )

    for page in (_quote_page(bob_client, quote), _deal_page(bob_client, quote)):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(db_connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_item6_deal_and_quote_pages_query_the_database_a_fixed_number_of_times(
    acme: Workspace, bob: User, bob_client: Client
) -> None:
    StripeConnection.objects.create(workspace=acme, account_id="acct_test")
    deal = deal_with_lines(acme)
    quote = published_quote(deal, bob)
    _purchase(quote)
    deal_url = reverse("crm:deal_detail", args=[deal.pk])
    quote_url = reverse("quotes:detail", args=[quote.pk])
    few_deal, few_quote = _queries(bob_client, deal_url), _queries(bob_client, quote_url)

    for _ in range(3):
        _purchase(quote)
        other = published_quote(deal, bob)
        _purchase(other)
        _purchase(other, status=PurchaseStatus.CANCELED)

    assert _queries(bob_client, deal_url) == few_deal
    assert _queries(bob_client, quote_url) == few_quote
    assert _deal_page(bob_client, quote).count('class="purchase"') == 10


def test_item6_outsider_gets_404_without_any_purchase_details(
    acme: Workspace, bob: User, mallory_client: Client
) -> None:
    quote = published_quote(deal_with_lines(acme), bob)
    _purchase(quote, billing_name="Carol Secret", stripe_customer_id="cus_secret")

    for url in (
        reverse("quotes:detail", args=[quote.pk]),
        reverse("crm:deal_detail", args=[quote.deal_id]),
    ):
        response = mallory_client.get(url)
        assert response.status_code == 404
        assert b"Carol Secret" not in response.content
        assert b"cus_secret" not in response.content
