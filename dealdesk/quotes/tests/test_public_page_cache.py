"""The buyer's page served from the shared cache: rendered once per edition, yet every
visitor gets their own CSRF token, and whatever the page shows that can still change
(acceptance, expiry, logo, the Stripe account, the company's address) shows at once.
Visits are counted in Redis and reach the quote through one flush per burst."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.lib import clock
from dealdesk.payments.models import ConnectionStatus, StripeConnection
from dealdesk.quotes import page_cache, services, visits
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import draft_quote, ready_stripe
from dealdesk.workspaces.models import User, Workspace, WorkspaceLogo

pytestmark = pytest.mark.django_db

TOKEN_IN_PAGE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _url(quote: Quote) -> str:
    return reverse("quotes:public", kwargs={"token": quote.token})


def _publish(deal: Deal, bob: User, *, payment: bool = False, signature: bool = False) -> Quote:
    quote = draft_quote(deal, bob)
    services.quote_update_payment(
        quote=quote,
        payment_enabled=payment,
        collect_billing_address=payment,
        signature_required=signature,
    )
    return services.quote_publish(quote=quote, user=bob)


def _page(client: Client, quote: Quote) -> str:
    response = client.get(_url(quote))
    assert response.status_code == 200
    return response.content.decode()


def _page_queries(quote: Quote) -> int:
    with CaptureQueriesContext(connection) as context:
        _page(Client(), quote)
    return len(context.captured_queries)


def test_every_visitor_gets_their_own_csrf_token_in_a_cached_page(
    deal: Deal, bob: User, settings: Any
) -> None:
    settings.TASKS = DUMMY_TASKS
    quote = _publish(deal, bob, signature=True)
    carol, dave = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)

    first, second = _page(carol, quote), _page(dave, quote)

    assert _page_queries(quote) == 1  # served from the cache
    assert page_cache.csrf_placeholder() not in first + second
    tokens = TOKEN_IN_PAGE.findall(first), TOKEN_IN_PAGE.findall(second)
    assert tokens[0] and tokens[1] and tokens[0] != tokens[1]
    assert f'"X-CSRFToken": "{tokens[1][0]}"' in second  # htmx's header too
    accept = reverse("quotes:public_accept", kwargs={"token": quote.token})
    signed = dave.post(
        accept,
        {"full_name": "Dave Buyer", "agree": "on", "csrfmiddlewaretoken": tokens[1][0]},
    )
    assert signed.status_code == 302  # the token in the cached page is dave's own


def test_a_forged_token_from_another_visitors_page_is_refused(deal: Deal, bob: User) -> None:
    quote = _publish(deal, bob, signature=True)
    carol, mallory = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    carols_token = TOKEN_IN_PAGE.findall(_page(carol, quote))[0]
    _page(mallory, quote)

    forged = mallory.post(
        reverse("quotes:public_accept", kwargs={"token": quote.token}),
        {"full_name": "Mallory", "agree": "on", "csrfmiddlewaretoken": carols_token + "x"},
    )

    assert forged.status_code == 403


def test_the_thank_you_message_is_shown_then_the_cached_page_serves_again(
    deal: Deal, bob: User
) -> None:
    quote = _publish(deal, bob, signature=True)
    buyer = Client()
    _page(buyer, quote)
    accept = reverse("quotes:public_accept", kwargs={"token": quote.token})

    after = buyer.post(accept, {"full_name": "Carol Buyer", "agree": "on"}, follow=True)
    again = _page(buyer, quote)

    assert "Thank you! You have accepted this quote." in after.content.decode()
    assert "Thank you! You have accepted this quote." not in again
    assert "Accepted" in again


def test_recall_takes_the_cached_page_down(deal: Deal, bob: User) -> None:
    quote = _publish(deal, bob)
    _page(Client(), quote)

    services.quote_recall(quote=quote, user=bob)

    assert Client().get(_url(quote)).status_code == 404


def test_r4_purchase_leaves_the_cached_page_when_the_account_stops_taking_payments(
    deal: Deal, bob: User, acme: Workspace
) -> None:
    ready_stripe(acme)
    quote = _publish(deal, bob, payment=True)
    assert 'id="purchase"' in _page(Client(), quote)

    StripeConnection.objects.filter(workspace=acme).update(status=ConnectionStatus.REVOKED)

    assert 'id="purchase"' not in _page(Client(), quote)


def test_r13_a_cached_page_turns_expired_when_the_day_passes(
    deal: Deal, bob: User, acme: Workspace
) -> None:
    ready_stripe(acme)
    quote = _publish(deal, bob, payment=True)
    assert 'id="purchase"' in _page(Client(), quote)

    Quote.objects.filter(pk=quote.pk).update(expires_at=clock.utcnow() - timedelta(seconds=1))

    html = _page(Client(), quote)
    assert 'id="purchase"' not in html
    assert "This quote expired on" in html


def test_the_purchase_dialog_prefills_the_companys_current_address(
    deal: Deal, bob: User, acme: Workspace
) -> None:
    ready_stripe(acme)
    quote = _publish(deal, bob, payment=True)
    _page(Client(), quote)
    company = deal.company
    assert company is not None
    company.address_line1 = "Neue Straße 7"
    company.save()

    assert "Neue Straße 7" in _page(Client(), quote)


def test_a_new_logo_shows_on_the_cached_page(deal: Deal, bob: User, acme: Workspace) -> None:
    quote = _publish(deal, bob)
    assert "data:image/png;base64" not in _page(Client(), quote)

    WorkspaceLogo.objects.create(workspace=acme, content_type="image/png", data=b"\x89PNG")

    assert "data:image/png;base64,iVBORw==" in _page(Client(), quote)


# --- The document inside the page ------------------------------------------------------------

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


# --- Visits ------------------------------------------------------------------------------------


def test_a_burst_of_visits_queues_one_flush_that_writes_them_all(
    deal: Deal, bob: User, settings: Any
) -> None:
    from django_tasks import default_task_backend

    settings.TASKS = DUMMY_TASKS
    quote = _publish(deal, bob)
    other = _publish(deal, bob)

    for _ in range(3):
        _page(Client(), quote)
    _page(Client(), other)

    queued = default_task_backend.results  # type: ignore[attr-defined]
    assert [result.task.name for result in queued] == ["quote_visits_flush"]
    quote.refresh_from_db()
    assert quote.view_count == 0  # not yet flushed

    assert visits.visits_flush() == 2
    quote.refresh_from_db()
    other.refresh_from_db()
    assert (quote.view_count, other.view_count) == (3, 1)
    assert quote.first_viewed_at is not None and quote.last_viewed_at is not None
    assert visits.visits_flush() == 0  # nothing counted twice


def test_a_visit_after_the_flush_began_queues_the_next_flush(
    deal: Deal, bob: User, settings: Any
) -> None:
    from django_tasks import default_task_backend

    settings.TASKS = DUMMY_TASKS
    quote = _publish(deal, bob)
    _page(Client(), quote)
    visits.visits_flush()

    _page(Client(), quote)

    assert len(default_task_backend.results) == 2  # type: ignore[attr-defined]
    visits.visits_flush()
    quote.refresh_from_db()
    assert quote.view_count == 2


def test_earlier_first_and_later_last_visits_win_across_flushes(published: Quote) -> None:
    now = clock.utcnow()
    visits.visit_record(quote_id=published.pk, now=now)
    visits.visit_record(quote_id=published.pk, now=now - timedelta(days=1))
    visits.visit_record(quote_id=published.pk, now=now - timedelta(hours=1))

    published.refresh_from_db()
    assert published.view_count == 3
    assert published.first_viewed_at == now - timedelta(days=1)
    assert published.last_viewed_at == now


def test_the_page_is_served_and_the_visit_counted_when_redis_is_down(
    published: Quote, settings: Any
) -> None:
    settings.CACHES = {
        alias: {**config, "LOCATION": "redis://127.0.0.1:9/0"}  # nothing listens there
        for alias, config in settings.CACHES.items()
    }

    html = _page(Client(), published)

    assert published.title in html
    published.refresh_from_db()
    assert published.view_count == 1
