import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.catalog.models import Billing, Product
from dealdesk.factories import DealLineItemFactory, ProductFactory
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Growth plan",
    "sku": "GRO-1",
    "currency": "EUR",
    "unit_amount_minor": "1,234.56",
    "billing": "recurring",
    "recurring_interval": "month",
    "recurring_interval_count": "3",
    "tax_rate_bp": "19",
    "description": "",
}


def test_create_recurring_product(bob_client: Client, acme: Workspace) -> None:
    response = bob_client.post(reverse("catalog:product_create"), VALID)

    assert response.status_code == 302
    product = Product.objects.get()
    assert product.workspace == acme
    assert product.unit_amount_minor == 123456
    assert product.billing == Billing.RECURRING
    assert (product.recurring_interval, product.recurring_interval_count) == ("month", 3)
    assert product.tax_rate_bp == 1900


def test_german_seller_types_german_amounts(bob: User, bob_client: Client) -> None:
    bob.language = "de"
    bob.save()

    bob_client.post(
        reverse("catalog:product_create"),
        {**VALID, "unit_amount_minor": "1.234,56", "tax_rate_bp": "7,5"},
    )

    product = Product.objects.get()
    assert product.unit_amount_minor == 123456
    assert product.tax_rate_bp == 750


def test_zero_decimal_currency_is_stored_in_whole_units(bob_client: Client) -> None:
    bob_client.post(
        reverse("catalog:product_create"),
        {**VALID, "currency": "JPY", "unit_amount_minor": "5,000"},
    )
    assert Product.objects.get().unit_amount_minor == 5000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit_amount_minor": "12.345"}, "unit_amount_minor"),
        ({"unit_amount_minor": "abc"}, "unit_amount_minor"),
        ({"unit_amount_minor": "-5"}, "unit_amount_minor"),
        ({"recurring_interval": ""}, "recurring_interval"),
        (
            {"recurring_interval": "month", "recurring_interval_count": "37"},
            "recurring_interval_count",
        ),
        (
            {"recurring_interval": "year", "recurring_interval_count": "4"},
            "recurring_interval_count",
        ),
        ({"tax_rate_bp": "101"}, "tax_rate_bp"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_product_shows_error_next_to_field(
    bob_client: Client, change: dict[str, str], field: str
) -> None:
    response = bob_client.post(reverse("catalog:product_create"), {**VALID, **change})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Product.objects.exists()


def test_one_time_product_drops_interval(bob_client: Client) -> None:
    bob_client.post(reverse("catalog:product_create"), {**VALID, "billing": "one_time"})

    product = Product.objects.get()
    assert product.recurrence is None
    assert product.recurring_interval == ""


def test_sku_is_unique_within_workspace_only(
    bob_client: Client, mallory_client: Client, acme: Workspace
) -> None:
    ProductFactory.create(workspace=acme, sku="GRO-1")

    response = bob_client.post(reverse("catalog:product_create"), VALID)
    assert "sku" in response.context["form"].errors

    assert mallory_client.post(reverse("catalog:product_create"), VALID).status_code == 302


def test_archived_product_stays_on_deals_and_leaves_the_list(
    bob_client: Client, acme: Workspace
) -> None:
    product = ProductFactory.create(workspace=acme, name="Legacy plan")
    line = DealLineItemFactory.create(deal__workspace=acme, product=product, name="Legacy plan")

    bob_client.post(reverse("catalog:product_archive", args=[product.pk]))

    product.refresh_from_db()
    assert product.is_archived
    line.refresh_from_db()
    assert line.product == product
    listing = bob_client.get(reverse("catalog:product_list")).context["page_obj"]
    assert "Legacy plan" not in [p.name for p in listing]
    archived = bob_client.get(reverse("catalog:product_list"), {"archived": "1"})
    assert [p.name for p in archived.context["page_obj"]] == ["Legacy plan"]


def test_product_list_searches_and_paginates(bob_client: Client, acme: Workspace) -> None:
    for n in range(30):
        ProductFactory.create(workspace=acme, name=f"Widget {n:02d}")
    ProductFactory.create(workspace=acme, name="Gadget")

    first = bob_client.get(reverse("catalog:product_list"))
    assert first.context["page_obj"].paginator.count == 31
    assert len(first.context["page_obj"].object_list) == 25

    found = bob_client.get(reverse("catalog:product_list"), {"q": "gadg"})
    assert [p.name for p in found.context["page_obj"]] == ["Gadget"]


def test_outsider_gets_404_for_products(mallory_client: Client, acme: Workspace) -> None:
    product = ProductFactory.create(workspace=acme, name="Acme secret")

    assert mallory_client.get(reverse("catalog:product_edit", args=[product.pk])).status_code == 404
    for name in ["catalog:product_edit", "catalog:product_archive", "catalog:product_restore"]:
        response = mallory_client.post(reverse(name, args=[product.pk]), VALID)
        assert response.status_code == 404, name
    assert "Acme secret" not in mallory_client.get(reverse("catalog:product_list")).content.decode()
    product.refresh_from_db()
    assert product.name == "Acme secret"
    assert not product.is_archived


def test_new_product_form_starts_as_one_time(bob_client: Client) -> None:
    page = bob_client.get(reverse("catalog:product_create")).content.decode()

    assert 'name="billing" value="one_time" required id="id_billing_0" checked' in page
    assert 'value="recurring" required id="id_billing_1">' in page
