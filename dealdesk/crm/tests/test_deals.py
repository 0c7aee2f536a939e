"""Deals: create, edit, list with search, stage filter and pagination."""

import datetime

from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal, Stage
from dealdesk.crm.tests.conftest import AcmeCrm
from dealdesk.factories import CompanyFactory, DealFactory, DealLineItemFactory
from dealdesk.workspaces.listing import PER_PAGE
from dealdesk.workspaces.models import User, Workspace


def test_seller_creates_a_deal(bob_client: Client, bob: User, acme_crm: AcmeCrm) -> None:
    form = bob_client.get(reverse("crm:deal_create")).context["form"]
    assert form.initial["owner"] == bob
    response = bob_client.post(
        reverse("crm:deal_create"),
        {
            "name": "Initech expansion",
            "company": acme_crm.company.pk,
            "contacts": [acme_crm.contact.pk],
            "owner": bob.pk,
            "stage": Stage.PRESENTATION,
            "close_date": "2026-12-31",
            "currency": "USD",
        },
    )
    deal = Deal.objects.get(name="Initech expansion")
    assert response["Location"] == reverse("crm:deal_detail", kwargs={"pk": deal.pk})
    assert (deal.company, deal.owner) == (acme_crm.company, bob)
    assert deal.workspace == acme_crm.company.workspace
    assert list(deal.contacts.all()) == [acme_crm.contact]
    assert deal.close_date == datetime.date(2026, 12, 31)
    assert deal.currency == "USD"
    page = bob_client.get(response["Location"]).content.decode()
    assert "Presentation scheduled" in page and "Carol Buyer" in page


def test_deal_form_offers_only_workspace_members_as_owner(
    bob_client: Client, alice: User, bob: User, mallory: User
) -> None:
    owner_field = bob_client.get(reverse("crm:deal_create")).context["form"].fields["owner"]
    assert set(owner_field.queryset) == {alice, bob}


def test_deal_needs_a_name_and_known_currency(bob_client: Client) -> None:
    response = bob_client.post(
        reverse("crm:deal_create"), {"name": "", "stage": "qualified", "currency": "XXX"}
    )
    assert {"name", "currency"} <= set(response.context["form"].errors)


def test_seller_edits_a_deal(bob_client: Client, acme_crm: AcmeCrm) -> None:
    url = reverse("crm:deal_edit", kwargs={"pk": acme_crm.deal.pk})
    bob_client.post(
        url,
        {
            "name": "Initech rollout v2",
            "stage": Stage.CLOSED_LOST,
            "currency": "EUR",
            "contacts": [],
        },
    )
    acme_crm.deal.refresh_from_db()
    assert acme_crm.deal.name == "Initech rollout v2"
    assert acme_crm.deal.stage == Stage.CLOSED_LOST
    assert acme_crm.deal.company is None
    assert acme_crm.deal.contacts.count() == 0


def test_currency_is_locked_once_the_deal_has_line_items(
    bob_client: Client, acme_crm: AcmeCrm
) -> None:
    url = reverse("crm:deal_edit", kwargs={"pk": acme_crm.deal.pk})
    page = bob_client.get(url).content.decode()
    assert "The currency can't change once the deal has line items" in page
    bob_client.post(url, {"name": "Initech rollout", "stage": "qualified", "currency": "USD"})
    acme_crm.deal.refresh_from_db()
    assert acme_crm.deal.currency == "EUR"


def test_currency_can_change_while_the_deal_is_empty(bob_client: Client, acme: Workspace) -> None:
    deal = DealFactory.create(workspace=acme, currency="EUR")
    bob_client.post(
        reverse("crm:deal_edit", kwargs={"pk": deal.pk}),
        {"name": deal.name, "stage": "qualified", "currency": "JPY"},
    )
    deal.refresh_from_db()
    assert deal.currency == "JPY"


def test_deal_list_shows_columns_and_amount(bob_client: Client, acme_crm: AcmeCrm) -> None:
    DealLineItemFactory.create(
        deal=acme_crm.deal,
        name="Support",
        unit_amount_minor=4_900,
        recurring_interval="month",
        recurring_interval_count=1,
    )
    acme_crm.deal.close_date = datetime.date(2026, 3, 1)
    acme_crm.deal.save()
    page = bob_client.get(reverse("crm:deal_list")).content.decode()
    for text in ("Initech rollout", "Initech", "Qualified to buy", "Alice Example", "€500.00"):
        assert text in page
    assert "€49.00 / month" in page
    assert "March 1, 2026" in page


def test_deal_list_searches_and_filters_by_stage(
    bob_client: Client, acme_crm: AcmeCrm, acme: Workspace
) -> None:
    globex = CompanyFactory.create(workspace=acme, name="Globex")
    DealFactory.create(
        workspace=acme, name="Globex renewal", company=globex, stage=Stage.CLOSED_WON
    )
    url = reverse("crm:deal_list")

    def names(**params: str) -> list[str]:
        return [deal.name for deal, _ in bob_client.get(url, params).context["rows"]]

    assert sorted(names()) == ["Globex renewal", "Initech rollout"]
    assert names(q="globex") == ["Globex renewal"]
    assert names(stage=Stage.CLOSED_WON) == ["Globex renewal"]
    assert names(stage=Stage.QUALIFIED, q="initech") == ["Initech rollout"]
    assert names(stage=Stage.CLOSED_WON, q="initech") == []
    assert sorted(names(stage="bogus")) == ["Globex renewal", "Initech rollout"]


def test_deal_list_paginates(bob_client: Client, acme: Workspace) -> None:
    DealFactory.create_batch(PER_PAGE + 1, workspace=acme)
    url = reverse("crm:deal_list")
    assert len(bob_client.get(url).context["rows"]) == PER_PAGE
    assert len(bob_client.get(url, {"page": 2}).context["rows"]) == 1


def test_deleting_a_deal_removes_its_line_items(bob_client: Client, acme_crm: AcmeCrm) -> None:
    url = reverse("crm:deal_delete", kwargs={"pk": acme_crm.deal.pk})
    assert "1 line item" in bob_client.get(url).content.decode()
    assert bob_client.post(url)["Location"] == reverse("crm:deal_list")
    assert not Deal.objects.filter(pk=acme_crm.deal.pk).exists()


def test_empty_lists_invite_to_create(bob_client: Client) -> None:
    for name, text in [
        ("crm:deal_list", "No deals yet"),
        ("crm:company_list", "No companies yet"),
        ("crm:contact_list", "No contacts yet"),
    ]:
        assert text in bob_client.get(reverse(name)).content.decode()
