"""Issue item 2: bad input in money, percentage, quantity and currency fields is a form error.

Each case starts from the form as the page renders it, changes one field, and
posts it: the answer is the form with an error on that field, never a 500, and
nothing is stored.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.catalog.models import Product
from dealdesk.catalog.tests.formhtml import form_fields
from dealdesk.crm.models import DealLineItem
from dealdesk.factories import DealFactory, DealLineItemFactory, ProductFactory
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

# The last one is 10 in Arabic-Indic digits.
NON_NUMBERS = ["sNaN", "NaN", "Infinity", "-Infinity", "1e999999", "1E-999999", "\u0661\u0660"]


def _post_changed(client: Client, url: str, containing: str, **change: str) -> Any:
    fields = form_fields(client.get(url).content.decode(), containing)
    response = client.post(url, {**fields, **change})
    assert response.status_code in (200, 400), response.status_code
    return response


@pytest.fixture
def product(acme: Workspace) -> Product:
    return ProductFactory.create(workspace=acme, unit_amount_minor=1_000, tax_rate_bp=1_900)


@pytest.fixture
def line(acme: Workspace) -> DealLineItem:
    return DealLineItemFactory.create(
        deal=DealFactory.create(workspace=acme),
        quantity=2,
        unit_amount_minor=1_000,
        discount_kind="percent",
        discount_value=1_000,
        tax_rate_bp=1_900,
    )


def _line_url(line: DealLineItem) -> str:
    return reverse("crm:line_edit", args=[line.deal_id, line.pk])


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("text", NON_NUMBERS)
def test_item2_product_refuses_non_numbers_as_tax_and_price(
    bob: User, bob_client: Client, product: Product, language: str, text: str
) -> None:
    bob.language = language
    bob.save()
    url = reverse("catalog:product_edit", args=[product.pk])

    for field in ("tax_rate_bp", "unit_amount_minor"):
        response = _post_changed(bob_client, url, "unit_amount_minor", **{field: text})
        assert field in response.context["form"].errors

    product.refresh_from_db()
    assert (product.unit_amount_minor, product.tax_rate_bp) == (1_000, 1_900)


@pytest.mark.parametrize("currency", ["XXX", "EURO", "€", "eu", ""])
def test_item2_unknown_product_currency_is_the_currency_fields_error(
    bob_client: Client, product: Product, currency: str
) -> None:
    url = reverse("catalog:product_edit", args=[product.pk])

    response = _post_changed(bob_client, url, "unit_amount_minor", currency=currency)

    assert list(response.context["form"].errors) == ["currency"]
    product.refresh_from_db()
    assert product.currency == "EUR"


def test_item2_new_product_with_unknown_currency_is_a_form_error(bob_client: Client) -> None:
    url = reverse("catalog:product_create")
    fields = form_fields(bob_client.get(url).content.decode(), "unit_amount_minor")

    response = bob_client.post(
        url, {**fields, "name": "Plan", "unit_amount_minor": "10.00", "currency": "XXX"}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["currency"]
    assert not Product.objects.exists()


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("text", NON_NUMBERS)
def test_item2_deal_line_refuses_non_numbers_in_every_number_field(
    bob: User, bob_client: Client, line: DealLineItem, language: str, text: str
) -> None:
    bob.language = language
    bob.save()
    changes = [
        {"discount_kind": "percent", "discount_percent": text},
        {"discount_kind": "amount", "discount_amount": text},
        {"tax_rate_bp": text},
        {"unit_amount_minor": text},
        {"quantity": text},
    ]

    for change in changes:
        response = _post_changed(bob_client, _line_url(line), "unit_amount_minor", **change)
        assert response.context["form"].errors, change

    line.refresh_from_db()
    assert (line.quantity, line.discount_value, line.tax_rate_bp) == (2, 1_000, 1_900)


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [("de", "1.000", 1_000), ("en", "1,000", 1_000), ("de", "10", 10), ("en", "1000", 1_000)],
)
def test_quantity_is_read_with_the_sellers_grouping(
    bob: User, bob_client: Client, line: DealLineItem, language: str, typed: str, stored: int
) -> None:
    bob.language = language
    bob.save()
    fields = form_fields(bob_client.get(_line_url(line)).content.decode(), "unit_amount_minor")

    assert bob_client.post(_line_url(line), {**fields, "quantity": typed}).status_code == 302

    line.refresh_from_db()
    assert line.quantity == stored


@pytest.mark.parametrize(
    ("language", "typed"), [("de", "1,5"), ("en", "1.5"), ("de", "1.5"), ("en", "1.000")]
)
def test_fractional_quantity_is_refused_never_rounded(
    bob: User, bob_client: Client, line: DealLineItem, language: str, typed: str
) -> None:
    bob.language = language
    bob.save()

    response = _post_changed(bob_client, _line_url(line), "unit_amount_minor", quantity=typed)

    assert list(response.context["form"].errors) == ["quantity"]
    line.refresh_from_db()
    assert line.quantity == 2


@pytest.mark.parametrize("typed", ["19 %", "19%", "19\xa0%", "7,5 %"])
def test_item3_german_percent_fields_accept_what_the_page_displays(
    bob: User, bob_client: Client, product: Product, typed: str
) -> None:
    bob.language = "de"
    bob.save()
    url = reverse("catalog:product_edit", args=[product.pk])
    fields = form_fields(bob_client.get(url).content.decode(), "unit_amount_minor")

    assert bob_client.post(url, {**fields, "tax_rate_bp": typed}).status_code == 302

    product.refresh_from_db()
    assert product.tax_rate_bp == (750 if typed.startswith("7") else 1_900)
