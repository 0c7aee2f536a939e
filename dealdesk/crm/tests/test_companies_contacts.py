"""Companies and contacts: create, edit, search, paginate, delete without breaking deals."""

from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Company, Contact, Deal
from dealdesk.crm.tests.conftest import AcmeCrm
from dealdesk.factories import CompanyFactory, ContactFactory
from dealdesk.workspaces.listing import PER_PAGE
from dealdesk.workspaces.models import Workspace


def test_seller_creates_a_company(bob_client: Client, acme: Workspace) -> None:
    response = bob_client.post(
        reverse("crm:company_create"),
        {"name": "Globex", "domain": "globex.example", "city": "Hamburg", "country": "Germany"},
    )
    company = Company.objects.get(name="Globex")
    assert company.workspace == acme
    assert response["Location"] == reverse("crm:company_detail", kwargs={"pk": company.pk})
    page = bob_client.get(response["Location"]).content.decode()
    assert "globex.example" in page and "Hamburg" in page


def test_company_needs_a_name(bob_client: Client) -> None:
    response = bob_client.post(reverse("crm:company_create"), {"name": ""})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


def test_seller_edits_a_company(bob_client: Client, acme_crm: AcmeCrm) -> None:
    url = reverse("crm:company_edit", kwargs={"pk": acme_crm.company.pk})
    assert "Initech" in bob_client.get(url).content.decode()
    bob_client.post(url, {"name": "Initech AG", "city": "Munich"})
    acme_crm.company.refresh_from_db()
    assert (acme_crm.company.name, acme_crm.company.city) == ("Initech AG", "Munich")


def test_company_list_shows_contact_count_and_searches(
    bob_client: Client, acme_crm: AcmeCrm, acme: Workspace
) -> None:
    CompanyFactory.create(workspace=acme, name="Globex", domain="globex.example")
    ContactFactory.create(workspace=acme, company=acme_crm.company)
    response = bob_client.get(reverse("crm:company_list"))
    rows = {c.name: c.contact_count for c in response.context["page_obj"]}
    assert rows == {"Initech": 2, "Globex": 0}
    found = bob_client.get(reverse("crm:company_list"), {"q": "globex.ex"})
    assert [c.name for c in found.context["page_obj"]] == ["Globex"]


def test_company_list_paginates(bob_client: Client, acme: Workspace) -> None:
    CompanyFactory.create_batch(PER_PAGE + 2, workspace=acme)
    first = bob_client.get(reverse("crm:company_list"))
    assert len(first.context["page_obj"]) == PER_PAGE
    assert "Page 1 of 2" in first.content.decode()
    second = bob_client.get(reverse("crm:company_list"), {"page": 2})
    assert len(second.context["page_obj"]) == 2


def test_deleting_a_company_keeps_its_deals_and_contacts(
    bob_client: Client, acme_crm: AcmeCrm
) -> None:
    url = reverse("crm:company_delete", kwargs={"pk": acme_crm.company.pk})
    confirm = bob_client.get(url).content.decode()
    assert "1 deal keeps working" in confirm
    response = bob_client.post(url)
    assert response["Location"] == reverse("crm:company_list")
    assert not Company.objects.filter(pk=acme_crm.company.pk).exists()
    deal = Deal.objects.get(pk=acme_crm.deal.pk)
    assert deal.company is None
    assert Contact.objects.get(pk=acme_crm.contact.pk).company is None
    assert bob_client.get(reverse("crm:deal_detail", kwargs={"pk": deal.pk})).status_code == 200


def test_seller_creates_a_contact_at_a_company(bob_client: Client, acme_crm: AcmeCrm) -> None:
    form_page = bob_client.get(reverse("crm:contact_create"), {"company": acme_crm.company.pk})
    assert form_page.context["form"].initial["company"] == acme_crm.company
    response = bob_client.post(
        reverse("crm:contact_create"),
        {
            "first_name": "Dave",
            "last_name": "Doe",
            "email": "dave@initech.example",
            "job_title": "CTO",
            "company": acme_crm.company.pk,
        },
    )
    contact = Contact.objects.get(first_name="Dave")
    assert contact.company == acme_crm.company
    page = bob_client.get(response["Location"]).content.decode()
    assert "dave@initech.example" in page and "CTO" in page


def test_contact_email_is_validated(bob_client: Client) -> None:
    response = bob_client.post(
        reverse("crm:contact_create"), {"first_name": "Dave", "email": "not-an-email"}
    )
    assert "email" in response.context["form"].errors


def test_seller_edits_a_contact(bob_client: Client, acme_crm: AcmeCrm) -> None:
    url = reverse("crm:contact_edit", kwargs={"pk": acme_crm.contact.pk})
    bob_client.post(url, {"first_name": "Carol", "last_name": "Buyer", "job_title": "CEO"})
    acme_crm.contact.refresh_from_db()
    assert acme_crm.contact.job_title == "CEO"
    assert acme_crm.contact.company is None  # left empty in the form


def test_contact_list_searches_name_email_and_company(
    bob_client: Client, acme_crm: AcmeCrm, acme: Workspace
) -> None:
    ContactFactory.create(
        workspace=acme, first_name="Zed", last_name="Other", email="zed@other.example"
    )
    url = reverse("crm:contact_list")
    page = bob_client.get(url).content.decode()
    assert "Carol Buyer" in page and "CFO" in page and "Initech" in page
    for query, expected in [("zed@", ["Zed"]), ("initech", ["Carol"]), ("buyer", ["Carol"])]:
        found = bob_client.get(url, {"q": query}).context["page_obj"]
        assert [c.first_name for c in found] == expected


def test_deleting_a_contact_keeps_the_deal(bob_client: Client, acme_crm: AcmeCrm) -> None:
    bob_client.post(reverse("crm:contact_delete", kwargs={"pk": acme_crm.contact.pk}))
    assert not Contact.objects.filter(pk=acme_crm.contact.pk).exists()
    assert list(Deal.objects.get(pk=acme_crm.deal.pk).contacts.all()) == []
