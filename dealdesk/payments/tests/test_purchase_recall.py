"""Recalling or archiving a quote closes the buyer's still-open payment (issue item 4).

After a declined card the PaymentIntent stays payable; a seller who then takes the
quote offline must not leave it payable from the buyer's open dialog. Against the
real sandbox: Stripe is asked to cancel, and money Stripe took meanwhile is recorded.
"""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from dealdesk.crm.models import Stage
from dealdesk.payments.models import Purchase, PurchaseStatus, StripeConnection
from dealdesk.payments.purchases import purchase_settle, purchase_start
from dealdesk.payments.tests.purchase_fixtures import (
    CAROL,
    MIXED,
    ONE_TIME,
    pay,
    payable_quote,
    sandbox_counts,
)
from dealdesk.quotes import services as quote_services
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

DECLINED = "pm_card_chargeDeclined"


def _declined(quote: Quote, northwind: stripe.StripeClient) -> Purchase:
    """The buyer tried a card that was declined; the dialog stays open for another card."""
    purchase = purchase_start(quote=quote, billing=CAROL, quote_version=quote.version, ip=None)
    assert not pay(northwind, purchase, card=DECLINED)
    failed = purchase_settle(purchase=purchase)
    assert failed.status == PurchaseStatus.FAILED
    return failed


def test_item4_recall_after_a_declined_card_cancels_the_intent_so_the_open_dialog_cannot_pay(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = _declined(quote, northwind)

    recalled = quote_services.quote_recall(quote=quote, user=bob)

    assert recalled.status == QuoteStatus.RECALLED
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.CANCELED
    intent = northwind.v1.payment_intents.retrieve(purchase.stripe_payment_intent_id)
    assert intent.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError):
        pay(northwind, purchase)  # the buyer's dialog tries another card
    assert sandbox_counts(northwind)["succeeded_charges"] == 0


def test_item4_archive_after_a_declined_card_voids_the_invoice_and_cancels_the_subscription(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    purchase = _declined(quote, northwind)

    archived = quote_services.quote_archive(quote=quote, user=bob)

    assert archived.status == QuoteStatus.ARCHIVED
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.CANCELED
    assert northwind.v1.invoices.retrieve(purchase.stripe_invoice_id).status == "void"
    subscription = northwind.v1.subscriptions.retrieve(purchase.stripe_subscription_id)
    assert subscription.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError):
        pay(northwind, purchase)


@pytest.mark.parametrize("lines", [ONE_TIME, MIXED], ids=["payment", "subscription"])
def test_item4_recall_is_refused_and_the_payment_recorded_when_the_buyer_paid_meanwhile(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    lines: Any,
) -> None:
    quote = payable_quote(acme, bob, lines)
    purchase = _declined(quote, northwind)
    assert pay(northwind, purchase)  # another card in the open dialog; not settled here yet

    with pytest.raises(quote_services.QuoteError, match="has just paid this quote"):
        quote_services.quote_recall(quote=quote, user=bob)

    paid = Purchase.objects.get(pk=purchase.pk)
    assert paid.status == PurchaseStatus.SUCCEEDED
    assert paid.amount_paid_minor == paid.amount_due_today_minor
    quote.refresh_from_db()
    quote.deal.refresh_from_db()
    assert quote.status == QuoteStatus.PAID
    assert quote.deal.stage == Stage.CLOSED_WON
    intent = northwind.v1.payment_intents.retrieve(purchase.stripe_payment_intent_id)
    assert intent.status == "succeeded"


def test_item4_stripe_unreachable_leaves_the_quote_online_and_a_retry_recalls_it(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = _declined(quote, northwind)
    stripe_sandbox.fault("POST", "/v1/payment_intents/*/cancel", "500", count=10)

    with pytest.raises(quote_services.QuoteError, match="could not be reached"):
        quote_services.quote_recall(quote=quote, user=bob)

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PUBLISHED
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.FAILED
    stripe_sandbox.clear_faults()
    assert quote_services.quote_recall(quote=quote, user=bob).status == QuoteStatus.RECALLED
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.CANCELED


def test_item4_recall_without_any_purchase_calls_no_stripe(
    acme: Workspace, bob: User, connected: StripeConnection, stripe_sandbox: Any
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    for path in ("/v1/payment_intents/*", "/v1/payment_intents/*/cancel"):
        stripe_sandbox.fault("POST", path, "500", count=10)  # a Stripe call fails the recall
    stripe_sandbox.fault("GET", "/v1/payment_intents/*", "500", count=10)

    assert quote_services.quote_recall(quote=quote, user=bob).status == QuoteStatus.RECALLED
