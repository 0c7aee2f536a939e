"""Item 9: every object the sandbox returns has every field of Stripe's published fixtures.

`shapes.json` lists the fields of each object type (derived from
github.com/stripe/openapi `openapi/fixtures3.json`). Each test creates objects
through the API with the official library and compares what comes back.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe

from stripe_sandbox.shapes import table
from stripe_sandbox.shapes_from_fixtures import OBJECT_TYPES, main
from stripe_sandbox.testing import SandboxThread
from stripe_sandbox.tests.test_subscriptions import _subscribe

# Fields the sandbox returns beyond the fixtures' examples (each one is declared by
# the pinned library's class): see "Shape guarantees" in the README.
DOCUMENTED_EXTRA: dict[str, set[str]] = {
    # Set on events of connected accounts.
    "event": {"account"},
    # `confirmation_secret` and `payments` only when expanded.
    "invoice": {"amount_paid_off_stripe", "confirmation_secret", "payments", "threshold_reason"},
    # The restriction given at creation (`allowed_payment_method_types`).
    "payment_intent": {"allowed_payment_method_types"},
    "setup_intent": {"customer_account"},
    # The signing secret, in the response to the creation only.
    "webhook_endpoint": {"secret"},
}

LIBRARY_CLASSES: dict[str, type] = {
    "account": stripe.Account,
    "application": stripe.Application,
    "charge": stripe.Charge,
    "customer": stripe.Customer,
    "event": stripe.Event,
    "invoice": stripe.Invoice,
    "invoice_payment": stripe.InvoicePayment,
    "invoiceitem": stripe.InvoiceItem,
    "line_item": stripe.InvoiceLineItem,
    "payment_intent": stripe.PaymentIntent,
    "payment_method": stripe.PaymentMethod,
    "plan": stripe.Plan,
    "price": stripe.Price,
    "product": stripe.Product,
    "refund": stripe.Refund,
    "setup_intent": stripe.SetupIntent,
    "subscription": stripe.Subscription,
    "subscription_item": stripe.SubscriptionItem,
    "webhook_endpoint": stripe.WebhookEndpoint,
}


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every Stripe object (a dict with a known `object`) inside a response."""
    if isinstance(value, list):
        for item in value:
            yield from _objects(item)
    elif isinstance(value, dict):
        kind = value.get("object")
        if isinstance(kind, str) and kind in table() and not value.get("deleted"):
            yield value
        for item in value.values():
            yield from _objects(item)


def _node(obj: dict[str, Any], path: str) -> Any:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _shape_problems(obj: dict[str, Any]) -> list[str]:
    kind = obj["object"]
    shape = table()[kind]
    problems = []
    missing = set(shape["fields"]) - set(obj)
    if missing:
        problems.append(f"{kind} lacks {sorted(missing)}")
    unknown = set(obj) - set(shape["fields"]) - DOCUMENTED_EXTRA.get(kind, set())
    if unknown:
        problems.append(f"{kind} has undocumented {sorted(unknown)}")
    for path, fields in shape["nested"].items():
        node = _node(obj, path)
        lacking = set(fields) - set(node) if isinstance(node, dict) else set()
        if lacking and "object" not in node:
            problems.append(f"{kind}.{path} lacks {sorted(lacking)}")
    return problems


def _nullable(cls: type, field: str) -> bool:
    for klass in inspect.getmro(cls):
        hints = getattr(klass, "__annotations__", {})
        if field in hints:
            annotation = hints[field]
            return type(None) in typing.get_args(annotation) or "Optional" in str(annotation)
    return True


def _null_problems(obj: dict[str, Any]) -> list[str]:
    cls = LIBRARY_CLASSES[obj["object"]]
    return [
        f"{obj['object']}.{field} is null but the library says it never is"
        for field, value in obj.items()
        if value is None and not _nullable(cls, field)
    ]


def _everything(sandbox: SandboxThread, client: stripe.StripeClient) -> list[dict[str, Any]]:
    """One of each object the sandbox produces, created through the API."""
    customer = client.v1.customers.create(
        {"email": "dana@example.com", "address": {"line1": "1 Main St", "country": "US"}}
    )
    sub = _subscribe(
        client,
        customer.id,
        expand=["latest_invoice.payments", "latest_invoice.confirmation_secret"],
    )
    invoice = sub.latest_invoice
    assert isinstance(invoice, stripe.Invoice) and invoice.confirmation_secret is not None
    intent = client.v1.payment_intents.confirm(
        invoice.confirmation_secret.client_secret.split("_secret_")[0],
        {"payment_method": "pm_card_visa"},
    )
    refund = client.v1.refunds.create({"payment_intent": intent.id, "amount": 100})
    endpoint = client.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]}
    )
    responses: list[Any] = [
        customer,
        sub,
        client.v1.subscriptions.retrieve(sub.id),
        client.v1.invoices.retrieve(invoice.id, {"expand": ["payments"]}),
        intent,
        refund,
        endpoint,
        client.v1.charges.retrieve(str(intent.latest_charge)),
        client.v1.payment_methods.retrieve(str(intent.payment_method)),
        client.v1.prices.list(),
        client.v1.products.list(),
        client.v1.accounts.retrieve_current(),
        client.v1.setup_intents.create({"customer": customer.id}),
        client.v1.events.list({"limit": 100}),
    ]
    return [obj for response in responses for obj in _objects(response.to_dict())]


def test_item9_every_object_has_every_field_of_stripes_fixtures(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    objects = _everything(sandbox, northwind)
    assert {obj["object"] for obj in objects} == set(table())
    problems = sorted({p for obj in objects for p in _shape_problems(obj)})
    assert not problems, "\n".join(problems)


def test_item9_fields_filled_in_as_null_are_ones_stripe_may_send_as_null(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    problems = sorted({p for obj in _everything(sandbox, northwind) for p in _null_problems(obj)})
    assert not problems, "\n".join(problems)


def test_item9_a_refund_names_the_customer_and_payment_method_of_its_charge(
    northwind: stripe.StripeClient,
) -> None:
    customer = northwind.v1.customers.create({"email": "erin@example.com"})
    intent = northwind.v1.payment_intents.create(
        {
            "amount": 2500,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
        }
    )
    refund = northwind.v1.refunds.create({"payment_intent": intent.id})
    assert refund.customer == customer.id
    assert refund.payment_method == intent.payment_method


def test_item9_an_address_has_every_field_even_when_not_given(
    northwind: stripe.StripeClient,
) -> None:
    customer = northwind.v1.customers.create({"address": {"line1": "1 Main St", "city": "Austin"}})
    assert customer.address is not None
    assert customer.address.line2 is None and customer.address.state is None
    assert customer.address.postal_code is None and customer.address.country is None
    assert customer.address.city == "Austin"


@pytest.mark.parametrize("kind", sorted(LIBRARY_CLASSES))
def test_item9_the_shape_table_covers_each_type_the_sandbox_produces(kind: str) -> None:
    assert table()[kind]["fields"], kind


def test_item9_subscriptions_use_flexible_billing_mode_by_default(
    northwind: stripe.StripeClient,
) -> None:
    sub = _subscribe(northwind)
    assert sub.billing_mode.type == "flexible"
    assert sub.billing_mode.flexible is not None
    assert sub.billing_mode.updated_at == sub.created
    classic = _subscribe(northwind, billing_mode={"type": "classic"})
    assert classic.billing_mode.type == "classic" and classic.billing_mode.flexible is None


def test_item9_allowed_payment_method_types_shows_what_can_confirm(
    northwind: stripe.StripeClient,
) -> None:
    intent = northwind.v1.payment_intents.create(
        {"amount": 2000, "currency": "usd", "allowed_payment_method_types": ["card", "sepa_debit"]}
    )
    assert intent.allowed_payment_method_types == ["card", "sepa_debit"]
    assert intent.payment_method_types == ["card"]
    assert intent.automatic_payment_methods is None
    paid = northwind.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "succeeded"


def test_item9_payment_methods_the_sandbox_cannot_take_are_refused(
    northwind: stripe.StripeClient,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as allowed:
        northwind.v1.payment_intents.create(
            {"amount": 2000, "currency": "eur", "allowed_payment_method_types": ["sepa_debit"]}
        )
    assert allowed.value.param == "allowed_payment_method_types"
    with pytest.raises(stripe.InvalidRequestError) as excluded:
        northwind.v1.payment_intents.create(
            {"amount": 2000, "currency": "usd", "excluded_payment_method_types": ["card"]}
        )
    assert excluded.value.param == "excluded_payment_method_types"
    intent = northwind.v1.payment_intents.create({"amount": 2000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError):
        northwind.v1.payment_intents.update(
            intent.id, {"allowed_payment_method_types": ["us_bank_account"]}
        )
    unchanged = northwind.v1.payment_intents.retrieve(intent.id)
    assert unchanged.payment_method_types == ["card"]
    assert unchanged.allowed_payment_method_types is None


def test_item9_the_table_is_derived_from_the_fixtures_as_documented(tmp_path: Path) -> None:
    resources: dict[str, Any] = {name: {"id": "x", "object": name} for name in OBJECT_TYPES}
    resources["customer"] = {
        "id": "cus_1",
        "object": "customer",
        "address": {"city": "Austin", "line2": None, "state": "TX"},
        "metadata": {"order": "1"},
        "invoice_settings": {"rendering_options": {"template": None}},
        "subscriptions": {"object": "list", "data": []},
    }
    resources["invoice"] = {"id": "in_1", "object": "invoice", "subscription": "sub_1"}
    resources["event"] = {"id": "evt_1", "object": "event", "data": {"object": {"id": "p"}}}
    fixtures = tmp_path / "fixtures3.json"
    fixtures.write_text(json.dumps({"resources": resources}))
    output = tmp_path / "shapes.json"
    main([str(fixtures), "--commit", "abc123", "--output", str(output)])
    table = json.loads(output.read_text())
    assert table["source"]["commit"] == "abc123"
    customer = table["objects"]["customer"]
    assert customer["fields"] == [
        "address", "id", "invoice_settings", "metadata", "object", "subscriptions"
    ]  # fmt: skip
    # Sub-objects with their fields; free-form maps and embedded objects are not shapes.
    assert customer["nested"] == {
        "address": ["city", "line2", "state"],
        "invoice_settings": ["rendering_options"],
        "invoice_settings.rendering_options": ["template"],
    }
    assert table["objects"]["invoice"]["fields"] == ["id", "object"]
    assert table["objects"]["invoice"]["removed"] == ["subscription"]
    assert table["objects"]["event"]["nested"] == {}
