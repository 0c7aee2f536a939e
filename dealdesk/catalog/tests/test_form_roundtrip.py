"""Issue item 1: a form saved without changes stores exactly what it showed.

Every money, percentage and quantity field of the product form, the deal line
form and the wizard's quote-lines step is rendered through the real view, read
back from the HTML the way a browser submits it, posted unchanged, and the row
must be identical afterwards, in English and in German.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product as combinations
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dealdesk.catalog.models import DiscountKindChoice, Product
from dealdesk.catalog.tests.formhtml import form_fields, input_value
from dealdesk.crm.models import DealLineItem
from dealdesk.factories import DealFactory, DealLineItemFactory, ProductFactory
from dealdesk.lib.money import MAX_AMOUNT_MINOR, exponent
from dealdesk.quotes.models import QuoteLine
from dealdesk.quotes.tests.factories import deal_with_lines, draft_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Case:
    language: str
    currency: str
    amount_minor: int
    percent_bp: int
    quantity: int


# Values that end in 0 (10, 20, 100, 0, 1.50, 1000) in each kind of currency.
EXPLICIT_VALUES = [
    ("EUR", 1_000, 1_000, 1),  # 10.00, 10 %
    ("EUR", 2_000, 2_000, 10),  # 20.00, 20 %
    ("EUR", 10_000, 10_000, 100),  # 100.00, 100 %
    ("EUR", 0, 0, 1_000),
    ("EUR", 150, 150, 1),  # 1.50, 1.5 %
    ("EUR", 100_000, 1_050, 1_000_000),  # 1,000.00, 10.5 %
    ("JPY", 10, 1_000, 10),
    ("JPY", 1_000, 2_000, 100),
    ("JPY", 0, 10_000, 1),
    ("KWD", 1_500, 150, 1_000),  # 1.500
    ("KWD", 10_000, 1_900, 10),  # 10.000
    ("KWD", 1_000_000, 700, 1),  # 1,000.000
]
EXPLICIT = [
    Case(language, *values) for language, values in combinations(("en", "de"), EXPLICIT_VALUES)
]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD", "USD"]))
    zeros = draw(st.integers(min_value=0, max_value=exponent(currency) + 3))
    amount = draw(st.integers(min_value=0, max_value=MAX_AMOUNT_MINOR // 10**zeros)) * 10**zeros
    percent = draw(
        st.one_of(
            st.integers(min_value=0, max_value=100).map(lambda whole: whole * 100),
            st.integers(min_value=0, max_value=1_000).map(lambda tenths: tenths * 10),
            st.integers(min_value=0, max_value=10_000),
        )
    )
    quantity = draw(
        st.one_of(st.sampled_from([1, 10, 100, 1_000, 1_000_000]), st.integers(1, 1_000_000))
    )
    return Case(draw(st.sampled_from(["en", "de"])), currency, amount, percent, quantity)


def with_explicit_cases(test: Callable[..., None]) -> Callable[..., None]:
    for case in EXPLICIT:
        test = example(case=case)(test)
    return test


def with_explicit_line_cases(test: Callable[..., None]) -> Callable[..., None]:
    """Each explicit value as a percent discount in one language, an amount off in the other."""
    for index, case in enumerate(EXPLICIT):
        kind = "percent" if (index + index // len(EXPLICIT_VALUES)) % 2 else "amount"
        test = example(case=case, kind=kind)(test)
    return test


roundtrip_settings = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _row(model: type[models.Model], pk: int) -> dict[str, Any]:
    row = dict(model._default_manager.filter(pk=pk).values().get())
    row.pop("updated_at", None)  # a save stamps it; nothing else may change
    return row


def _speak(user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def _resave(client: Client, url: str, containing: str, **extra: str) -> str:
    """GET the form, post back exactly what a browser would, return the rendered page."""
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    fields: dict[str, Any] = {**form_fields(html, containing), **extra}
    response = client.post(url, fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    return html


# --- Product form ----------------------------------------------------------------------------


@with_explicit_cases
@roundtrip_settings
@given(case=cases())
def test_item1_unchanged_product_form_stores_the_same_product(
    bob: User, bob_client: Client, acme: Workspace, case: Case
) -> None:
    _speak(bob, case.language)
    product = ProductFactory.create(workspace=acme, name="Roundtrip")
    Product.objects.filter(pk=product.pk).update(
        currency=case.currency, unit_amount_minor=case.amount_minor, tax_rate_bp=case.percent_bp
    )
    before = _row(Product, product.pk)

    url = reverse("catalog:product_edit", args=[product.pk])
    _resave(bob_client, url, "unit_amount_minor")

    assert _row(Product, product.pk) == before
    product.delete()


# --- Deal line form --------------------------------------------------------------------------


@with_explicit_line_cases
@roundtrip_settings
@given(case=cases(), kind=st.sampled_from(["percent", "amount", "none"]))
def test_item1_unchanged_deal_line_form_stores_the_same_line(
    bob: User, bob_client: Client, acme: Workspace, case: Case, kind: str
) -> None:
    _speak(bob, case.language)
    deal = DealFactory.create(workspace=acme, currency=case.currency)
    discount = {"percent": case.percent_bp, "amount": case.amount_minor, "none": 0}[kind]
    line = DealLineItemFactory.create(
        deal=deal,
        quantity=case.quantity,
        unit_amount_minor=case.amount_minor,
        discount_kind=kind,
        discount_value=discount,
        tax_rate_bp=case.percent_bp,
    )
    before = _row(DealLineItem, line.pk)

    url = reverse("crm:line_edit", args=[deal.pk, line.pk])
    _resave(bob_client, url, "unit_amount_minor")

    assert _row(DealLineItem, line.pk) == before
    deal.delete()


# --- Quote lines on the wizard's line-items step ---------------------------------------------


@with_explicit_line_cases
@roundtrip_settings
@given(case=cases(), kind=st.sampled_from(["percent", "amount", "none"]))
def test_item1_unchanged_quote_lines_step_stores_the_same_lines(
    bob: User, bob_client: Client, acme: Workspace, case: Case, kind: str
) -> None:
    _speak(bob, case.language)
    deal = deal_with_lines(acme, currency=case.currency)
    quote = draft_quote(deal, bob, language=case.language)
    discount = {"percent": case.percent_bp, "amount": case.amount_minor, "none": 0}[kind]
    first, second = quote.lines.order_by("position")
    QuoteLine.objects.filter(pk=first.pk).update(
        quantity=case.quantity,
        unit_amount_minor=case.amount_minor,
        discount_kind=kind,
        discount_value=discount,
        tax_rate_bp=case.percent_bp,
    )
    QuoteLine.objects.filter(pk=second.pk).update(
        discount_kind=DiscountKindChoice.PERCENT, discount_value=case.percent_bp
    )
    before = [_row(QuoteLine, line.pk) for line in (first, second)]

    url = reverse("quotes:step", kwargs={"pk": quote.pk, "step": "lines"})
    _resave(bob_client, url, "form-TOTAL_FORMS", go="stay")

    assert [_row(QuoteLine, line.pk) for line in (first, second)] == before


# --- What the inputs show ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "basis_points", "shown"),
    [
        ("en", 1_000, "10"),
        ("en", 2_000, "20"),
        ("en", 10_000, "100"),
        ("en", 0, "0"),
        ("en", 1_050, "10.5"),
        ("en", 150, "1.5"),
        ("de", 1_000, "10"),
        ("de", 1_050, "10,5"),
        ("de", 750, "7,5"),
    ],
)
def test_item1_percent_inputs_keep_their_zeros(
    bob: User, bob_client: Client, acme: Workspace, language: str, basis_points: int, shown: str
) -> None:
    _speak(bob, language)
    line = DealLineItemFactory.create(
        deal=DealFactory.create(workspace=acme),
        discount_kind="percent",
        discount_value=basis_points,
        tax_rate_bp=basis_points,
    )
    html = bob_client.get(reverse("crm:line_edit", args=[line.deal_id, line.pk])).content.decode()

    assert input_value(html, "tax_rate_bp", "discount_percent") == shown
    assert input_value(html, "tax_rate_bp", "tax_rate_bp") == shown


@pytest.mark.parametrize(
    ("language", "currency", "amount", "shown"),
    [
        ("en", "EUR", 100_000, "1,000.00"),
        ("de", "EUR", 100_000, "1.000,00"),
        ("de", "EUR", 150, "1,50"),
        ("en", "JPY", 1_000, "1,000"),
        ("de", "KWD", 1_500, "1,500"),
    ],
)
def test_item1_amount_inputs_show_every_decimal_of_the_currency(
    bob: User,
    bob_client: Client,
    acme: Workspace,
    language: str,
    currency: str,
    amount: int,
    shown: str,
) -> None:
    _speak(bob, language)
    product = ProductFactory.create(workspace=acme, currency=currency, unit_amount_minor=amount)
    html = bob_client.get(reverse("catalog:product_edit", args=[product.pk])).content.decode()

    assert input_value(html, "unit_amount_minor", "unit_amount_minor") == shown


@pytest.mark.parametrize("language", ["en", "de"])
def test_item1_quantities_are_whole_numbers_shown_without_grouping(
    bob: User, bob_client: Client, acme: Workspace, language: str
) -> None:
    _speak(bob, language)
    line = DealLineItemFactory.create(deal=DealFactory.create(workspace=acme), quantity=1_000)
    html = bob_client.get(reverse("crm:line_edit", args=[line.deal_id, line.pk])).content.decode()

    assert input_value(html, "unit_amount_minor", "quantity") == "1000"
