"""Items 3 and 8: subscriptions, invoices, renewals, cancellation and expiry."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from stripe_sandbox.testing import SandboxThread

DAY = 86400


def _subscribe(
    client: stripe.StripeClient, customer: str | None = None, **extra: Any
) -> stripe.Subscription:
    """Two monthly items plus two one-time lines, the buyer page's usual shape."""
    if customer is None:
        customer = client.v1.customers.create({"email": "carol@example.com"}).id
    product = client.v1.products.create({"name": "Analytics"})
    monthly = client.v1.prices.create(
        {
            "product": product.id,
            "currency": "usd",
            "unit_amount": 1500,
            "recurring": {"interval": "month"},
        }
    )
    params: dict[str, Any] = {
        "customer": customer,
        "items": [
            {"price": monthly.id, "quantity": 2},
            {
                "price_data": {
                    "product": product.id,
                    "currency": "usd",
                    "unit_amount": 990,
                    "recurring": {"interval": "month"},
                }
            },
        ],
        "add_invoice_items": [
            {"price_data": {"product": product.id, "currency": "usd", "unit_amount": 5000}},
            {
                "price_data": {"product": product.id, "currency": "usd", "unit_amount": 1200},
                "quantity": 3,
            },
        ],
        "payment_behavior": "default_incomplete",
        "payment_settings": {"save_default_payment_method": "on_subscription"},
        "expand": ["latest_invoice.confirmation_secret"],
        "metadata": {"quote": "Q-9"},
    }
    params.update(extra)
    return client.v1.subscriptions.create(params)  # type: ignore[arg-type]


FIRST_TOTAL = 2 * 1500 + 990 + 5000 + 3 * 1200
RENEWAL_TOTAL = 2 * 1500 + 990


def _invoice(sub: stripe.Subscription) -> stripe.Invoice:
    assert isinstance(sub.latest_invoice, stripe.Invoice)
    return sub.latest_invoice


def _pay_first_invoice(client: stripe.StripeClient, sub: stripe.Subscription, card: str) -> None:
    secret = _invoice(sub).confirmation_secret
    assert secret is not None
    intent_id = secret.client_secret.split("_secret_")[0]
    client.v1.payment_intents.confirm(intent_id, {"payment_method": card})


def test_first_invoice_totals_items_and_add_invoice_items(northwind: stripe.StripeClient) -> None:
    sub = _subscribe(northwind)
    invoice = _invoice(sub)
    assert sub.status == "incomplete"
    assert invoice.total == FIRST_TOTAL
    assert invoice.amount_due == FIRST_TOTAL
    assert sum(line.amount for line in invoice.lines.data) == invoice.total
    assert len(invoice.lines.data) == 4
    assert invoice.status == "open"
    assert invoice.billing_reason == "subscription_create"
    assert invoice.parent is not None and invoice.parent.subscription_details is not None
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.confirmation_secret is not None
    assert invoice.confirmation_secret.type == "payment_intent"
    assert invoice.confirmation_secret.client_secret.startswith("pi_")


def test_confirmation_secret_is_only_there_when_expanded(northwind: stripe.StripeClient) -> None:
    sub = _subscribe(northwind)
    plain = northwind.v1.invoices.retrieve(_invoice(sub).id)
    assert "confirmation_secret" not in plain
    expanded = northwind.v1.invoices.retrieve(plain.id, {"expand": ["confirmation_secret"]})
    assert expanded.confirmation_secret is not None


def test_items_carry_their_current_period(northwind: stripe.StripeClient) -> None:
    sub = _subscribe(northwind)
    item = sub["items"].data[0]
    assert item.current_period_start == sub.billing_cycle_anchor == sub.start_date
    assert item.current_period_end > item.current_period_start + 27 * DAY
    assert item.price.recurring is not None and item.price.recurring.interval == "month"


def test_paying_the_first_invoice_activates_and_saves_the_card(
    northwind: stripe.StripeClient,
) -> None:
    sub = _subscribe(northwind)
    _pay_first_invoice(northwind, sub, "pm_card_visa")
    sub = northwind.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice.payments"]})
    invoice = _invoice(sub)
    assert sub.status == "active"
    assert invoice.status == "paid"
    assert invoice.amount_paid == FIRST_TOTAL
    assert sub.default_payment_method is not None
    assert invoice.payments is not None
    payment = invoice.payments.data[0]
    assert payment.status == "paid"
    assert payment.payment.type == "payment_intent"
    events = [e.type for e in northwind.v1.events.list({"limit": 100}).data]
    for expected in (
        "invoice.paid",
        "customer.subscription.created",
        "customer.subscription.updated",
        "payment_intent.succeeded",
    ):
        assert expected in events


def test_declined_first_payment_keeps_the_subscription_incomplete(
    northwind: stripe.StripeClient,
) -> None:
    sub = _subscribe(northwind)
    with pytest.raises(stripe.CardError) as declined:
        _pay_first_invoice(northwind, sub, "pm_card_chargeDeclinedInsufficientFunds")
    assert declined.value.error is not None
    assert declined.value.error.decline_code == "insufficient_funds"
    assert northwind.v1.subscriptions.retrieve(sub.id).status == "incomplete"
    types = [e.type for e in northwind.v1.events.list({"type": "invoice.payment_failed"}).data]
    assert types == ["invoice.payment_failed"]


def test_unpaid_subscription_expires_after_23_hours(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    sub = _subscribe(northwind)
    sandbox.advance(22 * 3600)
    assert northwind.v1.subscriptions.retrieve(sub.id).status == "incomplete"
    sandbox.advance(3600 + 1)
    expired = northwind.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    assert expired.status == "incomplete_expired"
    assert _invoice(expired).status == "void"


def test_clock_renews_and_charges_the_saved_card(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    sub = _subscribe(northwind)
    _pay_first_invoice(northwind, sub, "pm_card_visa")
    first_end = sub["items"].data[0].current_period_end
    sandbox.advance(32 * DAY)
    renewed = northwind.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    invoice = _invoice(renewed)
    assert invoice.billing_reason == "subscription_cycle"
    assert invoice.status == "paid"
    assert invoice.total == RENEWAL_TOTAL
    assert renewed["items"].data[0].current_period_start == first_end
    assert renewed.status == "active"


def test_renewal_with_a_failing_card_makes_the_subscription_past_due(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    customer = northwind.v1.customers.create({"email": "dave@example.com"})
    card = northwind.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", {"customer": customer.id}
    )
    northwind.v1.customers.update(
        customer.id, {"invoice_settings": {"default_payment_method": card.id}}
    )
    sub = _subscribe(northwind, customer.id, payment_behavior="allow_incomplete", expand=[])
    assert sub.status == "incomplete"  # the first charge already fails with this card
    _pay_first_invoice(
        northwind,
        northwind.v1.subscriptions.retrieve(
            sub.id, {"expand": ["latest_invoice.confirmation_secret"]}
        ),
        "pm_card_visa",
    )
    northwind.v1.subscriptions.update(sub.id, {"default_payment_method": card.id})
    sandbox.advance(32 * DAY)
    late = northwind.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    assert late.status == "past_due"
    assert _invoice(late).status == "open"


def test_cancel_now_sends_subscription_deleted(northwind: stripe.StripeClient) -> None:
    sub = _subscribe(northwind)
    _pay_first_invoice(northwind, sub, "pm_card_visa")
    canceled = northwind.v1.subscriptions.cancel(sub.id)
    assert canceled.status == "canceled"
    assert canceled.canceled_at is not None and canceled.ended_at is not None
    deleted = northwind.v1.events.list({"type": "customer.subscription.deleted"}).data
    assert [e.data.object["id"] for e in deleted] == [sub.id]


def test_cancel_at_ends_the_subscription_when_the_clock_gets_there(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    sub = _subscribe(northwind)
    _pay_first_invoice(northwind, sub, "pm_card_visa")
    now = sandbox.admin("clock")["now"]
    updated = northwind.v1.subscriptions.update(sub.id, {"cancel_at": now + 10 * DAY})
    assert updated.cancel_at == now + 10 * DAY
    sandbox.advance(9 * DAY)
    assert northwind.v1.subscriptions.retrieve(sub.id).status == "active"
    sandbox.advance(2 * DAY)
    ended = northwind.v1.subscriptions.retrieve(sub.id)
    assert ended.status == "canceled"
    assert ended.ended_at == now + 10 * DAY


def test_items_must_share_an_interval(northwind: stripe.StripeClient) -> None:
    product = northwind.v1.products.create({"name": "Mixed"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        northwind.v1.subscriptions.create(
            {
                "customer": northwind.v1.customers.create().id,
                "items": [
                    {
                        "price_data": {
                            "product": product.id,
                            "currency": "usd",
                            "unit_amount": 100,
                            "recurring": {"interval": "month"},
                        }
                    },
                    {
                        "price_data": {
                            "product": product.id,
                            "currency": "usd",
                            "unit_amount": 100,
                            "recurring": {"interval": "year"},
                        }
                    },
                ],
            }
        )
    assert "interval" in str(refused.value)


def test_one_time_price_is_refused_as_a_subscription_item(northwind: stripe.StripeClient) -> None:
    one_time = northwind.v1.prices.create(
        {"product_data": {"name": "Setup"}, "currency": "usd", "unit_amount": 100}
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        northwind.v1.subscriptions.create(
            {"customer": northwind.v1.customers.create().id, "items": [{"price": one_time.id}]}
        )
    assert refused.value.param == "items[0][price]"


def test_interval_count_is_capped_at_three_years(northwind: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        northwind.v1.prices.create(
            {
                "product_data": {"name": "X"},
                "currency": "usd",
                "unit_amount": 100,
                "recurring": {"interval": "month", "interval_count": 37},
            }
        )
    quarterly = northwind.v1.prices.create(
        {
            "product_data": {"name": "X"},
            "currency": "usd",
            "unit_amount": 100,
            "recurring": {"interval": "month", "interval_count": 3},
        }
    )
    assert quarterly.recurring is not None and quarterly.recurring.interval_count == 3


def test_parameters_the_sandbox_does_not_model_are_refused(northwind: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _subscribe(northwind, trial_period_days=14)
    assert refused.value.param == "trial_period_days"
    assert "does not support" in str(refused.value)


@pytest.mark.parametrize(
    ("field", "spec", "param"),
    [
        ("items", {"tax_rates": ["txr_19"]}, "items[0][tax_rates]"),
        ("items", {"discounts": [{"coupon": "TEN"}]}, "items[0][discounts]"),
        ("add_invoice_items", {"tax_rates": ["txr_19"]}, "add_invoice_items[1][tax_rates]"),
    ],
)
def test_item9_per_item_taxes_and_discounts_are_refused_not_ignored(
    northwind: stripe.StripeClient, field: str, spec: dict[str, Any], param: str
) -> None:
    product = northwind.v1.products.create({"name": "Analytics"})
    line = {"price_data": {"product": product.id, "currency": "usd", "unit_amount": 1500}}
    monthly = {**line, "price_data": {**line["price_data"], "recurring": {"interval": "month"}}}
    params: dict[str, Any] = {
        "customer": northwind.v1.customers.create().id,
        "items": [monthly],
        "add_invoice_items": [line, line],
    }
    params[field] = [{**params[field][0], **spec}] if field == "items" else [line, {**line, **spec}]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        northwind.v1.subscriptions.create(params)  # type: ignore[arg-type]
    assert refused.value.param == param
    assert "does not support" in str(refused.value)
    assert northwind.v1.subscriptions.list({"status": "all"}).data == []


def test_hosted_invoice_page_shows_the_total(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    import urllib.request

    invoice = _invoice(_subscribe(northwind))
    assert invoice.hosted_invoice_url is not None
    with urllib.request.urlopen(invoice.hosted_invoice_url, timeout=5) as response:
        html = response.read().decode()
    assert "Total 125.90 USD" in html


def test_saved_default_card_activates_the_subscription_at_once(
    northwind: stripe.StripeClient,
) -> None:
    customer = northwind.v1.customers.create({"email": "erin@example.com"})
    card = northwind.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    northwind.v1.customers.update(
        customer.id, {"invoice_settings": {"default_payment_method": card.id}}
    )
    sub = _subscribe(northwind, customer.id, payment_behavior="allow_incomplete", expand=[])
    assert sub.status == "active"
    created = northwind.v1.events.list({"type": "customer.subscription.created"}).data[0]
    assert created.data.object["latest_invoice"] == sub.latest_invoice


def test_error_if_incomplete_leaves_no_subscription_behind(northwind: stripe.StripeClient) -> None:
    customer = northwind.v1.customers.create({"email": "frank@example.com"})
    card = northwind.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", {"customer": customer.id}
    )
    northwind.v1.customers.update(
        customer.id, {"invoice_settings": {"default_payment_method": card.id}}
    )
    with pytest.raises(stripe.CardError):
        _subscribe(northwind, customer.id, payment_behavior="error_if_incomplete", expand=[])
    assert northwind.v1.subscriptions.list({"status": "all"}).data == []
