"""The quote as a PDF, for buyer and seller, with the same content as the page."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.quotes import pdf, selectors
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import deal_with_lines, published_quote
from dealdesk.quotes.tests.pdftext import pdf_inflated, pdf_titles
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def _assert_pdf(response: object, title: str) -> bytes:
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"  # type: ignore[index]
    assert "attachment;" in response["Content-Disposition"]  # type: ignore[index]
    body: bytes = response.content  # type: ignore[attr-defined]
    assert body.startswith(b"%PDF-")
    assert len(body) > 5_000
    assert any(title in found for found in pdf_titles(body))
    return body


def test_buyer_downloads_the_quote_as_pdf(published: Quote) -> None:
    response = Client().get(reverse("quotes:public_pdf", kwargs={"token": published.token}))

    _assert_pdf(response, "Growth rollout")
    assert "q-0001-growth-rollout.pdf" in response["Content-Disposition"]


def test_seller_downloads_a_draft_as_pdf(bob_client: Client, draft: Quote) -> None:
    response = bob_client.get(reverse("quotes:pdf", kwargs={"pk": draft.pk}))

    _assert_pdf(response, "Growth rollout")
    assert "draft-growth-rollout.pdf" in response["Content-Disposition"]


def test_pdf_downloads_are_not_counted_as_views(published: Quote) -> None:
    Client().get(reverse("quotes:public_pdf", kwargs={"token": published.token}))

    published.refresh_from_db()
    assert published.view_count == 0


def test_german_pdf_keeps_umlauts_and_german_amounts(bob: User, acme: Workspace) -> None:
    deal = deal_with_lines(acme, lines=[("Schulung", 1, 123_456, "", None, 0)])
    quote = published_quote(deal, bob, language="de", title="Angebot für Größe & Maß")

    body = _assert_pdf(
        Client().get(reverse("quotes:public_pdf", kwargs={"token": quote.token})),
        "Angebot für Größe & Maß",
    )

    html = pdf.quote_html(selectors.quote_document(quote=quote))
    assert "1.234,56\xa0€" in html
    assert '<html lang="de">' in html
    assert any(b"DejaVu-Sans" in chunk for chunk in pdf_inflated(body))  # covers German


def test_pdf_has_the_same_content_as_the_page(published: Quote) -> None:
    page = Client().get(reverse("quotes:public", kwargs={"token": published.token}))
    html = pdf.quote_html(selectors.quote_document(quote=published))

    for text in ("Onboarding workshop", "Growth plan", "€1,457.75 / month", "€3,242.75"):
        assert text in page.content.decode()
        assert text in html


def test_item5_public_pdf_is_rate_limited_per_client_address(
    published: Quote, settings: Any
) -> None:
    settings.RATELIMITS = {**settings.RATELIMITS, "public_pdf_ip": "2/10m"}
    url = reverse("quotes:public_pdf", kwargs={"token": published.token})
    other_client = Client(REMOTE_ADDR="203.0.113.9")

    first, second, third = (Client().get(url) for _ in range(3))

    assert [first.status_code, second.status_code] == [200, 200]
    assert third.status_code == 429
    assert int(third["Retry-After"]) > 0
    assert re.fullmatch(r"Too many attempts\. Try again in \d+ minutes?\.", third.content.decode())
    assert other_client.get(url).status_code == 200
