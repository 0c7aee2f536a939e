"""Stripe's events keep purchases, quotes, deals and subscriptions true (R12, R14).

The events are the sandbox's own (real objects on the connected account), posted to the
webhook URL signed with the real secret and processed the way production processes them.
Handlers re-read from Stripe, so duplicates and any order converge on one state.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import stripe
from django.core import mail
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Stage
from dealdesk.payments.models import (
    Dispute,
    Purchase,
    PurchaseStatus,
    Refund,
    StripeConnection,
    Subscription,
    SubscriptionPayment,
    SubscriptionPaymentStatus,
    SubscriptionStatus,
    WebhookEvent,
    WebhookStatus,
)
from dealdesk.payments.tests.purchase_fixtures import MIXED, MIXED_DUE_TODAY, ONE_TIME, pay
from dealdesk.payments.tests.purchase_fixtures import payable_quote as _payable_quote
from dealdesk.payments.tests.sync_fixtures import deliver, sandbox_event, start, with_id
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def payable_quote(workspace: Workspace, user: User, lines: Any) -> Quote:
    return _payable_quote(workspace, user, lines)


def test_invoice_paid_before_the_purchase_settles_pays_the_quote_and_complete_is_a_no_op(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    purchase = start(quote)
    assert pay(northwind, purchase)

    deliver(
        client,
        sandbox_event(northwind, "invoice.paid", purchase.stripe_invoice_id),
        django_capture_on_commit_callbacks,
    )

    purchase.refresh_from_db()
    quote.refresh_from_db()
    assert purchase.status == PurchaseStatus.SUCCEEDED
    assert purchase.amount_paid_minor == MIXED_DUE_TODAY
    assert quote.status == QuoteStatus.PAID
    assert quote.deal.stage == Stage.CLOSED_WON
    assert Subscription.objects.get(purchase=purchase).status == SubscriptionStatus.ACTIVE
    paid_at = purchase.paid_at

    buyer = Client()
    buyer.get(reverse("quotes:public", args=[quote.token]))
    completed = buyer.post(
        reverse("payments:purchase_complete", args=[quote.token, purchase.reference]),
        HTTP_X_CSRFTOKEN=buyer.cookies["csrftoken"].value,
    )

    assert completed.json()["status"] == "succeeded"
    purchase.refresh_from_db()
    assert purchase.paid_at == paid_at
    assert Purchase.objects.filter(quote=quote).count() == 1


def test_same_event_five_times_is_one_row_and_one_state_change(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)
    payload = sandbox_event(
        northwind, "payment_intent.succeeded", purchase.stripe_payment_intent_id
    )

    deliver(client, payload, django_capture_on_commit_callbacks)
    purchase.refresh_from_db()
    first = (purchase.status, purchase.paid_at, purchase.updated_at)
    for _ in range(4):
        deliver(client, payload, django_capture_on_commit_callbacks)
    # And the same news in other events (Stripe's retries of other deliveries):
    for n in range(3):
        deliver(client, with_id(payload, f"evt_copy_{n}"), django_capture_on_commit_callbacks)

    purchase.refresh_from_db()
    assert WebhookEvent.objects.filter(stripe_event_id=json.loads(payload)["id"]).count() == 1
    assert (purchase.status, purchase.paid_at, purchase.updated_at) == first
    assert purchase.status == PurchaseStatus.SUCCEEDED
    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {WebhookStatus.PROCESSED}


def test_r14_subscription_deleted_before_created_ends_cancelled(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    client: Client,
    bob_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    purchase = start(quote)
    assert pay(northwind, purchase)
    northwind.v1.subscriptions.cancel(purchase.stripe_subscription_id)
    sub_id = purchase.stripe_subscription_id
    deleted = sandbox_event(northwind, "customer.subscription.deleted", sub_id)
    created = sandbox_event(northwind, "customer.subscription.created", sub_id)

    deliver(client, deleted, django_capture_on_commit_callbacks)
    deliver(client, created, django_capture_on_commit_callbacks)

    record = Subscription.objects.get(purchase=purchase)
    assert record.status == SubscriptionStatus.CANCELED
    assert record.canceled_at is not None
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.SUCCEEDED  # the first payment was taken
    page = bob_client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert "Cancelled on" in page
    deal_page = bob_client.get(reverse("crm:deal_detail", args=[quote.deal_id])).content.decode()
    assert "Cancelled on" in deal_page
    cancelled = [m for m in mail.outbox if "cancelled" in m.subject]
    assert [m.to for m in cancelled] == [[bob.email]]


def test_event_for_an_account_no_workspace_owns_is_ignored(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)
    payload = sandbox_event(
        northwind, "payment_intent.succeeded", purchase.stripe_payment_intent_id
    )

    deliver(
        client,
        with_id(payload, "evt_stranger", account="acct_1Stranger"),
        django_capture_on_commit_callbacks,
    )

    event = WebhookEvent.objects.get(stripe_event_id="evt_stranger")
    assert event.status == WebhookStatus.IGNORED
    assert event.workspace is None
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.AWAITING_PAYMENT


def test_first_payment_declined_records_the_reason_and_quote_stays_payable(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    purchase = start(quote)
    assert not pay(northwind, purchase, "pm_card_chargeDeclinedInsufficientFunds")

    deliver(
        client,
        sandbox_event(northwind, "invoice.payment_failed", purchase.stripe_invoice_id),
        django_capture_on_commit_callbacks,
    )

    purchase.refresh_from_db()
    quote.refresh_from_db()
    assert purchase.status == PurchaseStatus.FAILED
    assert purchase.failure_code == "insufficient_funds"
    assert quote.status == QuoteStatus.PUBLISHED
    assert start(quote).pk == purchase.pk  # the same attempt can still be paid
    assert mail.outbox == []


def test_abandoned_subscription_expiring_after_23_hours_frees_the_quote(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    purchase = start(quote)
    stripe_sandbox.advance(24 * 3600)

    deliver(
        client,
        sandbox_event(northwind, "customer.subscription.updated", purchase.stripe_subscription_id),
        django_capture_on_commit_callbacks,
    )

    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.CANCELED
    record = Subscription.objects.get(purchase=purchase)
    assert record.status == SubscriptionStatus.INCOMPLETE_EXPIRED
    again = start(quote)
    assert again.pk != purchase.pk
    assert again.status == PurchaseStatus.AWAITING_PAYMENT


def _paid_subscription(
    acme: Workspace, bob: User, northwind: stripe.StripeClient, web: Client, capture: Any
) -> tuple[Quote, Purchase]:
    quote = payable_quote(acme, bob, MIXED)
    purchase = start(quote)
    assert pay(northwind, purchase)
    deliver(web, sandbox_event(northwind, "invoice.paid", purchase.stripe_invoice_id), capture)
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.SUCCEEDED
    return quote, purchase


def _renewal_invoice(northwind: stripe.StripeClient, subscription_id: str) -> str:
    invoices = northwind.v1.invoices.list({"subscription": subscription_id}).data
    return next(str(i.id) for i in invoices if i.billing_reason == "subscription_cycle")


def test_renewal_paid_is_one_payment_row_of_the_subscription(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
    client: Client,
    bob_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote, purchase = _paid_subscription(
        acme, bob, northwind, client, django_capture_on_commit_callbacks
    )
    stripe_sandbox.advance(31 * 86400)
    renewal = _renewal_invoice(northwind, purchase.stripe_subscription_id)
    paid = sandbox_event(northwind, "invoice.paid", renewal)

    deliver(client, paid, django_capture_on_commit_callbacks)
    deliver(client, with_id(paid, "evt_paid_again"), django_capture_on_commit_callbacks)

    payment = SubscriptionPayment.objects.get()
    assert payment.stripe_invoice_id == renewal
    assert payment.status == SubscriptionPaymentStatus.PAID
    assert payment.amount_minor == 145_775
    assert payment.billing_reason == "subscription_cycle"
    assert payment.subscription.purchase == purchase
    page = bob_client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert "Renewal paid" in page
    assert "€1,457.75" in page


def test_renewal_with_a_failing_card_marks_past_due_and_emails_the_owner(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
    client: Client,
    bob_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote, purchase = _paid_subscription(
        acme, bob, northwind, client, django_capture_on_commit_callbacks
    )
    failing = northwind.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", {"customer": purchase.stripe_customer_id}
    )
    northwind.v1.subscriptions.update(
        purchase.stripe_subscription_id, {"default_payment_method": failing.id}
    )
    stripe_sandbox.advance(31 * 86400)
    renewal = _renewal_invoice(northwind, purchase.stripe_subscription_id)
    failed = sandbox_event(northwind, "invoice.payment_failed", renewal)

    deliver(client, failed, django_capture_on_commit_callbacks)
    deliver(client, with_id(failed, "evt_failed_again"), django_capture_on_commit_callbacks)

    assert Subscription.objects.get(purchase=purchase).status == SubscriptionStatus.PAST_DUE
    payment = SubscriptionPayment.objects.get()
    assert payment.status == SubscriptionPaymentStatus.FAILED
    assert payment.failure_code
    failed_mails = [m for m in mail.outbox if "Renewal payment failed" in m.subject]
    assert len(failed_mails) == 1
    assert failed_mails[0].to == [bob.email]
    assert "€1,457.75" in failed_mails[0].body
    page = bob_client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert "Past due" in page
    assert "Renewal failed" in page


def test_renewal_failure_email_is_in_the_owners_language(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    stripe_sandbox: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    bob.language = "de"
    bob.save(update_fields=["language"])
    _quote, purchase = _paid_subscription(
        acme, bob, northwind, client, django_capture_on_commit_callbacks
    )
    failing = northwind.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", {"customer": purchase.stripe_customer_id}
    )
    northwind.v1.subscriptions.update(
        purchase.stripe_subscription_id, {"default_payment_method": failing.id}
    )
    stripe_sandbox.advance(31 * 86400)
    renewal = _renewal_invoice(northwind, purchase.stripe_subscription_id)

    deliver(
        client,
        sandbox_event(northwind, "invoice.payment_failed", renewal),
        django_capture_on_commit_callbacks,
    )

    # amounts formatted for the owner's locale
    assert any("1.457,75\xa0€" in m.body for m in mail.outbox)


def test_partial_then_full_refund_are_recorded_once_each(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    client: Client,
    bob_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)
    intent = northwind.v1.payment_intents.retrieve(purchase.stripe_payment_intent_id)
    charge_id = str(intent.latest_charge)
    northwind.v1.refunds.create({"charge": charge_id, "amount": 50_000})
    partial = sandbox_event(northwind, "charge.refunded", charge_id)
    deliver(client, partial, django_capture_on_commit_callbacks)
    northwind.v1.refunds.create({"charge": charge_id, "reason": "requested_by_customer"})
    full = sandbox_event(northwind, "charge.refunded", charge_id)

    deliver(client, full, django_capture_on_commit_callbacks)
    deliver(client, with_id(partial, "evt_late_copy"), django_capture_on_commit_callbacks)

    refunds = sorted(Refund.objects.filter(purchase=purchase), key=lambda r: r.amount_minor)
    assert [(r.amount_minor, r.reason) for r in refunds] == [
        (50_000, ""),
        (128_500, "requested_by_customer"),
    ]
    page = bob_client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert page.count("Refunded") == 2
    assert "€500.00" in page


def _dispute_body(charge_id: str, status: str, created: int, event_id: str) -> str:
    dispute = {
        "id": "dp_1Test",
        "object": "dispute",
        "amount": 178_500,
        "charge": charge_id,
        "created": created,
        "currency": "eur",
        "reason": "fraudulent",
        "status": status,
        "metadata": {},
        "livemode": False,
    }
    event_type = (
        "charge.dispute.created" if status == "needs_response" else "charge.dispute.updated"
    )
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "account": connected_account(),
            "livemode": False,
            "created": created,
            "data": {"object": dispute},
        }
    )


def connected_account() -> str:
    from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT

    return DEMO_ACTIVE_ACCOUNT


def test_dispute_is_recorded_and_a_late_older_event_does_not_undo_a_newer_status(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    client: Client,
    bob_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)
    charge_id = str(
        northwind.v1.payment_intents.retrieve(purchase.stripe_payment_intent_id).latest_charge
    )
    now = int(time.time())

    deliver(
        client,
        _dispute_body(charge_id, "under_review", now + 60, "evt_dp_2"),
        django_capture_on_commit_callbacks,
    )
    deliver(
        client,
        _dispute_body(charge_id, "needs_response", now, "evt_dp_1"),
        django_capture_on_commit_callbacks,
    )

    dispute = Dispute.objects.get()
    assert dispute.purchase == purchase
    assert dispute.status == "under_review"
    assert dispute.amount_minor == 178_500
    page = bob_client.get(reverse("quotes:detail", args=[quote.pk])).content.decode()
    assert "Disputed" in page
    assert "fraudulent" in page
