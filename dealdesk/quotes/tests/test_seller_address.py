"""The seller's postal address and VAT number: set in workspace settings, printed on quotes.

Publishing freezes them with the rest of the seller block, like the buyer's details.
"""

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.quotes import pdf, selectors
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import published_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

SETTINGS = {
    "name": "Acme GmbH",
    "address_line1": "Torstraße 1",
    "address_line2": "",
    "postal_code": "10119",
    "city": "Berlin",
    "country": "Germany",
    "vat_number": "DE123456789",
}


def _set_address(workspace: Workspace, **fields: str) -> None:
    for name, value in {**SETTINGS, **fields}.items():
        setattr(workspace, name, value)
    workspace.save()


def test_item16_admin_saves_address_and_vat_number_in_settings(
    alice_client: Client, acme: Workspace
) -> None:
    response = alice_client.post(reverse("workspaces:settings"), SETTINGS)

    assert response.status_code == 302
    acme.refresh_from_db()
    assert (acme.address_line1, acme.postal_code, acme.city) == ("Torstraße 1", "10119", "Berlin")
    assert acme.vat_number == "DE123456789"
    page = alice_client.get(reverse("workspaces:settings")).content.decode()
    assert 'value="DE123456789"' in page


def test_item16_seller_sees_the_address_but_cannot_change_it(
    bob_client: Client, acme: Workspace
) -> None:
    _set_address(acme)

    page = bob_client.get(reverse("workspaces:settings")).content.decode()
    response = bob_client.post(reverse("workspaces:settings"), {**SETTINGS, "vat_number": "X"})

    assert "Torstraße 1<br>" in page
    assert "DE123456789" in page
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.vat_number == "DE123456789"


def test_item16_seller_block_of_a_draft_shows_the_current_address(
    bob_client: Client, acme: Workspace, draft: Quote
) -> None:
    _set_address(acme)

    preview = bob_client.get(reverse("quotes:preview", kwargs={"pk": draft.pk})).content.decode()
    detail = bob_client.get(reverse("quotes:detail", kwargs={"pk": draft.pk})).content.decode()

    for page in (preview, detail):
        assert "Torstraße 1<br>10119 Berlin<br>Germany</address>" in page
        assert "VAT number: DE123456789" in page


def test_item16_published_quote_keeps_the_address_it_was_published_with(
    acme: Workspace, deal: Deal, bob: User
) -> None:
    _set_address(acme)
    quote = published_quote(deal, bob)
    _set_address(acme, address_line1="Neue Straße 9", vat_number="DE999999999")

    page = Client().get(reverse("quotes:public", kwargs={"token": quote.token})).content.decode()
    html = pdf.quote_html(selectors.quote_document(quote=quote))

    for text in (page, html):
        assert "Torstraße 1<br>10119 Berlin<br>Germany" in text
        assert "DE123456789" in text
        assert "Neue Straße" not in text
        assert "DE999999999" not in text


def test_item16_address_and_vat_number_are_escaped_on_page_and_pdf(
    acme: Workspace, deal: Deal, bob: User
) -> None:
    _set_address(acme, address_line1="<script>alert(1)</script>", vat_number="<b>DE1</b>")
    quote = published_quote(deal, bob)

    page = Client().get(reverse("quotes:public", kwargs={"token": quote.token})).content.decode()
    html = pdf.quote_html(selectors.quote_document(quote=quote))

    for text in (page, html):
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "&lt;b&gt;DE1&lt;/b&gt;" in text


def test_item16_quote_without_seller_address_prints_no_empty_address(published: Quote) -> None:
    page = Client().get(reverse("quotes:public", kwargs={"token": published.token}))

    assert "VAT number" not in page.content.decode()
    assert published.seller_snapshot["address"] == []
