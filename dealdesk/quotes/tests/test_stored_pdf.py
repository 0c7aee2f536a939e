"""A published quote's PDF is rendered once per edition and served from the database after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.lib import clock
from dealdesk.quotes import pdf, services
from dealdesk.quotes.models import Quote, QuoteStatus, StoredQuotePdf
from dealdesk.quotes.selectors import QuoteDocument
from dealdesk.quotes.tests.pdftext import pdf_inflated
from dealdesk.workspaces.models import User

pytestmark = pytest.mark.django_db


class RenderSpy:
    """Counts real renders: wraps pdf.quote_pdf for the test, renders for real."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.renders = 0
        self._render = pdf.quote_pdf
        monkeypatch.setattr(pdf, "quote_pdf", self)

    def __call__(self, doc: QuoteDocument) -> bytes:
        self.renders += 1
        return self._render(doc)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> RenderSpy:
    return RenderSpy(monkeypatch)


def _buyer_pdf(quote: Quote) -> bytes:
    response = Client().get(reverse("quotes:public_pdf", kwargs={"token": quote.token}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body: bytes = response.content
    return body


def test_item5_second_download_serves_the_stored_pdf(published: Quote, spy: RenderSpy) -> None:
    first = _buyer_pdf(published)
    second = _buyer_pdf(published)

    assert spy.renders == 1
    assert second == first
    stored = StoredQuotePdf.objects.get()
    assert bytes(stored.pdf) == first
    assert (stored.version, stored.language, stored.status) == (1, "en", "published")


def test_item5_seller_download_of_a_published_quote_uses_the_stored_pdf(
    published: Quote, bob_client: Client, spy: RenderSpy
) -> None:
    buyers = _buyer_pdf(published)

    response = bob_client.get(reverse("quotes:pdf", kwargs={"pk": published.pk}))

    assert response.content == buyers
    assert spy.renders == 1


def test_item5_draft_pdf_is_rendered_every_time_and_not_stored(
    draft: Quote, bob_client: Client, spy: RenderSpy
) -> None:
    url = reverse("quotes:pdf", kwargs={"pk": draft.pk})

    bob_client.get(url)
    services.quote_update_notes(quote=draft, comments="Now with a comment", terms="")
    bob_client.get(url)

    assert spy.renders == 2
    assert not StoredQuotePdf.objects.exists()


def test_item5_new_version_renders_anew_and_drops_the_old_file(
    published: Quote, bob: User, spy: RenderSpy
) -> None:
    _buyer_pdf(published)
    services.quote_recall(quote=published, user=bob)
    republished = services.quote_publish(quote=Quote.objects.get(pk=published.pk), user=bob)

    _buyer_pdf(republished)
    _buyer_pdf(republished)

    assert republished.version == 2
    assert spy.renders == 2
    assert list(StoredQuotePdf.objects.values_list("version", flat=True)) == [2]


def test_item5_german_and_english_are_stored_apart(published: Quote, spy: RenderSpy) -> None:
    english = _buyer_pdf(published)
    Quote.objects.filter(pk=published.pk).update(language="de")

    german = _buyer_pdf(published)
    _buyer_pdf(published)

    assert spy.renders == 2
    assert sorted(StoredQuotePdf.objects.values_list("language", flat=True)) == ["de", "en"]
    assert any(b"/Lang (en)" in chunk for chunk in pdf_inflated(english))
    assert any(b"/Lang (de)" in chunk for chunk in pdf_inflated(german))


def test_item5_stored_pdf_follows_the_quote_into_expiry_and_acceptance(
    published: Quote, spy: RenderSpy
) -> None:
    _buyer_pdf(published)
    Quote.objects.filter(pk=published.pk).update(signature_required=True)
    services.quote_accept(quote=published, name="Carol Meier", ip=None)
    _buyer_pdf(published)
    Quote.objects.filter(pk=published.pk).update(expires_at=clock.utcnow() - timedelta(days=1))
    _buyer_pdf(published)

    assert spy.renders == 3
    assert set(StoredQuotePdf.objects.values_list("status", "is_expired")) == {
        (QuoteStatus.PUBLISHED, False),
        (QuoteStatus.ACCEPTED, False),
        (QuoteStatus.ACCEPTED, True),
    }


def test_item5_concurrent_first_downloads_serve_the_row_that_got_in(
    published: Quote, monkeypatch: pytest.MonkeyPatch
) -> None:
    render = pdf.quote_pdf

    def render_while_another_worker_stores(doc: QuoteDocument) -> bytes:
        # Another worker finishes the same edition while this one renders.
        StoredQuotePdf.objects.create(
            quote=doc.quote,
            version=doc.quote.version,
            language=doc.quote.language,
            status=doc.quote.status,
            is_expired=doc.is_expired,
            expires_at=doc.quote.expires_at,
            pdf=b"%PDF-the other worker's file",
        )
        return render(doc)

    monkeypatch.setattr(pdf, "quote_pdf", render_while_another_worker_stores)

    body = _buyer_pdf(published)

    assert body == b"%PDF-the other worker's file"
    assert StoredQuotePdf.objects.count() == 1


def test_item5_stored_download_runs_no_render_and_few_queries(
    published: Quote, spy: RenderSpy, django_assert_max_num_queries: object
) -> None:
    _buyer_pdf(published)

    with django_assert_max_num_queries(4):  # type: ignore[operator]
        _buyer_pdf(published)

    assert spy.renders == 1


def test_item5_logo_changed_after_publishing_leaves_the_stored_pdf_as_it_was(
    published: Quote, spy: RenderSpy
) -> None:
    from dealdesk.workspaces.services import workspace_logo_set
    from dealdesk.workspaces.tests.test_logo import image_file

    before = _buyer_pdf(published)
    workspace_logo_set(
        workspace=published.workspace, data=image_file((37, 23), "PNG"), content_type="image/png"
    )

    assert _buyer_pdf(published) == before  # what the buyer downloaded stays the document
    assert spy.renders == 1
