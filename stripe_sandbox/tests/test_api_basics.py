"""Items 2, 5 and 6: scoping by account, idempotency, strict parameters, 404s."""

from __future__ import annotations

import urllib.request

import pytest
import stripe

from stripe_sandbox.seed import DEMO_PENDING_ACCOUNT
from stripe_sandbox.testing import SandboxThread


def test_customer_round_trip_with_the_official_library(northwind: stripe.StripeClient) -> None:
    created = northwind.v1.customers.create({"email": "carol@example.com", "name": "Carol"})
    fetched = northwind.v1.customers.retrieve(created.id)
    assert fetched.id == created.id
    assert fetched.email == "carol@example.com"
    assert created.id.startswith("cus_")
    updated = northwind.v1.customers.update(created.id, {"metadata": {"quote": "Q-1"}})
    assert updated.metadata is not None
    assert updated.metadata["quote"] == "Q-1"


def test_object_created_on_one_account_is_404_on_another(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    contoso = sandbox.connect(DEMO_PENDING_ACCOUNT)
    customer = northwind.v1.customers.create({"email": "carol@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as missing:
        contoso.v1.customers.retrieve(customer.id)
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError):
        sandbox.client().v1.customers.retrieve(customer.id)  # nor on the platform itself
    assert [c.id for c in contoso.v1.customers.list().data] == []


def test_unconnected_account_cannot_be_used_with_the_platform_key(
    sandbox: SandboxThread,
) -> None:
    outsider = sandbox.client(stripe_account=DEMO_PENDING_ACCOUNT)
    with pytest.raises(stripe.PermissionError) as refused:
        outsider.v1.customers.list()
    assert refused.value.http_status == 403


def test_unknown_api_key_is_an_authentication_error(sandbox: SandboxThread) -> None:
    with pytest.raises(stripe.AuthenticationError):
        sandbox.client("sk_test_not_a_real_key").v1.customers.list()


def test_publishable_key_cannot_call_secret_endpoints(sandbox: SandboxThread) -> None:
    with pytest.raises(stripe.AuthenticationError):
        sandbox.client(sandbox.config.platform_publishable_key).v1.customers.list()


def test_same_idempotency_key_twice_gives_the_same_object(northwind: stripe.StripeClient) -> None:
    first = northwind.v1.customers.create(
        {"email": "carol@example.com"}, {"idempotency_key": "quote-7-customer"}
    )
    second = northwind.v1.customers.create(
        {"email": "carol@example.com"}, {"idempotency_key": "quote-7-customer"}
    )
    assert first.id == second.id
    assert second.last_response is not None
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(northwind.v1.customers.list().data) == 1


def test_same_idempotency_key_with_other_params_is_an_idempotency_error(
    northwind: stripe.StripeClient,
) -> None:
    northwind.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "k1"})
    with pytest.raises(stripe.IdempotencyError) as refused:
        northwind.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "k1"})
    assert refused.value.http_status == 400


def test_idempotency_keys_are_scoped_per_account(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    contoso = sandbox.connect(DEMO_PENDING_ACCOUNT)
    a = northwind.v1.customers.create({"email": "a@example.com"}, {"idempotency_key": "same"})
    b = contoso.v1.customers.create({"email": "b@example.com"}, {"idempotency_key": "same"})
    assert a.id != b.id


def test_idempotent_replay_includes_card_errors(northwind: stripe.StripeClient) -> None:
    params: stripe.params.PaymentIntentCreateParams = {
        "amount": 1000,
        "currency": "usd",
        "payment_method": "pm_card_chargeDeclined",
        "confirm": True,
    }
    errors = []
    for _ in range(2):
        with pytest.raises(stripe.CardError) as declined:
            northwind.v1.payment_intents.create(params, {"idempotency_key": "pay-once"})
        errors.append(declined.value)
    assert errors[0].json_body == errors[1].json_body
    assert len(northwind.v1.payment_intents.list().data) == 1


def test_unknown_parameter_is_rejected_with_its_name(northwind: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        northwind.v1.customers.create({"emial": "typo@example.com"})  # type: ignore[arg-type]
    assert refused.value.http_status == 400
    assert refused.value.param == "emial"
    assert refused.value.error is not None
    assert refused.value.error.type == "invalid_request_error"


def test_unknown_nested_parameter_names_its_path(northwind: stripe.StripeClient) -> None:
    product = northwind.v1.products.create({"name": "Support"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        northwind.v1.prices.create(
            {
                "product": product.id,
                "currency": "usd",
                "unit_amount": 100,
                "recurring": {"interval": "month", "every": 2},  # type: ignore[typeddict-unknown-key]
            }
        )
    assert refused.value.param == "recurring[every]"


def test_invalid_enum_value_and_missing_required_param(northwind: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as bad_enum:
        northwind.v1.prices.create(
            {
                "product_data": {"name": "X"},
                "currency": "usd",
                "unit_amount": 1,
                "recurring": {"interval": "fortnight"},
            }
        )
    assert bad_enum.value.param == "recurring[interval]"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        northwind.v1.payment_intents.create({"currency": "usd"})  # type: ignore[typeddict-item]
    assert missing.value.param == "amount"
    assert missing.value.code == "parameter_missing"


def test_missing_object_is_404_resource_missing(northwind: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        northwind.v1.subscriptions.retrieve("sub_doesnotexist")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"


def test_list_pagination_follows_cursors(northwind: stripe.StripeClient) -> None:
    ids = [northwind.v1.customers.create({"name": f"c{i}"}).id for i in range(5)]
    page = northwind.v1.customers.list({"limit": 2})
    assert [c.id for c in page.data] == ids[::-1][:2]
    assert page.has_more
    everyone = [c.id for c in page.auto_paging_iter()]
    assert everyone == ids[::-1]


def test_unrecognized_url_is_a_stripe_404(sandbox: SandboxThread) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sandbox.client().v1.terminal.readers.list()
    assert missing.value.http_status == 404


def test_stripe_js_and_cors_for_the_browser(sandbox: SandboxThread) -> None:
    with urllib.request.urlopen(f"{sandbox.url}/v3/", timeout=5) as response:
        assert response.headers["Content-Type"].startswith("application/javascript")
        assert "window.Stripe = Stripe" in response.read().decode()
    preflight = urllib.request.Request(
        f"{sandbox.url}/v1/payment_methods",
        method="OPTIONS",
        headers={"Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "POST"},
    )
    with urllib.request.urlopen(preflight, timeout=5) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Stripe-Account" in response.headers["Access-Control-Allow-Headers"]


def test_dashboard_deep_links_land_on_the_dashboard(sandbox: SandboxThread) -> None:
    """Apps link to pages like /dashboard/acct_…/test/settings/emails; none is a dead end."""
    url = f"{sandbox.url}/dashboard/acct_1DemoActive00000/test/settings/emails"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        assert "text/html" in response.headers["Content-Type"]
