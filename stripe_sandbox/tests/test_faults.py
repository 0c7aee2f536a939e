"""Item 8: faults on demand, seen through the official `stripe` library.

Each mode makes the library raise what it raises against Stripe; with
`max_network_retries` the library's own retry (same Idempotency-Key) recovers
without a second object or a second charge.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
import stripe

from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT
from stripe_sandbox.testing import SandboxThread


def _seller(sandbox: SandboxThread, retries: int, timeout: float = 10) -> stripe.StripeClient:
    """The connected demo seller, with this many automatic retries and this client timeout."""
    return sandbox.client(
        stripe_account=DEMO_ACTIVE_ACCOUNT,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )


def _customers(client: stripe.StripeClient) -> list[stripe.Customer]:
    return list(client.v1.customers.list({"limit": 100}).data)


def _paying_customer(client: stripe.StripeClient) -> stripe.Customer:
    card = client.v1.payment_methods.create({"type": "card", "payment_method": "pm_card_visa"})
    return client.v1.customers.create(
        {"payment_method": card.id, "invoice_settings": {"default_payment_method": card.id}}
    )


def _monthly(customer: str) -> dict[str, Any]:
    product = "prod_faults"
    return {
        "customer": customer,
        "items": [
            {
                "price_data": {
                    "product": product,
                    "currency": "usd",
                    "unit_amount": 4900,
                    "recurring": {"interval": "month"},
                }
            }
        ],
    }


@pytest.fixture
def seller(sandbox: SandboxThread, northwind: stripe.StripeClient) -> stripe.StripeClient:
    northwind.v1.products.create({"id": "prod_faults", "name": "Support plan"})
    return _seller(sandbox, retries=0)


def test_item8_500_is_an_api_error_and_nothing_is_created(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    sandbox.fault("POST", "/v1/customers", "500")
    with pytest.raises(stripe.APIError) as error:
        seller.v1.customers.create({"email": "a@example.com"})
    assert error.value.http_status == 500
    assert error.value.error is not None and error.value.error.type == "api_error"
    assert error.value.request_id
    assert _customers(seller) == []
    # Only the next matching request failed.
    assert seller.v1.customers.create({"email": "a@example.com"}).email == "a@example.com"


def test_item8_500_is_retried_by_the_library(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    sandbox.fault("POST", "/v1/customers", "500")
    customer = _seller(sandbox, retries=1).v1.customers.create({"email": "b@example.com"})
    assert [c.id for c in _customers(seller)] == [customer.id]


def test_item8_429_is_a_rate_limit_error(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    sandbox.fault("GET", "/v1/customers", "429", count=2)
    for _ in range(2):
        with pytest.raises(stripe.RateLimitError) as error:
            seller.v1.customers.list()
        assert error.value.http_status == 429
        assert error.value.error is not None
        assert error.value.error.code == "rate_limit"
        assert error.value.error.type == "invalid_request_error"
    assert seller.v1.customers.list().data == []


def test_item8_timeout_is_a_connection_error_and_the_work_is_not_done(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    sandbox.fault("POST", "/v1/customers", "timeout", seconds=0.6)
    impatient = _seller(sandbox, retries=0, timeout=0.2)
    with pytest.raises(stripe.APIConnectionError) as error:
        impatient.v1.customers.create({"email": "c@example.com"})
    assert "Timeout" in str(error.value)
    assert error.value.should_retry
    time.sleep(0.7)  # the hold is over: the request was dropped, never run
    assert _customers(seller) == []


def test_item8_timeout_then_the_library_retries_once(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    sandbox.fault("POST", "/v1/customers", "timeout", seconds=0.6)
    customer = _seller(sandbox, retries=1, timeout=0.2).v1.customers.create({"email": "d@x.io"})
    time.sleep(0.5)
    assert [c.id for c in _customers(seller)] == [customer.id]


def test_item8_drop_after_commit_without_retries_is_a_connection_error_but_happened(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    sandbox.fault("POST", "/v1/customers", "drop_after_commit")
    options: dict[str, Any] = {"idempotency_key": "create-customer-e"}
    with pytest.raises(stripe.APIConnectionError) as error:
        seller.v1.customers.create({"email": "e@example.com"}, options)  # type: ignore[arg-type]
    assert "ConnectionError" in str(error.value)
    (created,) = _customers(seller)
    # Retrying by hand with the same key returns the original, it does not create again.
    retried = seller.v1.customers.create({"email": "e@example.com"}, options)  # type: ignore[arg-type]
    assert retried.id == created.id
    assert retried.last_response is not None
    assert retried.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(_customers(seller)) == 1


def test_item8_subscription_dropped_after_commit_and_retried_is_one_subscription_one_charge(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    customer = _paying_customer(seller)
    sandbox.fault("POST", "/v1/subscriptions", "drop_after_commit")
    sub = _seller(sandbox, retries=2).v1.subscriptions.create(_monthly(customer.id))  # type: ignore[arg-type]
    assert sub.status == "active"
    assert sandbox.admin("faults")["faults"] == []  # the first attempt was dropped
    subs = seller.v1.subscriptions.list({"customer": customer.id}).data
    assert [s.id for s in subs] == [sub.id]
    charges = seller.v1.charges.list({"customer": customer.id}).data
    assert len(charges) == 1 and charges[0].amount == 4900
    created = seller.v1.events.list({"type": "customer.subscription.created"}).data
    assert len(created) == 1


def test_item8_confirm_dropped_after_commit_and_retried_charges_once(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    intent = seller.v1.payment_intents.create({"amount": 12_000, "currency": "usd"})
    sandbox.fault("POST", "/v1/payment_intents/*/confirm", "drop_after_commit")
    confirmed = _seller(sandbox, retries=2).v1.payment_intents.confirm(
        intent.id, {"payment_method": "pm_card_visa"}
    )
    assert confirmed.status == "succeeded"
    assert sandbox.admin("faults")["faults"] == []
    charges = seller.v1.charges.list({"payment_intent": intent.id}).data
    assert len(charges) == 1 and charges[0].amount == 12_000
    succeeded = seller.v1.events.list({"type": "payment_intent.succeeded"}).data
    assert [e.data.object["id"] for e in succeeded] == [intent.id]


def test_item8_a_pattern_matches_one_path_segment_only(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    sandbox.fault("POST", "/v1/payment_intents/*/confirm", "500")
    intent = seller.v1.payment_intents.create({"amount": 2000, "currency": "usd"})
    seller.v1.payment_intents.update(intent.id, {"description": "not a confirm"})
    assert len(sandbox.admin("faults")["faults"]) == 1
    with pytest.raises(stripe.APIError):
        seller.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})


def test_item8_faults_are_cleared_by_delete_and_by_reset(
    sandbox: SandboxThread, seller: stripe.StripeClient
) -> None:
    active = sandbox.fault("GET", "/v1/customers", "429", count=3)
    assert active == [{"method": "GET", "path": "/v1/customers", "mode": "429", "count": 3}]
    sandbox.clear_faults()
    assert seller.v1.customers.list().data == []
    sandbox.fault("GET", "/v1/customers", "500")
    sandbox.reset()
    assert sandbox.admin("faults")["faults"] == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"method": "PUT", "path": "/v1/customers", "mode": "500"}, "method"),
        ({"method": "POST", "path": "/_sandbox/reset", "mode": "500"}, "path"),
        ({"method": "POST", "path": "/v1/customers", "mode": "slow"}, "mode"),
        ({"method": "POST", "path": "/v1/customers", "mode": "500", "count": 0}, "count"),
        ({"method": "POST", "path": "/v1/customers", "mode": "timeout", "seconds": -1}, "seconds"),
        ({"method": "POST", "path": "/v1/customers", "mode": "429", "seconds": 2}, "seconds"),
    ],
)
def test_item8_a_fault_that_cannot_be_honoured_is_a_400(
    sandbox: SandboxThread, spec: dict[str, Any], message: str
) -> None:
    request = urllib.request.Request(
        f"{sandbox.url}/_sandbox/faults",
        data=json.dumps(spec).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 400
    assert message in json.load(error.value)["error"]
    assert sandbox.admin("faults")["faults"] == []
