"""Items 3 and 4: payment intents, test cards, 3-D Secure, refunds."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
import stripe

from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT, DEMO_PENDING_ACCOUNT
from stripe_sandbox.testing import SandboxThread


def _pay(
    client: stripe.StripeClient, payment_method: str, amount: int = 2500
) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        {
            "amount": amount,
            "currency": "usd",
            "automatic_payment_methods": {"enabled": True},
            "payment_method": payment_method,
            "confirm": True,
            "metadata": {"quote": "Q-42"},
        }
    )


def test_4242_card_succeeds_with_a_charge(northwind: stripe.StripeClient) -> None:
    card = northwind.v1.payment_methods.create(
        {
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"},
        }
    )
    intent = _pay(northwind, card.id)
    assert intent.status == "succeeded"
    assert intent.amount_received == 2500
    assert intent.latest_charge is not None
    charge = northwind.v1.charges.retrieve(str(intent.latest_charge))
    assert charge.paid and charge.status == "succeeded"
    assert charge.payment_method_details is not None
    assert charge.payment_method_details.card is not None
    assert charge.payment_method_details.card.last4 == "4242"


def test_pm_card_visa_is_a_magic_test_payment_method(northwind: stripe.StripeClient) -> None:
    intent = _pay(northwind, "pm_card_visa")
    assert intent.status == "succeeded"
    assert str(intent.payment_method).startswith("pm_")
    assert intent.payment_method != "pm_card_visa"


@pytest.mark.parametrize(
    ("card", "code", "decline_code"),
    [
        ("4000000000000002", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
    ],
)
def test_declined_cards_give_stripe_decline_codes(
    northwind: stripe.StripeClient, card: str, code: str, decline_code: str
) -> None:
    if not card.startswith("pm_"):
        card = northwind.v1.payment_methods.create(
            {"type": "card", "card": {"number": card, "exp_month": 1, "exp_year": 2041}}
        ).id
    with pytest.raises(stripe.CardError) as declined:
        _pay(northwind, card)
    error = declined.value
    assert error.http_status == 402
    assert error.code == code
    assert error.error is not None
    assert error.error.decline_code == decline_code
    assert error.error.payment_intent is not None
    intent = northwind.v1.payment_intents.retrieve(error.error.payment_intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error is not None
    assert intent.last_payment_error.decline_code == decline_code


def test_3ds_card_requires_action_then_succeeds_through_the_redirect_page(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    card = northwind.v1.payment_methods.create(
        {"type": "card", "card": {"number": "4000002500003155", "exp_month": 1, "exp_year": 2041}}
    )
    intent = northwind.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "eur",
            "payment_method": card.id,
            "confirm": True,
            "return_url": "http://127.0.0.1:9/done",
        }
    )
    assert intent.status == "requires_action"
    assert intent.next_action is not None
    assert intent.next_action.type == "redirect_to_url"
    assert intent.next_action.redirect_to_url is not None
    challenge = intent.next_action.redirect_to_url.url
    assert challenge is not None and challenge.startswith(sandbox.url)
    secret = urllib.parse.parse_qs(urllib.parse.urlsplit(challenge).query)["client_secret"][0]
    form = urllib.parse.urlencode({"client_secret": secret, "outcome": "complete"}).encode()
    request = urllib.request.Request(
        challenge.split("?")[0], data=form, headers={"Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    assert northwind.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_3ds_card_off_session_is_declined_as_authentication_required(
    northwind: stripe.StripeClient,
) -> None:
    with pytest.raises(stripe.CardError) as declined:
        northwind.v1.payment_intents.create(
            {
                "amount": 5000,
                "currency": "usd",
                "payment_method": "pm_card_authenticationRequired",
                "confirm": True,
                "off_session": True,
            }
        )
    assert declined.value.code == "authentication_required"


def test_amount_below_the_currency_minimum_is_refused(northwind: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        northwind.v1.payment_intents.create({"amount": 30, "currency": "usd"})
    assert refused.value.param == "amount"
    jpy = northwind.v1.payment_intents.create({"amount": 50, "currency": "jpy"})
    assert jpy.amount == 50


def test_account_not_activated_cannot_charge(sandbox: SandboxThread) -> None:
    contoso = sandbox.connect(DEMO_PENDING_ACCOUNT)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _pay(contoso, "pm_card_visa")
    assert "cannot currently make charges" in str(refused.value)


def test_full_and_partial_refunds_update_the_charge(northwind: stripe.StripeClient) -> None:
    intent = _pay(northwind, "pm_card_visa", amount=3000)
    partial = northwind.v1.refunds.create({"payment_intent": intent.id, "amount": 1000})
    assert partial.status == "succeeded" and partial.amount == 1000
    rest = northwind.v1.refunds.create({"payment_intent": intent.id})
    assert rest.amount == 2000
    charge = northwind.v1.charges.retrieve(str(intent.latest_charge))
    assert charge.refunded and charge.amount_refunded == 3000
    with pytest.raises(stripe.InvalidRequestError):
        northwind.v1.refunds.create({"payment_intent": intent.id})
    types = [e.type for e in northwind.v1.events.list({"type": "charge.refunded"}).data]
    assert types == ["charge.refunded", "charge.refunded"]


def test_cancel_payment_intent(northwind: stripe.StripeClient) -> None:
    intent = northwind.v1.payment_intents.create({"amount": 900, "currency": "gbp"})
    canceled = northwind.v1.payment_intents.cancel(intent.id)
    assert canceled.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError):
        northwind.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})


def test_publishable_key_needs_the_client_secret(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    intent = northwind.v1.payment_intents.create({"amount": 900, "currency": "usd"})
    browser = sandbox.client(
        sandbox.config.platform_publishable_key, stripe_account=intent_account(northwind)
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        browser.v1.payment_intents.retrieve(intent.id)
    assert refused.value.param == "client_secret"
    seen = browser.v1.payment_intents.retrieve(
        intent.id, {"client_secret": str(intent.client_secret)}
    )
    assert seen.id == intent.id


def intent_account(client: stripe.StripeClient) -> str:
    return client.v1.accounts.retrieve_current().id


def test_stripe_js_needs_the_client_secret_to_read_an_intent(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    """With the publishable key, an intent is readable only with its client secret."""
    intent = northwind.v1.payment_intents.create({"amount": 2000, "currency": "eur"})
    browser = sandbox.client(
        api_key=sandbox.config.platform_publishable_key, stripe_account=DEMO_ACTIVE_ACCOUNT
    )

    with pytest.raises(stripe.InvalidRequestError) as refused:
        browser.v1.payment_intents.retrieve(intent.id, {"client_secret": "pi_x_secret_forged"})
    assert refused.value.param == "client_secret"
    found = browser.v1.payment_intents.retrieve(
        intent.id, {"client_secret": str(intent.client_secret)}
    )
    assert found.id == intent.id
