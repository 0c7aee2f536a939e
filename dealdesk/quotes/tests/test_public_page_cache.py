"""The buyer's document is rendered once per published edition, and shows every change
a published quote can still go through (accept, expiry, logo) at once."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from dealdesk.lib import clock
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote
from dealdesk.workspaces.models import User, Workspace, WorkspaceLogo

pytestmark = pytest.mark.django_db

DOCUMENT = "quotes/includes/document.html"


def _document_renders(quote: Quote, views: int) -> int:
    names: list[str] = []

    def record(sender: object, template: object, **kwargs: object) -> None:
        names.append(getattr(template, "name", ""))

    template_rendered.connect(record)
    try:
        for _ in range(views):
            assert Client().get(reverse("quotes:public", args=[quote.token])).status_code == 200
    finally:
        template_rendered.disconnect(record)
    return names.count(DOCUMENT)


def test_published_document_is_rendered_once_for_many_views(published: Quote) -> None:
    assert _document_renders(published, views=3) == 1


def test_cached_document_shows_the_acceptance_at_once(draft: Quote, bob: User) -> None:
    services.quote_update_payment(
        quote=draft, payment_enabled=False, collect_billing_address=False, signature_required=True
    )
    published = services.quote_publish(quote=draft, user=bob)
    client = Client()
    url = reverse("quotes:public", args=[published.token])
    assert "Accepted by" not in client.get(url).content.decode()

    services.quote_accept(quote=published, name="Carol Meier", ip="127.0.0.1")

    assert "Accepted by Carol Meier" in client.get(url).content.decode()


def test_r13_cached_document_shows_expiry_once_the_date_passed(published: Quote) -> None:
    client = Client()
    url = reverse("quotes:public", args=[published.token])
    assert "This quote expired" not in client.get(url).content.decode()

    later = published.expires_at + timedelta(days=1)
    with mock.patch.object(clock, "utcnow", return_value=later):
        assert "This quote expired" in client.get(url).content.decode()


def test_cached_document_shows_a_new_logo_at_once(published: Quote, acme: Workspace) -> None:
    client = Client()
    url = reverse("quotes:public", args=[published.token])
    assert "quote-logo" not in client.get(url).content.decode()

    WorkspaceLogo.objects.create(workspace=acme, content_type="image/png", data=b"\x89PNG logo")

    assert "quote-logo" in client.get(url).content.decode()
