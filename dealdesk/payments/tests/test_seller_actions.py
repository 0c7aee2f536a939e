"""An admin cancels a subscription or refunds a payment from DealDesk, and Stripe agrees.

Everything runs against the real sandbox: the form, the confirmation page, the gateway call
with its idempotency key, and Stripe's own event delivered signed to the webhook URL.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import stripe
from django.test import Client
from django.urls import reverse

from dealdesk.payments.models import (
    CancelRequest,
    Purchase,
    PurchaseStatus,
    Refund,
    RefundRequestStatus,
    StripeConnection,
    Subscription,
    SubscriptionPayment,
    SubscriptionStatus,
)
from dealdesk.payments.purchases import purchase_settle
from dealdesk.payments.seller_actions import refund_key
from dealdesk.payments.sync.subscriptions import subscription_sync
from dealdesk.payments.tests.purchase_fixtures import MIXED, ONE_TIME, pay, payable_quote
from dealdesk.payments.tests.sync_fixtures import deliver, sandbox_event, start
from dealdesk.workspaces.models import AuditEntry, User, Workspace

pytestmark = pytest.mark.django_db


def _paid(acme: Workspace, bob: User, northwind: stripe.StripeClient, lines: Any) -> Purchase:
    purchase = start(payable_quote(acme, bob, lines))
    assert pay(northwind, purchase)
    purchase = purchase_settle(purchase=purchase)
    assert purchase.status == PurchaseStatus.SUCCEEDED
    if purchase.stripe_subscription_id:
        subscription_sync(purchase=purchase)
    return purchase


def _cancel_url(purchase: Purchase) -> str:
    return reverse("payments:subscription_cancel", args=[purchase.pk])


def _refund_url(purchase: Purchase, payment: str = "first") -> str:
    return reverse("payments:refund", args=[purchase.pk, payment])


def _page(web: Client, purchase: Purchase) -> str:
    return web.get(reverse("quotes:detail", args=[purchase.quote_id])).content.decode()


def _deal_page(web: Client, purchase: Purchase) -> str:
    return web.get(reverse("crm:deal_detail", args=[purchase.quote.deal_id])).content.decode()


# --- Cancelling ------------------------------------------------------------------------------


def test_item3_cancel_now_asks_for_confirmation_then_stripe_cancels_and_pages_say_cancelled_on(
    acme: Workspace,
    alice: User,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)
    assert "Cancel subscription…" in _page(alice_client, purchase)

    review = alice_client.post(_cancel_url(purchase), {"when": "now", "step": "review"})
    assert review.status_code == 200
    assert "Cancel the subscription now?" in review.content.decode()
    # Nothing happened yet: the confirmation page only asks.
    assert northwind.v1.subscriptions.retrieve(purchase.stripe_subscription_id).status == "active"

    done = alice_client.post(_cancel_url(purchase), {"when": "now", "step": "confirm"})

    assert done.status_code == 302
    assert northwind.v1.subscriptions.retrieve(purchase.stripe_subscription_id).status == "canceled"
    record = Subscription.objects.get(purchase=purchase)
    assert record.status == SubscriptionStatus.CANCELED  # re-read at once, before the event
    assert record.cancel_requested == CancelRequest.NOW
    assert record.cancel_requested_by == alice
    assert AuditEntry.objects.filter(action="payments.subscription_cancel", actor=alice).exists()
    # Stripe's own event converges on the same row.
    deleted = sandbox_event(
        northwind, "customer.subscription.deleted", purchase.stripe_subscription_id
    )
    deliver(client, deleted, django_capture_on_commit_callbacks)
    assert Subscription.objects.get(purchase=purchase).status == SubscriptionStatus.CANCELED
    assert "Cancelled on" in _page(alice_client, purchase)
    assert "Cancelled on" in _deal_page(alice_client, purchase)
    assert "Cancel subscription…" not in _page(alice_client, purchase)


def test_item3_cancel_at_period_end_shows_ends_on(
    acme: Workspace,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)

    alice_client.post(_cancel_url(purchase), {"when": "period_end", "step": "confirm"})

    stripe_sub = northwind.v1.subscriptions.retrieve(purchase.stripe_subscription_id)
    assert stripe_sub.status == "active"
    assert stripe_sub.cancel_at_period_end is True
    record = Subscription.objects.get(purchase=purchase)
    assert record.cancel_at_period_end
    assert not record.cancel_pending
    assert "ends on" in _page(alice_client, purchase)


def test_item3_cancellation_requested_shows_until_stripe_confirms(
    acme: Workspace,
    alice: User,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)
    Subscription.objects.filter(purchase=purchase).update(
        cancel_requested=CancelRequest.NOW, cancel_requested_by=alice
    )

    page = _page(alice_client, purchase)

    assert "Cancellation requested, waiting for Stripe to confirm…" in page
    assert "Cancel subscription…" not in page


def test_item3_stripe_refusing_the_cancel_is_shown_and_nothing_is_recorded(
    acme: Workspace,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)
    stripe_sandbox.fault("DELETE", "/v1/subscriptions/*", "429", count=1)

    response = alice_client.post(_cancel_url(purchase), {"when": "now", "step": "confirm"})

    assert response.status_code == 200
    assert "Stripe could not be reached just now" in response.content.decode()
    record = Subscription.objects.get(purchase=purchase)
    assert record.cancel_requested == ""
    assert record.status == SubscriptionStatus.ACTIVE


def test_item3_seller_sees_the_state_but_may_not_cancel_or_refund(
    acme: Workspace,
    bob: User,
    bob_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)

    page = _page(bob_client, purchase)
    assert "Cancel subscription…" not in page
    assert "Refund…" not in page
    assert (
        bob_client.post(_cancel_url(purchase), {"when": "now", "step": "confirm"}).status_code
        == 403
    )
    assert bob_client.post(_refund_url(purchase), {"step": "confirm"}).status_code == 403
    assert northwind.v1.subscriptions.retrieve(purchase.stripe_subscription_id).status == "active"


def test_item3_outsider_gets_404(
    acme: Workspace,
    bob: User,
    mallory_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)

    assert mallory_client.get(_cancel_url(purchase)).status_code == 404
    assert (
        mallory_client.post(_cancel_url(purchase), {"when": "now", "step": "confirm"}).status_code
        == 404
    )
    assert mallory_client.get(_refund_url(purchase)).status_code == 404
    assert northwind.v1.subscriptions.retrieve(purchase.stripe_subscription_id).status == "active"


def test_item3_actions_need_the_csrf_token(
    acme: Workspace,
    alice: User,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)
    web = Client(enforce_csrf_checks=True)
    web.force_login(alice)

    assert web.post(_cancel_url(purchase), {"when": "now", "step": "confirm"}).status_code == 403
    assert web.post(_refund_url(purchase), {"step": "confirm"}).status_code == 403
    assert northwind.v1.subscriptions.retrieve(purchase.stripe_subscription_id).status == "active"


# --- Refunding -------------------------------------------------------------------------------


def _refund_form(amount: str, key: uuid.UUID, step: str = "confirm") -> dict[str, str]:
    return {
        "amount": amount,
        "reason": "requested_by_customer",
        "note": "Workshop moved to next year",
        "request_key": str(key),
        "step": step,
    }


def _charge(northwind: stripe.StripeClient, purchase: Purchase) -> stripe.Charge:
    intent = northwind.v1.payment_intents.retrieve(
        purchase.stripe_payment_intent_id, {"expand": ["latest_charge"]}
    )
    assert isinstance(intent.latest_charge, stripe.Charge)
    return intent.latest_charge


def test_item3_partial_refund_posted_twice_makes_one_refund_confirmed_by_stripes_event(
    acme: Workspace,
    alice: User,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, ONE_TIME)
    form_page = alice_client.get(_refund_url(purchase))
    assert form_page.status_code == 200
    assert "€1,785.00" in form_page.content.decode()  # what is left to refund
    key = uuid.uuid4()

    review = alice_client.post(_refund_url(purchase), _refund_form("250.00", key, "review"))
    assert "Refund €250.00 to Carol Meier?" in review.content.decode()
    assert _charge(northwind, purchase).amount_refunded == 0
    first = alice_client.post(_refund_url(purchase), _refund_form("250.00", key))
    again = alice_client.post(_refund_url(purchase), _refund_form("250.00", key))

    assert first.status_code == again.status_code == 302
    assert _charge(northwind, purchase).amount_refunded == 25_000
    assert (
        len(northwind.v1.refunds.list({"payment_intent": purchase.stripe_payment_intent_id}).data)
        == 1
    )
    row = Refund.objects.get(purchase=purchase)
    assert row.status == RefundRequestStatus.REQUESTED
    assert row.requested_by == alice
    assert row.stripe_refund_id
    assert "Refund requested…" in _page(alice_client, purchase)

    refunded = sandbox_event(northwind, "charge.refunded", row.stripe_charge_id)
    deliver(client, refunded, django_capture_on_commit_callbacks)

    row = Refund.objects.get(purchase=purchase)  # still one row: the request, confirmed
    assert row.status == "succeeded"
    assert row.note == "Workshop moved to next year"
    stripe_refund = northwind.v1.refunds.retrieve(row.stripe_refund_id)
    assert stripe_refund.reason == "requested_by_customer"
    assert stripe_refund.metadata is not None
    assert stripe_refund.metadata["dealdesk_refund"] == str(row.pk)
    page = _page(alice_client, purchase)
    assert "Refunded" in page
    assert "€250.00" in page


def test_item3_full_refund_refunds_everything_and_offers_no_more(
    acme: Workspace,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    purchase = _paid(acme, bob, northwind, ONE_TIME)

    alice_client.post(_refund_url(purchase), _refund_form("1,785.00", uuid.uuid4()))

    assert _charge(northwind, purchase).amount_refunded == 178_500
    assert _charge(northwind, purchase).refunded is True
    assert alice_client.get(_refund_url(purchase)).status_code == 302  # nothing left


def test_item3_refund_of_more_than_is_left_is_a_form_error_and_nothing_is_sent(
    acme: Workspace,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    purchase = _paid(acme, bob, northwind, ONE_TIME)

    response = alice_client.post(_refund_url(purchase), _refund_form("1,785.01", uuid.uuid4()))
    zero = alice_client.post(_refund_url(purchase), _refund_form("0", uuid.uuid4()))

    assert response.status_code == 200
    assert "At most €1,785.00 can be refunded." in response.content.decode()
    assert "greater than zero" in zero.content.decode()
    assert _charge(northwind, purchase).amount_refunded == 0
    assert not Refund.objects.exists()


def test_item3_refund_amount_is_typed_in_the_admins_language(
    acme: Workspace,
    alice: User,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    alice.language = "de"
    alice.save(update_fields=["language"])
    purchase = _paid(acme, bob, northwind, ONE_TIME)

    alice_client.post(_refund_url(purchase), _refund_form("1.000,50", uuid.uuid4()))

    assert _charge(northwind, purchase).amount_refunded == 100_050


def test_item3_refund_in_yen_has_no_decimals(
    acme: Workspace,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    purchase = start(
        payable_quote(acme, bob, [("Workshop", 1, 50_000, "", None, 0)], currency="JPY")
    )
    assert pay(northwind, purchase)
    purchase = purchase_settle(purchase=purchase)

    decimals = alice_client.post(_refund_url(purchase), _refund_form("100.5", uuid.uuid4()))
    assert "does not have that many decimal places" in decimals.content.decode()
    alice_client.post(_refund_url(purchase), _refund_form("1,000", uuid.uuid4()))

    assert _charge(northwind, purchase).amount_refunded == 1_000


def test_item3_stripe_unreachable_keeps_the_request_to_retry_with_the_same_key(
    acme: Workspace,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, ONE_TIME)
    key = uuid.uuid4()
    # Stripe makes the refund but the answer is lost, every time the library tries.
    stripe_sandbox.fault("POST", "/v1/refunds", "drop_after_commit", count=3)

    failed = alice_client.post(_refund_url(purchase), _refund_form("100.00", key))

    assert failed.status_code == 200
    assert "Confirm again to retry" in failed.content.decode()
    row = Refund.objects.get(purchase=purchase)
    assert row.status == RefundRequestStatus.UNSENT
    assert "Refund requested…" not in _page(alice_client, purchase)

    stripe_sandbox.clear_faults()
    alice_client.post(_refund_url(purchase), _refund_form("100.00", key))

    assert _charge(northwind, purchase).amount_refunded == 10_000  # one refund, not two
    row.refresh_from_db()
    assert row.status == RefundRequestStatus.REQUESTED
    assert row.stripe_refund_id == northwind.v1.refunds.list().data[0].id
    assert refund_key(row) == f"refund:{row.pk}"


def test_item3_a_renewal_is_refunded_from_its_own_charge(
    acme: Workspace,
    bob: User,
    alice_client: Client,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    purchase = _paid(acme, bob, northwind, MIXED)
    stripe_sandbox.advance(31 * 86400)
    invoices = northwind.v1.invoices.list({"subscription": purchase.stripe_subscription_id}).data
    renewal_id = next(str(i.id) for i in invoices if i.billing_reason == "subscription_cycle")
    deliver(
        client,
        sandbox_event(northwind, "invoice.paid", renewal_id),
        django_capture_on_commit_callbacks,
    )
    renewal = SubscriptionPayment.objects.get(stripe_invoice_id=renewal_id)
    assert renewal.stripe_payment_intent_id
    assert f"/refund/r{renewal.pk}/" in _page(alice_client, purchase)

    alice_client.post(_refund_url(purchase, f"r{renewal.pk}"), _refund_form("57.75", uuid.uuid4()))

    renewal_charge = northwind.v1.payment_intents.retrieve(
        renewal.stripe_payment_intent_id, {"expand": ["latest_charge"]}
    ).latest_charge
    assert isinstance(renewal_charge, stripe.Charge)
    assert renewal_charge.amount_refunded == 5_775
    assert _charge(northwind, purchase).amount_refunded == 0  # the first payment is untouched
    assert Refund.objects.get().stripe_payment_intent_id == renewal.stripe_payment_intent_id
