"""Deal line items: from a product or custom, edited, reordered, removed; totals on the deal."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.catalog.models import Billing
from dealdesk.crm.models import Deal, DealLineItem
from dealdesk.factories import DealFactory, DealLineItemFactory, ProductFactory
from dealdesk.workspaces.models import User, Workspace


@pytest.fixture
def deal(acme: Workspace) -> Deal:
    return DealFactory.create(workspace=acme, name="Initech rollout", currency="EUR")


def _detail(deal: Deal) -> str:
    return reverse("crm:deal_detail", kwargs={"pk": deal.pk})


def _line_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Consulting day",
        "description": "",
        "quantity": "1",
        "unit_amount_minor": "100.00",
        "billing": Billing.ONE_TIME,
        "recurring_interval": "",
        "recurring_interval_count": "",
        "discount_kind": "none",
        "discount_percent": "",
        "discount_amount": "",
        "tax_rate_bp": "",
    }
    data.update(overrides)
    return data


def test_line_from_product_copies_price_billing_and_tax(
    bob_client: Client, deal: Deal, acme: Workspace
) -> None:
    product = ProductFactory.create(
        workspace=acme,
        name="Analytics",
        description="Dashboards",
        unit_amount_minor=4_900,
        billing=Billing.RECURRING,
        recurring_interval="month",
        recurring_interval_count=3,
        tax_rate_bp=1_900,
    )
    response = bob_client.post(
        reverse("crm:line_add_product", kwargs={"pk": deal.pk}),
        {"product": product.pk, "quantity": "2"},
    )
    assert response["Location"] == _detail(deal) + "#line-items"
    line = deal.line_items.get()
    assert (line.product, line.name, line.description) == (product, "Analytics", "Dashboards")
    assert (line.quantity, line.unit_amount_minor, line.tax_rate_bp) == (2, 4_900, 1_900)
    assert (line.recurring_interval, line.recurring_interval_count) == ("month", 3)
    page = bob_client.get(_detail(deal)).content.decode()
    assert "Every 3 months" in page


def test_editing_the_product_later_does_not_change_the_line(
    bob_client: Client, deal: Deal, acme: Workspace
) -> None:
    product = ProductFactory.create(workspace=acme, name="Setup", unit_amount_minor=10_000)
    bob_client.post(
        reverse("crm:line_add_product", kwargs={"pk": deal.pk}),
        {"product": product.pk, "quantity": "1"},
    )
    product.name, product.unit_amount_minor = "Setup (new price)", 99_900
    product.save()
    line = deal.line_items.get()
    assert (line.name, line.unit_amount_minor) == ("Setup", 10_000)


def test_product_select_offers_active_products_in_the_deal_currency(
    bob_client: Client, deal: Deal, acme: Workspace
) -> None:
    ProductFactory.create(workspace=acme, name="Euro plan", currency="EUR")
    ProductFactory.create(workspace=acme, name="Dollar plan", currency="USD")
    ProductFactory.create(workspace=acme, name="Old plan", archived_at="2025-01-01T00:00:00Z")
    page = bob_client.get(_detail(deal)).content.decode()
    assert "Euro plan" in page
    assert "Dollar plan" not in page and "Old plan" not in page


def test_product_in_another_currency_is_refused_with_a_clear_message(
    bob_client: Client, deal: Deal, acme: Workspace
) -> None:
    product = ProductFactory.create(workspace=acme, name="Dollar plan", currency="USD")
    response = bob_client.post(
        reverse("crm:line_add_product", kwargs={"pk": deal.pk}),
        {"product": product.pk, "quantity": "1"},
    )
    assert response.status_code == 400
    assert "“Dollar plan” is priced in USD, but this deal is in EUR" in response.content.decode()
    assert not deal.line_items.exists()


def test_archived_product_cannot_be_added(bob_client: Client, deal: Deal, acme: Workspace) -> None:
    product = ProductFactory.create(workspace=acme, archived_at="2025-01-01T00:00:00Z")
    response = bob_client.post(
        reverse("crm:line_add_product", kwargs={"pk": deal.pk}),
        {"product": product.pk, "quantity": "1"},
    )
    assert response.status_code == 400
    assert not deal.line_items.exists()


def test_seller_adds_a_custom_line(bob_client: Client, deal: Deal) -> None:
    DealLineItemFactory.create(deal=deal, position=4)
    response = bob_client.post(
        reverse("crm:line_add_custom", kwargs={"pk": deal.pk}),
        _line_data(
            name="Premium support",
            quantity="3",
            unit_amount_minor="1,250.50",
            billing=Billing.RECURRING,
            recurring_interval="year",
            recurring_interval_count="1",
            tax_rate_bp="7.5",
        ),
    )
    assert response.status_code == 302
    line = deal.line_items.get(name="Premium support")
    assert line.product is None
    assert (line.quantity, line.unit_amount_minor, line.tax_rate_bp) == (3, 125_050, 750)
    assert (line.recurring_interval, line.recurring_interval_count) == ("year", 1)
    assert line.position == 5


def test_custom_line_validates_recurrence_and_amount(bob_client: Client, deal: Deal) -> None:
    response = bob_client.post(
        reverse("crm:line_add_custom", kwargs={"pk": deal.pk}),
        _line_data(
            unit_amount_minor="12.345",
            billing=Billing.RECURRING,
            recurring_interval="month",
            recurring_interval_count="37",
        ),
    )
    errors = response.context["form"].errors
    assert {"unit_amount_minor", "recurring_interval_count"} <= set(errors)
    assert not deal.line_items.exists()


def test_edit_line_with_german_amount(bob_client: Client, bob: User, deal: Deal) -> None:
    line = DealLineItemFactory.create(deal=deal, name="Consulting day", unit_amount_minor=10_000)
    bob.language = "de"
    bob.save()
    url = reverse("crm:line_edit", kwargs={"pk": deal.pk, "line_pk": line.pk})
    assert 'value="100,00"' in bob_client.get(url).content.decode()
    response = bob_client.post(
        url,
        _line_data(unit_amount_minor="1.234,56", discount_kind="amount", discount_amount="34,56"),
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.unit_amount_minor == 123_456
    assert (line.discount_kind, line.discount_value) == ("amount", 3_456)
    page = bob_client.get(_detail(deal)).content.decode()
    assert "1.200,00\xa0€" in page


def test_english_reading_of_a_german_amount_is_refused(bob_client: Client, deal: Deal) -> None:
    line = DealLineItemFactory.create(deal=deal)
    url = reverse("crm:line_edit", kwargs={"pk": deal.pk, "line_pk": line.pk})
    response = bob_client.post(url, _line_data(unit_amount_minor="1.234,56"))
    assert "unit_amount_minor" in response.context["form"].errors


def test_discount_needs_a_value(bob_client: Client, deal: Deal) -> None:
    line = DealLineItemFactory.create(deal=deal)
    url = reverse("crm:line_edit", kwargs={"pk": deal.pk, "line_pk": line.pk})
    response = bob_client.post(url, _line_data(discount_kind="percent"))
    assert "discount_percent" in response.context["form"].errors


def test_removing_the_discount_clears_its_value(bob_client: Client, deal: Deal) -> None:
    line = DealLineItemFactory.create(deal=deal, discount_kind="percent", discount_value=1_000)
    url = reverse("crm:line_edit", kwargs={"pk": deal.pk, "line_pk": line.pk})
    bob_client.post(url, _line_data(discount_kind="none", discount_percent="10"))
    line.refresh_from_db()
    assert (line.discount_kind, line.discount_value) == ("none", 0)


def test_discount_tax_and_totals_on_the_deal_page(bob_client: Client, deal: Deal) -> None:
    DealLineItemFactory.create(
        deal=deal,
        name="Setup",
        quantity=2,
        unit_amount_minor=10_000,
        discount_kind="percent",
        discount_value=1_000,
        tax_rate_bp=1_900,
    )
    DealLineItemFactory.create(
        deal=deal,
        name="Support",
        unit_amount_minor=4_900,
        recurring_interval="month",
        recurring_interval_count=1,
    )
    DealLineItemFactory.create(
        deal=deal,
        name="Hosting",
        unit_amount_minor=30_000,
        discount_kind="amount",
        discount_value=5_000,
        recurring_interval="month",
        recurring_interval_count=3,
    )
    page = bob_client.get(_detail(deal)).content.decode()
    # Setup: 2 x 100.00 = 200.00, 10 % off = 180.00, 19 % tax = 34.20, total 214.20
    assert "\u2212€20.00" in page
    assert "€34.20" in page
    assert "One-time total" in page and "€214.20" in page
    assert "€49.00 / month" in page
    assert "€250.00 every 3 months" in page and "\u2212€50.00" in page
    assert "Every 3 months" in page and "Monthly" in page and "One-time" in page
    # Due today: one-time total plus the first period of each recurring line.
    assert "€513.20" in page


def test_lines_move_up_and_down(bob_client: Client, deal: Deal) -> None:
    first, second, third = (
        DealLineItemFactory.create(deal=deal, name=name, position=0) for name in ("A", "B", "C")
    )

    def order() -> list[str]:
        return list(deal.line_items.values_list("name", flat=True))

    def move(line: DealLineItem, direction: str) -> None:
        url = reverse("crm:line_move", kwargs={"pk": deal.pk, "line_pk": line.pk})
        assert bob_client.post(url, {"direction": direction}).status_code == 302

    move(third, "up")
    assert order() == ["A", "C", "B"]
    move(first, "down")
    assert order() == ["C", "A", "B"]
    move(third, "up")  # already first: nothing happens
    assert order() == ["C", "A", "B"]
    move(second, "down")
    assert order() == ["C", "A", "B"]


def test_move_works_with_htmx(bob_client: Client, deal: Deal) -> None:
    first = DealLineItemFactory.create(deal=deal, name="A", position=0)
    DealLineItemFactory.create(deal=deal, name="B", position=1)
    url = reverse("crm:line_move", kwargs={"pk": deal.pk, "line_pk": first.pk})
    response = bob_client.post(
        url, {"direction": "down"}, headers={"HX-Request": "true"}, follow=True
    )
    assert 'id="line-items"' in response.content.decode()
    assert list(deal.line_items.values_list("name", flat=True)) == ["B", "A"]


def test_move_is_post_only(bob_client: Client, deal: Deal) -> None:
    line = DealLineItemFactory.create(deal=deal)
    url = reverse("crm:line_move", kwargs={"pk": deal.pk, "line_pk": line.pk})
    assert bob_client.get(url).status_code == 405


def test_seller_removes_a_line(bob_client: Client, deal: Deal) -> None:
    line = DealLineItemFactory.create(deal=deal, name="Setup")
    url = reverse("crm:line_delete", kwargs={"pk": deal.pk, "line_pk": line.pk})
    assert "Remove “Setup”?" in bob_client.get(url).content.decode()
    assert bob_client.post(url)["Location"] == _detail(deal) + "#line-items"
    assert not deal.line_items.exists()
