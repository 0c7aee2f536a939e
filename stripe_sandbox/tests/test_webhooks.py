"""Item 7: webhook endpoints, signed deliveries, retries, `GET /v1/events`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import stripe

from stripe_sandbox.config import SandboxConfig
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT
from stripe_sandbox.testing import SandboxThread
from stripe_sandbox.tests.receiver import Delivery, WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def _types(deliveries: list[Delivery]) -> list[str]:
    return [json.loads(d.body)["type"] for d in deliveries if d.status == 200]


def test_connect_endpoint_gets_signed_events_with_the_account(
    platform: stripe.StripeClient, northwind: stripe.StripeClient, receiver: WebhookReceiver
) -> None:
    endpoint = platform.v1.webhook_endpoints.create(
        {"url": receiver.url, "enabled_events": ["payment_intent.succeeded"], "connect": True}
    )
    assert endpoint.secret is not None and endpoint.secret.startswith("whsec_")
    intent = northwind.v1.payment_intents.create(
        {"amount": 1200, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    deliveries = receiver.wait_for(lambda d: len(d) >= 1)
    event = stripe.Webhook.construct_event(
        deliveries[0].body, deliveries[0].signature, endpoint.secret
    )
    assert event.type == "payment_intent.succeeded"
    assert event.account == DEMO_ACTIVE_ACCOUNT
    assert event.data.object["id"] == intent.id
    assert event.api_version == "2026-10-28.endive"


def test_a_wrong_secret_does_not_verify(
    platform: stripe.StripeClient, northwind: stripe.StripeClient, receiver: WebhookReceiver
) -> None:
    platform.v1.webhook_endpoints.create(
        {"url": receiver.url, "enabled_events": ["customer.created"], "connect": True}
    )
    northwind.v1.customers.create({"email": "x@example.com"})
    delivery = receiver.wait_for(lambda d: len(d) >= 1)[0]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body, delivery.signature, "whsec_wrong")


def test_platform_endpoint_without_connect_ignores_connected_accounts(
    platform: stripe.StripeClient, northwind: stripe.StripeClient, receiver: WebhookReceiver
) -> None:
    platform.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
    northwind.v1.customers.create({"email": "x@example.com"})
    platform.v1.customers.create({"email": "platform-own@example.com"})
    deliveries = receiver.wait_for(lambda d: len(d) >= 1)
    assert _types(deliveries) == ["customer.created"]
    assert "account" not in json.loads(deliveries[0].body)


def test_failed_deliveries_are_retried_with_backoff(
    sandbox: SandboxThread,
    platform: stripe.StripeClient,
    northwind: stripe.StripeClient,
) -> None:
    with WebhookReceiver(fail_first=2) as flaky:
        platform.v1.webhook_endpoints.create(
            {"url": flaky.url, "enabled_events": ["customer.created"], "connect": True}
        )
        customer = northwind.v1.customers.create({"email": "x@example.com"})
        deliveries = flaky.wait_for(lambda d: any(x.status == 200 for x in d))
    assert [d.status for d in deliveries] == [500, 500, 200]
    assert len({d.body for d in deliveries}) == 1
    record = sandbox.admin("webhook_deliveries")["data"][0]
    assert record["attempts"] == 3 and record["status"] == "succeeded"
    event = northwind.v1.events.list({"type": "customer.created"}).data[0]
    assert event.data.object["id"] == customer.id


def test_events_are_listed_per_account(
    platform: stripe.StripeClient, northwind: stripe.StripeClient
) -> None:
    northwind.v1.customers.create({"email": "x@example.com"})
    seller_events = northwind.v1.events.list({"type": "customer.created"}).data
    assert len(seller_events) == 1
    assert seller_events[0].account == DEMO_ACTIVE_ACCOUNT
    assert platform.v1.events.list({"type": "customer.created"}).data == []
    again = northwind.v1.events.retrieve(seller_events[0].id)
    assert again.id == seller_events[0].id


def test_cli_webhook_flag_hears_everything_with_the_given_secret() -> None:
    with WebhookReceiver() as receiver:
        config = SandboxConfig(webhook_url=receiver.url, webhook_secret="whsec_demo_secret")
        with SandboxThread(config) as sandbox:
            seller = sandbox.connect(DEMO_ACTIVE_ACCOUNT)
            seller.v1.customers.create({"email": "x@example.com"})
            deliveries = receiver.wait_for(lambda d: "customer.created" in _types(d))
    for delivery in deliveries:
        stripe.Webhook.construct_event(delivery.body, delivery.signature, "whsec_demo_secret")


def test_delivery_success_false_lists_events_until_their_delivery_succeeds(
    sandbox: SandboxThread, platform: stripe.StripeClient, northwind: stripe.StripeClient
) -> None:
    """The catch-up list: an event stays there while a webhook endpoint has not taken it."""
    with WebhookReceiver(fail_first=10**6) as flaky:
        platform.v1.webhook_endpoints.create(
            {"url": flaky.url, "enabled_events": ["customer.created"], "connect": True}
        )
        northwind.v1.customers.create({"email": "x@example.com"})
        flaky.wait_for(lambda d: len(d) >= 1)
        missed = northwind.v1.events.list({"delivery_success": False}).data
        assert [e.type for e in missed] == ["customer.created"]
        assert northwind.v1.events.list({"delivery_success": True, "type": "customer.*"}).data == []

        flaky.fail_first = 0
        sandbox.admin("webhooks/retry", {})
        flaky.wait_for(lambda d: any(x.status == 200 for x in d))
        delivered = northwind.v1.events.list({"delivery_success": True, "type": "customer.*"})
    assert [e.type for e in delivered.data] == ["customer.created"]
    assert northwind.v1.events.list({"delivery_success": False}).data == []


def test_delivery_success_false_pages_with_starting_after(
    platform: stripe.StripeClient, northwind: stripe.StripeClient
) -> None:
    platform.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/unreachable", "enabled_events": ["*"], "connect": True}
    )
    for n in range(3):
        northwind.v1.customers.create({"email": f"c{n}@example.com"})
    first = northwind.v1.events.list({"delivery_success": False, "limit": 2})
    assert first.to_dict()["object"] == "list" and first.has_more and len(first.data) == 2
    rest = northwind.v1.events.list(
        {"delivery_success": False, "limit": 2, "starting_after": first.data[-1].id}
    )
    assert not rest.has_more and len(rest.data) == 1
    assert len({e.id for e in [*first.data, *rest.data]}) == 3


def test_events_are_listed_for_thirty_days(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    northwind.v1.customers.create({"email": "x@example.com"})
    sandbox.advance(29 * 24 * 3600)
    assert len(northwind.v1.events.list({"type": "customer.created"}).data) == 1
    sandbox.advance(2 * 24 * 3600)
    assert northwind.v1.events.list({"type": "customer.created"}).data == []
