"""Mallory (Umbrella) never reaches Acme's CRM data: every such URL is a 404."""

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Company, Contact, Deal, DealLineItem
from dealdesk.crm.tests.conftest import AcmeCrm
from dealdesk.factories import CompanyFactory, ContactFactory, DealFactory, ProductFactory
from dealdesk.workspaces.models import User, Workspace

OBJECT_URLS = [
    ("crm:company_detail", "company"),
    ("crm:company_edit", "company"),
    ("crm:company_delete", "company"),
    ("crm:contact_detail", "contact"),
    ("crm:contact_edit", "contact"),
    ("crm:contact_delete", "contact"),
    ("crm:deal_detail", "deal"),
    ("crm:deal_edit", "deal"),
    ("crm:deal_delete", "deal"),
    ("crm:line_add_product", "deal"),
    ("crm:line_add_custom", "deal"),
    ("crm:line_edit", "line"),
    ("crm:line_delete", "line"),
    ("crm:line_move", "line"),
]


def _url(name: str, kind: str, crm: AcmeCrm) -> str:
    if kind == "line":
        return reverse(name, kwargs={"pk": crm.deal.pk, "line_pk": crm.line.pk})
    return reverse(name, kwargs={"pk": getattr(crm, kind).pk})


@pytest.mark.parametrize(("name", "kind"), OBJECT_URLS)
def test_outsider_gets_404_for_acme_objects(
    mallory_client: Client, acme_crm: AcmeCrm, name: str, kind: str
) -> None:
    url = _url(name, kind, acme_crm)
    assert mallory_client.get(url).status_code in (404, 405)  # POST-only views refuse GET
    response = mallory_client.post(
        url,
        {"name": "Hacked", "first_name": "Hacked", "quantity": "1", "direction": "up"},
    )
    assert response.status_code == 404


def test_outsider_posts_change_nothing(mallory_client: Client, acme_crm: AcmeCrm) -> None:
    for name, kind in OBJECT_URLS:
        mallory_client.post(_url(name, kind, acme_crm), {"name": "Hacked", "quantity": "1"})
    assert Company.objects.filter(pk=acme_crm.company.pk, name="Initech").exists()
    assert Contact.objects.filter(pk=acme_crm.contact.pk).exists()
    assert Deal.objects.filter(pk=acme_crm.deal.pk, name="Initech rollout").exists()
    assert DealLineItem.objects.filter(deal=acme_crm.deal).count() == 1


def test_line_of_another_deal_is_404(
    bob_client: Client, acme_crm: AcmeCrm, acme: Workspace
) -> None:
    other_deal = DealFactory.create(workspace=acme)
    url = reverse("crm:line_edit", kwargs={"pk": other_deal.pk, "line_pk": acme_crm.line.pk})
    assert bob_client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["crm:deal_list", "crm:company_list", "crm:contact_list"])
def test_outsider_lists_never_show_acme_data(
    mallory_client: Client, acme_crm: AcmeCrm, umbrella: Workspace, name: str
) -> None:
    CompanyFactory.create(workspace=umbrella, name="Umbrella Labs")
    response = mallory_client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    for acme_text in ("Initech", "Carol Buyer", "Initech rollout"):
        assert acme_text not in body
    searched = mallory_client.get(reverse(name), {"q": "Initech"})
    assert list(searched.context["page_obj"]) == []


def test_deal_form_refuses_another_workspaces_company_contact_and_owner(
    mallory_client: Client, acme_crm: AcmeCrm, alice: User
) -> None:
    response = mallory_client.post(
        reverse("crm:deal_create"),
        {
            "name": "Steal",
            "company": acme_crm.company.pk,
            "contacts": [acme_crm.contact.pk],
            "owner": alice.pk,
            "stage": "qualified",
            "currency": "EUR",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"company", "contacts", "owner"} <= set(errors)
    assert not Deal.objects.filter(name="Steal").exists()


def test_contact_form_refuses_another_workspaces_company(
    mallory_client: Client, acme_crm: AcmeCrm
) -> None:
    response = mallory_client.post(
        reverse("crm:contact_create"), {"first_name": "Eve", "company": acme_crm.company.pk}
    )
    assert "company" in response.context["form"].errors
    assert not Contact.objects.filter(first_name="Eve").exists()


def test_outsider_cannot_prefill_with_acme_company(
    mallory_client: Client, acme_crm: AcmeCrm
) -> None:
    for name in ("crm:deal_create", "crm:contact_create"):
        response = mallory_client.get(reverse(name), {"company": acme_crm.company.pk})
        assert response.status_code == 404


def test_deal_cannot_take_another_workspaces_product(
    bob_client: Client, acme_crm: AcmeCrm, umbrella: Workspace
) -> None:
    foreign = ProductFactory.create(workspace=umbrella, name="Umbrella vaccine")
    response = bob_client.post(
        reverse("crm:line_add_product", kwargs={"pk": acme_crm.deal.pk}),
        {"product": foreign.pk, "quantity": "1"},
    )
    assert response.status_code == 400
    assert "product" in response.context["product_form"].errors
    assert not DealLineItem.objects.filter(name="Umbrella vaccine").exists()


def test_outsider_contact_not_offered_in_deal_form(
    bob_client: Client, umbrella: Workspace, acme_crm: AcmeCrm
) -> None:
    ContactFactory.create(workspace=umbrella, first_name="Umbra", last_name="Spy")
    body = bob_client.get(reverse("crm:deal_create")).content.decode()
    assert "Carol Buyer" in body
    assert "Umbra Spy" not in body
    assert "Mallory" not in body
