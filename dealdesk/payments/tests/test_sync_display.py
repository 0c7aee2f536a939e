"""What the seller sees of Stripe's events costs the same few queries for any number of them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.payments.models import (
    Purchase,
    PurchaseStatus,
    Refund,
    StripeConnection,
    Subscription,
    SubscriptionPayment,
)
from dealdesk.payments.selectors import purchase_summaries
from dealdesk.payments.tests.purchase_fixtures import MIXED, payable_quote
from dealdesk.quotes.models import Quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _paid_with_history(quote: Quote, n: int) -> Purchase:
    purchase = Purchase.objects.create(
        workspace=quote.workspace,
        quote=quote,
        status=PurchaseStatus.SUCCEEDED,
        kind="subscription",
        quote_version=quote.version,
        currency="EUR",
        amount_due_today_minor=100,
        amount_paid_minor=100,
        billing_name="Carol",
        billing_email="carol@globex.example",
        stripe_account_id="acct_x",
        stripe_subscription_id=f"sub_{quote.pk}",
        paid_at=WHEN,
    )
    subscription = Subscription.objects.create(
        workspace=quote.workspace,
        purchase=purchase,
        stripe_subscription_id=f"sub_{quote.pk}",
        status="canceled",
        canceled_at=WHEN,
    )
    for i in range(n):
        SubscriptionPayment.objects.create(
            workspace=quote.workspace,
            subscription=subscription,
            stripe_invoice_id=f"in_{quote.pk}_{i}",
            status="paid",
            currency="EUR",
            amount_minor=100,
            paid_at=WHEN,
        )
        Refund.objects.create(
            workspace=quote.workspace,
            purchase=purchase,
            stripe_refund_id=f"re_{quote.pk}_{i}",
            stripe_charge_id="ch_1",
            currency="EUR",
            amount_minor=10,
            status="succeeded",
            refunded_at=WHEN,
        )
    return purchase


def test_purchase_summaries_query_count_does_not_grow_with_history(
    acme: Workspace, bob: User, connected: StripeConnection, django_assert_num_queries: Any
) -> None:
    few = payable_quote(acme, bob, MIXED)
    _paid_with_history(few, 1)
    many = [payable_quote(acme, bob, MIXED) for _ in range(3)]
    for quote in many:
        _paid_with_history(quote, 4)

    with django_assert_num_queries(5):
        one = purchase_summaries(workspace=acme, quotes=[few])
    with django_assert_num_queries(5):
        summaries = purchase_summaries(workspace=acme, quotes=many)

    assert one[few.pk][0].subscription is not None
    assert [len(summaries[q.pk][0].renewals) for q in many] == [4, 4, 4]
    assert [len(summaries[q.pk][0].refunds) for q in many] == [4, 4, 4]


def test_outsider_never_sees_a_cancelled_subscription(
    acme: Workspace, bob: User, connected: StripeConnection, mallory_client: Client
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    _paid_with_history(quote, 1)

    assert mallory_client.get(reverse("quotes:detail", args=[quote.pk])).status_code == 404
    assert mallory_client.get(reverse("crm:deal_detail", args=[quote.deal_id])).status_code == 404
