"""Purchasing a quote (R3, R9, R11-R13, "paid exactly once"): the services against the sandbox.

Nothing in the payment path is mocked: real PostgreSQL, the official library over
HTTP to the local sandbox, payments confirmed the way Stripe.js confirms them.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from typing import Any

import pytest
import stripe
from django.db import connection as db_connection

from dealdesk.crm.models import Stage
from dealdesk.lib import clock
from dealdesk.payments.models import (
    ConnectionStatus,
    Purchase,
    PurchaseStatus,
    StripeConnection,
    StripeObjectCache,
)
from dealdesk.payments.purchases import (
    PaymentProviderUnavailable,
    PurchaseRefused,
    purchase_settle,
    purchase_start,
)
from dealdesk.payments.selectors import (
    PURCHASE_HOLD,
    paid_purchase,
    payment_readiness,
    purchase_summaries,
)
from dealdesk.payments.tests.purchase_fixtures import (
    CAROL,
    MIXED,
    MIXED_DUE_TODAY,
    NOTHING,
    ONE_TIME,
    Line,
    pay,
    payable_quote,
    sandbox_counts,
)
from dealdesk.quotes import services as quote_services
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def _start(quote: Quote, **extra: Any) -> Purchase:
    return purchase_start(
        quote=quote,
        billing=extra.pop("billing", CAROL),
        quote_version=extra.pop("quote_version", quote.version),
        ip="203.0.113.7",
        **extra,
    )


# --- Charging (R3, R12) -------------------------------------------------------------------


def test_r12_one_time_quote_is_one_payment_intent_for_exactly_due_today(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)

    purchase = _start(quote)

    intent = northwind.v1.payment_intents.retrieve(purchase.stripe_payment_intent_id)
    assert purchase.status == PurchaseStatus.AWAITING_PAYMENT
    assert purchase.kind == "payment"
    assert intent.amount == purchase.amount_due_today_minor == 178_500
    assert intent.currency == "eur"
    assert intent.customer == purchase.stripe_customer_id
    assert purchase.client_secret == intent.client_secret
    assert intent.metadata["dealdesk_purchase"] == purchase.reference
    assert intent.metadata["dealdesk_quote"] == str(quote.pk)
    assert intent.metadata["dealdesk_deal"] == str(quote.deal_id)
    customer = northwind.v1.customers.retrieve(purchase.stripe_customer_id)
    assert customer.email == "carol@globex.example"
    assert customer.address is not None and customer.address.postal_code == "10115"
    assert customer.metadata is not None
    assert customer.metadata["dealdesk_workspace"] == str(acme.pk)


def test_r3_paid_purchase_marks_quote_paid_and_deal_closed_won(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = _start(quote)
    assert pay(northwind, purchase)

    settled = purchase_settle(purchase=purchase)

    quote.refresh_from_db()
    quote.deal.refresh_from_db()
    assert settled.status == PurchaseStatus.SUCCEEDED
    assert settled.amount_paid_minor == 178_500
    assert (settled.card_brand, settled.card_last4) == ("visa", "4242")
    assert settled.paid_at is not None
    assert quote.status == QuoteStatus.PAID
    assert quote.deal.stage == Stage.CLOSED_WON
    assert quote.deal.close_date == clock.utcnow().date()
    assert paid_purchase(quote=quote) == settled


def test_r12_mixed_quote_is_one_subscription_whose_first_invoice_is_due_today(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, MIXED)

    purchase = _start(quote)
    assert pay(northwind, purchase)
    purchase_settle(purchase=purchase)

    subscriptions = northwind.v1.subscriptions.list({"status": "all"}).data
    assert [s.id for s in subscriptions] == [purchase.stripe_subscription_id]
    subscription = northwind.v1.subscriptions.retrieve(
        purchase.stripe_subscription_id, {"expand": ["latest_invoice"]}
    )
    invoice = subscription.latest_invoice
    assert isinstance(invoice, stripe.Invoice)
    assert subscription.status == "active"
    assert subscription.cancel_at is None  # R11: indefinite
    assert invoice.total == invoice.amount_paid == MIXED_DUE_TODAY
    assert subscription["items"].data[0].price.unit_amount == 145_775
    assert purchase.amount_recurring_minor == 145_775
    assert (purchase.recurring_interval, purchase.recurring_interval_count) == ("month", 1)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PAID


@pytest.mark.parametrize(
    ("currency", "lines", "due_today"),
    [
        ("JPY", [("Setup", 1, 50_000, "", None, 1000)], 55_000),
        ("KWD", [("Setup", 1, 12_300, "", None, 1000), ("Care", 1, 5_000, "month", 1, 0)], 18_530),
    ],
)
def test_zero_and_three_decimal_totals_on_stripe_equal_the_quote(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    currency: str,
    lines: list[Line],
    due_today: int,
) -> None:
    quote = payable_quote(acme, bob, lines, currency=currency)

    purchase = _start(quote)
    assert pay(northwind, purchase)
    purchase_settle(purchase=purchase)

    intent = northwind.v1.payment_intents.retrieve(purchase.stripe_payment_intent_id)
    assert intent.currency == currency.lower()
    assert intent.amount == intent.amount_received == due_today
    assert purchase.amount_due_today_minor == due_today


def test_repeat_purchase_reuses_products_from_the_cache(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    _start(payable_quote(acme, bob, MIXED))
    products = len(northwind.v1.products.list({"limit": 100}).data)

    _start(payable_quote(acme, bob, MIXED))

    assert len(northwind.v1.products.list({"limit": 100}).data) == products == 2
    assert StripeObjectCache.objects.count() == 2


# --- Exactly once ------------------------------------------------------------------------


def test_declined_card_fails_in_plain_words_and_another_card_pays_once(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    first = _start(quote)
    assert not pay(northwind, first, "pm_card_chargeDeclined")

    failed = purchase_settle(purchase=first)

    quote.refresh_from_db()
    assert failed.status == PurchaseStatus.FAILED
    assert failed.failure_code == "generic_decline"
    assert (
        failed.failure_message == "Your card was declined. Try another card or contact your bank."
    )
    assert quote.status == QuoteStatus.PUBLISHED  # still payable

    again = _start(quote)
    assert again.pk == first.pk  # the same intent, still payable: no second one
    assert again.stripe_payment_intent_id == first.stripe_payment_intent_id
    assert pay(northwind, again)
    assert purchase_settle(purchase=again).status == PurchaseStatus.SUCCEEDED
    counts = sandbox_counts(northwind)
    assert (counts["payment_intents"], counts["succeeded_charges"]) == (1, 1)


def test_insufficient_funds_reason_is_told_to_the_buyer(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    purchase = _start(quote)
    assert not pay(northwind, purchase, "pm_card_chargeDeclinedInsufficientFunds")

    failed = purchase_settle(purchase=purchase)

    assert failed.failure_code == "insufficient_funds"
    assert failed.failure_message == "Your card has insufficient funds. Try another card."


def test_settling_twice_changes_state_once(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = _start(quote)
    assert pay(northwind, purchase)
    first = purchase_settle(purchase=purchase)

    second = purchase_settle(purchase=Purchase.objects.get(pk=purchase.pk))
    stale = purchase_settle(purchase=purchase)  # the caller's old copy, still "awaiting"

    assert first.paid_at == second.paid_at == stale.paid_at
    assert Purchase.objects.get(pk=purchase.pk).updated_at == first.updated_at
    assert Purchase.objects.filter(status=PurchaseStatus.SUCCEEDED).count() == 1


def test_starting_twice_continues_the_same_attempt(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, MIXED)

    first, second = _start(quote), _start(quote)

    assert first.pk == second.pk
    assert second.client_secret == first.client_secret
    counts = sandbox_counts(northwind)
    assert (counts["customers"], counts["subscriptions"]) == (1, 1)


def test_paid_quote_cannot_be_started_again(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = _start(quote)
    assert pay(northwind, purchase)
    purchase_settle(purchase=purchase)

    with pytest.raises(PurchaseRefused) as refused:
        _start(quote)

    assert refused.value.code == "paid"
    assert sandbox_counts(northwind)["payment_intents"] == 1


def test_paid_in_stripe_but_not_settled_is_recorded_on_the_next_start(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    """The browser paid, then lost its connection before telling us: no second charge."""
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = _start(quote)
    assert pay(northwind, purchase)

    with pytest.raises(PurchaseRefused) as refused:
        _start(quote)

    assert refused.value.code == "paid"
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.SUCCEEDED
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PAID


def test_new_version_cancels_the_earlier_unpaid_attempt_on_stripe(
    acme: Workspace,
    bob: User,
    alice: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    first = _start(quote)
    later = clock.utcnow() + PURCHASE_HOLD + timedelta(minutes=1)  # the buyer walked away
    quote_services.quote_recall(quote=quote, user=bob, now=later)
    quote = quote_services.quote_publish(quote=quote, user=bob)

    second = _start(quote)

    assert second.pk != first.pk
    assert Purchase.objects.get(pk=first.pk).status == PurchaseStatus.CANCELED
    old = northwind.v1.subscriptions.retrieve(first.stripe_subscription_id)
    assert old.status == "canceled"
    assert northwind.v1.invoices.retrieve(first.stripe_invoice_id).status == "void"
    assert second.quote_version == 2
    summaries = purchase_summaries(workspace=acme, quotes=[quote])[quote.pk]
    assert [s.purchase.pk for s in summaries] == [second.pk, first.pk]  # the seller's view
    assert paid_purchase(quote=quote) is None


def test_money_taken_before_a_recall_is_recorded_and_the_quote_paid(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = _start(quote)
    assert pay(northwind, purchase)  # the page never reported back: the attempt looks abandoned
    later = clock.utcnow() + PURCHASE_HOLD + timedelta(minutes=1)

    with pytest.raises(quote_services.QuoteError, match="has just paid"):
        quote_services.quote_recall(quote=quote, user=bob, now=later)

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PAID
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.SUCCEEDED


def test_an_abandoned_attempt_cannot_be_paid_after_a_recall(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = _start(quote)
    later = clock.utcnow() + PURCHASE_HOLD + timedelta(minutes=1)
    quote_services.quote_recall(quote=quote, user=bob, now=later)

    with pytest.raises(stripe.InvalidRequestError):
        pay(northwind, purchase)  # the buyer's dialog was still open

    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.CANCELED
    assert sandbox_counts(northwind)["succeeded_charges"] == 0


def test_money_taken_after_expiry_is_recorded(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = _start(quote)
    assert pay(northwind, purchase)

    purchase_settle(purchase=purchase, now=quote.expires_at + timedelta(minutes=1))

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PAID


def test_seller_cannot_recall_or_archive_while_a_buyer_is_paying(
    acme: Workspace, bob: User, connected: StripeConnection
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    _start(quote)

    with pytest.raises(quote_services.QuoteError, match="paying this quote right now"):
        quote_services.quote_recall(quote=quote, user=bob)
    with pytest.raises(quote_services.QuoteError, match="paying this quote right now"):
        quote_services.quote_archive(quote=quote, user=bob)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PUBLISHED


def test_lost_response_to_create_payment_intent_is_retried_into_one_intent(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    stripe_sandbox.fault("POST", "/v1/payment_intents", "drop_after_commit")

    purchase = _start(quote)

    assert purchase.status == PurchaseStatus.AWAITING_PAYMENT
    assert sandbox_counts(northwind)["payment_intents"] == 1


def test_stripe_unreachable_charges_nothing_and_a_retry_cannot_double_charge(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    stripe_sandbox.fault("POST", "/v1/subscriptions", "drop_after_commit", count=3)

    with pytest.raises(PaymentProviderUnavailable) as unavailable:
        _start(quote)

    assert "nothing was charged" in unavailable.value.message
    assert Purchase.objects.get().status == PurchaseStatus.STARTED
    stripe_sandbox.clear_faults()
    purchase = _start(quote)
    assert purchase.status == PurchaseStatus.AWAITING_PAYMENT
    counts = sandbox_counts(northwind)
    assert (counts["customers"], counts["subscriptions"]) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_starts_make_one_purchase_and_one_intent(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    barrier = threading.Barrier(2)
    results: list[Purchase | BaseException] = []

    def buyer() -> None:
        try:
            barrier.wait()
            results.append(_start(Quote.objects.get(pk=quote.pk)))
        except BaseException as error:
            results.append(error)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=buyer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    purchases = [r for r in results if isinstance(r, Purchase)]
    assert len(purchases) == 2, results
    assert purchases[0].pk == purchases[1].pk
    assert purchases[0].client_secret == purchases[1].client_secret
    assert Purchase.objects.filter(quote=quote).count() == 1
    counts = sandbox_counts(northwind)
    assert (counts["customers"], counts["payment_intents"]) == (1, 1)


# --- Refusals (R13, R2, R4): a message for the buyer, nothing created on Stripe ------------


def _refused(quote: Quote, northwind: stripe.StripeClient, **extra: Any) -> PurchaseRefused:
    with pytest.raises(PurchaseRefused) as refused:
        _start(quote, **extra)
    assert sandbox_counts(northwind) == NOTHING
    assert not Purchase.objects.filter(quote=quote).exists()
    assert "administrator" not in refused.value.message
    return refused.value


def test_r13_expired_quote_is_refused(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)

    refusal = _refused(quote, northwind, now=quote.expires_at + timedelta(seconds=1))

    assert refusal.code == "expired"


def test_r13_page_opened_before_expiry_is_refused_at_pay(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    opened_with = quote.version  # the page was rendered while the quote was valid

    refusal = _refused(
        quote, northwind, quote_version=opened_with, now=quote.expires_at + timedelta(minutes=5)
    )

    assert refusal.code == "expired"
    assert "expired" in refusal.message


def test_recalled_quote_is_refused(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    quote_services.quote_recall(quote=quote, user=bob)

    assert _refused(quote, northwind).code == "recalled"


def test_archived_quote_is_refused(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    quote_services.quote_archive(quote=quote, user=bob)

    assert _refused(quote, northwind).code == "archived"


def test_paid_quote_is_refused(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    quote_services.quote_mark_paid(quote=quote)

    assert _refused(quote, northwind).code == "paid"


def test_r4_revoked_connection_is_refused(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    StripeConnection.objects.filter(pk=connected.pk).update(
        status=ConnectionStatus.REVOKED, ended_at=clock.utcnow()
    )

    refusal = _refused(quote, northwind)

    assert refusal.code == "revoked"
    assert "seller" in refusal.message


def test_r4_refusal_says_revoked_exactly_when_the_seller_is_told_so(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    """Revoked long ago, connected again since, then disconnected by an admin: not revoked."""
    quote = payable_quote(acme, bob, ONE_TIME)
    now = clock.utcnow()
    StripeConnection.objects.filter(pk=connected.pk).update(
        status=ConnectionStatus.REVOKED, ended_at=now - timedelta(days=30)
    )
    StripeConnection.objects.create(
        workspace=acme,
        account_id=connected.account_id,
        status=ConnectionStatus.DISCONNECTED,
        charges_enabled=True,
        ended_at=now,
    )

    assert _refused(quote, northwind).code == "account_not_ready"
    assert not payment_readiness(acme).revoked


def test_r2_connection_not_activated_is_refused(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    StripeConnection.objects.filter(pk=connected.pk).update(charges_enabled=False)

    assert _refused(quote, northwind).code == "account_not_ready"


def test_quote_changed_since_the_page_was_opened_is_refused(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    opened_with = quote.version
    quote_services.quote_recall(quote=quote, user=bob)
    quote = quote_services.quote_publish(quote=quote, user=bob)

    refusal = _refused(quote, northwind, quote_version=opened_with)

    assert refusal.code == "changed"


def test_signature_acceptance_is_recorded_with_the_purchase(
    acme: Workspace, bob: User, connected: StripeConnection
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME, signature=True)
    billing = dataclasses.replace(CAROL, signature_name="Carol Meier")

    purchase = _start(quote, billing=billing)

    assert purchase.signature_name == "Carol Meier"
    assert purchase.signature_accepted_at is not None
    assert purchase.signature_ip == "203.0.113.7"
