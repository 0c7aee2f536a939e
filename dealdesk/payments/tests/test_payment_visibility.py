"""Seller visibility (issue item 4): the payment timeline, the deal list's payment filter,
and the quote owner's "quote paid" email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe
from django.core import mail
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.payments.models import (
    Dispute,
    Purchase,
    PurchaseStatus,
    Refund,
    StripeConnection,
    Subscription,
    SubscriptionPayment,
)
from dealdesk.payments.purchases import purchase_settle
from dealdesk.payments.selectors import purchase_summaries
from dealdesk.payments.tests.purchase_fixtures import MIXED, ONE_TIME, pay, payable_quote
from dealdesk.payments.tests.sync_fixtures import start
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import deal_with_lines
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _purchase(quote: Quote, status: str = PurchaseStatus.SUCCEEDED, **fields: Any) -> Purchase:
    values: dict[str, Any] = {
        "workspace": quote.workspace,
        "quote": quote,
        "status": status,
        "kind": "subscription",
        "quote_version": quote.version,
        "currency": "EUR",
        "amount_due_today_minor": 100_000,
        "amount_paid_minor": 100_000 if status == PurchaseStatus.SUCCEEDED else None,
        "billing_name": "Carol",
        "billing_email": "carol@globex.example",
        "stripe_account_id": "acct_x",
        "stripe_payment_intent_id": f"pi_{quote.pk}_{status}",
        "paid_at": WHEN if status == PurchaseStatus.SUCCEEDED else None,
        **fields,
    }
    return Purchase.objects.create(**values)


def _history(quote: Quote, subscription_status: str = "canceled", renewals: int = 1) -> Purchase:
    purchase = _purchase(quote, stripe_subscription_id=f"sub_{quote.pk}")
    subscription = Subscription.objects.create(
        workspace=quote.workspace,
        purchase=purchase,
        stripe_subscription_id=f"sub_{quote.pk}",
        status=subscription_status,
        canceled_at=WHEN + timedelta(days=90) if subscription_status == "canceled" else None,
    )
    for i in range(renewals):
        SubscriptionPayment.objects.create(
            workspace=quote.workspace,
            subscription=subscription,
            stripe_invoice_id=f"in_{quote.pk}_{i}",
            status="paid" if i % 2 == 0 else "failed",
            currency="EUR",
            amount_minor=50_000,
            paid_at=WHEN + timedelta(days=30 * (i + 1)) if i % 2 == 0 else None,
            invoiced_at=WHEN + timedelta(days=30 * (i + 1)),
        )
    Refund.objects.create(
        workspace=quote.workspace,
        purchase=purchase,
        stripe_refund_id=f"re_{quote.pk}",
        stripe_charge_id=f"ch_{quote.pk}",
        stripe_payment_intent_id=purchase.stripe_payment_intent_id,
        currency="EUR",
        amount_minor=2_500,
        reason="requested_by_customer",
        status="succeeded",
        refunded_at=WHEN + timedelta(days=5),
    )
    Dispute.objects.create(
        workspace=quote.workspace,
        purchase=purchase,
        stripe_dispute_id=f"dp_{quote.pk}",
        stripe_charge_id=f"ch_{quote.pk}",
        currency="EUR",
        amount_minor=100_000,
        reason="fraudulent",
        status="needs_response",
        disputed_at=WHEN + timedelta(days=10),
    )
    return purchase


def test_item4_timeline_is_in_time_order_and_links_each_entry_to_stripe(
    acme: Workspace, bob: User, bob_client: Client, connected: StripeConnection
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    _history(quote, renewals=2)

    timeline = purchase_summaries(workspace=acme, quotes=[quote])[quote.pk][0].timeline

    assert [e.kind for e in timeline] == [
        "payment",  # day 0
        "refund",  # day 5
        "dispute",  # day 10
        "renewal",  # day 30
        "renewal_failed",  # day 60
        "canceled",  # day 90
    ]
    urls = {e.kind: e.url for e in timeline}
    assert urls["payment"].endswith(f"/acct_x/test/payments/pi_{quote.pk}_succeeded")
    assert urls["refund"] == urls["payment"]  # a refund is shown on its payment's page
    assert urls["dispute"].endswith(f"/disputes/dp_{quote.pk}")
    assert urls["renewal"].endswith(f"/invoices/in_{quote.pk}_0")
    assert urls["canceled"].endswith(f"/subscriptions/sub_{quote.pk}")
    page = bob_client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert 'aria-label="Payment timeline"' in page
    assert "€25.00" in page  # the refund, in the quote's currency
    assert urls["dispute"] in page


def test_item4_timeline_costs_the_same_queries_for_any_history(
    acme: Workspace, bob: User, connected: StripeConnection, django_assert_num_queries: Any
) -> None:
    few = payable_quote(acme, bob, MIXED)
    _history(few, renewals=1)
    many = [payable_quote(acme, bob, MIXED) for _ in range(3)]
    for quote in many:
        _history(quote, renewals=6)

    with django_assert_num_queries(5):
        one = purchase_summaries(workspace=acme, quotes=[few])
    with django_assert_num_queries(5):
        summaries = purchase_summaries(workspace=acme, quotes=many)

    assert len(one[few.pk][0].timeline) == 5
    assert [len(summaries[q.pk][0].timeline) for q in many] == [10, 10, 10]


def test_item4_deal_page_query_count_does_not_grow_with_payment_history(
    acme: Workspace, bob: User, bob_client: Client, connected: StripeConnection
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    quote = payable_quote(acme, bob, MIXED)
    _history(quote, renewals=1)
    url = reverse("crm:deal_detail", args=[quote.deal_id])
    with CaptureQueriesContext(connection) as small:
        bob_client.get(url)
    for i in range(2, 8):
        SubscriptionPayment.objects.create(
            workspace=acme,
            subscription=Subscription.objects.get(purchase__quote=quote),
            stripe_invoice_id=f"in_more_{i}",
            status="paid",
            currency="EUR",
            amount_minor=50_000,
            paid_at=WHEN,
        )
    with CaptureQueriesContext(connection) as large:
        bob_client.get(url)

    assert len(large) == len(small)


def _deal_names(web: Client, **params: str) -> set[str]:
    response = web.get(reverse("crm:deal_list"), params)
    assert response.status_code == 200
    return {deal.name for deal, _totals in response.context["rows"]}


def test_item4_deal_list_filters_by_payment_status(
    acme: Workspace, bob: User, bob_client: Client, connected: StripeConnection
) -> None:
    def quote_named(name: str) -> Quote:
        quote = payable_quote(acme, bob, ONE_TIME)
        Deal.objects.filter(pk=quote.deal_id).update(name=name)
        return quote

    _purchase(quote_named("Paid once"), kind="payment")
    _history(quote_named("Subscribed"), subscription_status="active")
    _history(quote_named("Behind"), subscription_status="past_due")
    _history(quote_named("Ended"), subscription_status="canceled")
    _purchase(quote_named("Waiting"), status=PurchaseStatus.AWAITING_PAYMENT)
    _purchase(quote_named("Declined"), status=PurchaseStatus.FAILED)
    quote_named("Untouched")
    Deal.objects.filter(pk=deal_with_lines(acme, ONE_TIME, owner=bob).pk).update(name="No quote")

    paid_subs = {"Subscribed", "Behind", "Ended"}
    assert _deal_names(bob_client, payment="paid") == {"Paid once"} | paid_subs
    assert _deal_names(bob_client, payment="awaiting") == {"Waiting"}
    assert _deal_names(bob_client, payment="failed") == {"Declined"}
    assert _deal_names(bob_client, payment="subscription_active") == {"Subscribed"}
    assert _deal_names(bob_client, payment="subscription_past_due") == {"Behind"}
    assert _deal_names(bob_client, payment="subscription_canceled") == {"Ended"}
    assert {"Untouched", "No quote"} <= _deal_names(bob_client, payment="none")
    assert "Paid once" not in _deal_names(bob_client, payment="none")
    # An unknown value is no filter, never an error.
    assert "Paid once" in _deal_names(bob_client, payment="<script>")


def test_item4_deal_list_query_count_is_the_same_with_a_payment_filter(
    acme: Workspace,
    bob: User,
    bob_client: Client,
    connected: StripeConnection,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        _history(payable_quote(acme, bob, ONE_TIME), subscription_status="active")
    with CaptureQueriesContext(connection) as unfiltered:
        bob_client.get(reverse("crm:deal_list"))
    with CaptureQueriesContext(connection) as filtered:
        page = bob_client.get(reverse("crm:deal_list"), {"payment": "subscription_active"})

    assert len(filtered) == len(unfiltered)
    assert 'name="payment"' in page.content.decode()


def test_item4_quote_paid_emails_the_owner_once_even_when_settled_twice(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    bob.language = "de"
    bob.save(update_fields=["language"])
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)

    with django_capture_on_commit_callbacks(execute=True):
        purchase_settle(purchase=purchase)
        purchase_settle(purchase=Purchase.objects.get(pk=purchase.pk))
        purchase_settle(purchase=purchase)  # a stale copy, as a second worker holds it

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [bob.email]
    assert quote.display_number in mail.outbox[0].subject
    assert "1.785,00\xa0€" in mail.outbox[0].body  # in the owner's language
