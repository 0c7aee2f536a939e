"""The buyer's page: content, language, expiry (R13), Purchase area (R9), views, queries."""

import base64
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.lib import clock
from dealdesk.quotes import selectors, services
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.quotes.pdf import quote_html
from dealdesk.quotes.tests.factories import (
    deal_with_lines,
    draft_quote,
    published_quote,
    ready_stripe,
)
from dealdesk.quotes.tests.pdftext import pdf_inflated
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def _public(quote: Quote) -> str:
    return reverse("quotes:public", kwargs={"token": quote.token})


def _has_connection(workspace: Workspace) -> bool:
    from dealdesk.payments.models import StripeConnection

    return StripeConnection.objects.for_workspace(workspace).exists()


def _payable(deal: Deal, bob: User, acme: Workspace, **fields: object) -> Quote:
    if not _has_connection(acme):
        ready_stripe(acme)
    quote = draft_quote(deal, bob, **fields)  # type: ignore[arg-type]
    services.quote_update_payment(
        quote=quote, payment_enabled=True, collect_billing_address=False, signature_required=False
    )
    return services.quote_publish(quote=quote, user=bob, now=fields.get("now"))  # type: ignore[arg-type]


def test_public_page_shows_parties_lines_grouped_and_totals(published: Quote) -> None:
    response = Client().get(_public(published))

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Acme GmbH",  # workspace
        "Growth rollout",  # title
        "Q-0001",
        "Globex GmbH",
        "Hauptstraße 12",
        "Carol Meier",
        "Bob Example",
        "bob@acme.example",
    ):
        assert text in html
    once, recurring = html.split('id="quote-group-recurring"')
    assert "Onboarding workshop" in once and "Growth plan" not in once.split("quote-group-once")[1]
    assert "Growth plan" in recurring
    assert "€1,457.75 / month" in recurring  # 25 x 49.00 + 19 % tax
    assert "€3,242.75" in html  # due today: 1,785.00 + first month 1,457.75
    assert "Then €1,457.75 per month" in html
    assert "valid until" in html


def test_recurring_every_three_months_reads_as_such(bob: User, acme: Workspace) -> None:
    deal = deal_with_lines(acme, lines=[("Quarterly review", 1, 120_000, "month", 3, 0)])
    quote = published_quote(deal, bob)

    html = Client().get(_public(quote)).content.decode()

    assert "€1,200.00 every 3 months" in html
    assert "Then €1,200.00 every 3 months" in html
    assert "Every 3 months" in html


def test_terms_comments_and_discounts_are_shown(bob: User, deal: Deal) -> None:
    quote = draft_quote(deal, bob)
    services.quote_update_notes(quote=quote, comments="Dear Carol,", terms="Payable in 14 days.")
    line = quote.lines.first()
    assert line is not None
    line.discount_kind, line.discount_value = "percent", 1000
    services.quote_lines_update(quote=quote, lines=[line])
    quote = services.quote_publish(quote=quote, user=bob)

    html = Client().get(_public(quote)).content.decode()

    assert "Dear Carol," in html
    assert "Payable in 14 days." in html
    assert "\N{MINUS SIGN}€150.00" in html
    assert "10%" in html


def test_german_quote_uses_german_number_and_date_formats(bob: User, acme: Workspace) -> None:
    deal = deal_with_lines(acme, lines=[("Beratung", 1, 123_456, "", None, 0)])
    quote = published_quote(deal, bob, language="de")

    response = Client(headers={"accept-language": "en"}).get(_public(quote))

    html = response.content.decode()
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in html
    assert "1.234,56\xa0€" in html
    month_names = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August"]
    month_names += ["September", "Oktober", "November", "Dezember"]
    expires = quote.expires_on
    assert f"{expires.day}. {month_names[expires.month - 1]} {expires.year}" in html


def test_english_quote_for_a_german_speaking_seller_stays_english(
    bob: User, bob_client: Client, published: Quote
) -> None:
    bob.language = "de"
    bob.save()

    html = Client(headers={"accept-language": "de"}).get(_public(published)).content.decode()

    assert "€3,242.75" in html


# --- Expiry and the Purchase area (R13, R9, R4) ----------------------------------------------


def test_r13_expired_quote_has_no_purchase_area(bob: User, deal: Deal, acme: Workspace) -> None:
    # The clock is injected: the quote was published 40 days ago and expired 10 days ago.
    then = clock.utcnow() - timedelta(days=40)
    quote = _payable(deal, bob, acme, now=then, expires_on=then.date() + timedelta(days=30))
    live = _payable(deal_with_lines(acme), bob, acme)

    expired_html = Client().get(_public(quote)).content.decode()
    live_html = Client().get(_public(live)).content.decode()

    assert 'id="purchase"' in live_html
    assert 'id="purchase"' not in expired_html
    assert "This quote expired on" in expired_html
    assert "contact the seller" in expired_html
    assert quote.shows_as_expired
    assert quote.status_label == "Expired"


def test_r9_purchase_area_only_with_payment_on(published: Quote) -> None:
    html = Client().get(_public(published)).content.decode()

    assert not published.payment_enabled
    assert 'id="purchase"' not in html


def test_r9_purchase_area_sits_at_the_bottom_and_shows_the_amount_due(
    bob: User, deal: Deal, acme: Workspace
) -> None:
    quote = _payable(deal, bob, acme)

    html = Client().get(_public(quote)).content.decode()

    purchase = html.split('id="purchase"')[1]
    assert "Purchase" in purchase
    assert "€3,242.75" in purchase
    assert html.index('id="purchase"') > html.index("quote-totals")


def test_r4_purchase_area_gone_when_the_stripe_account_is_revoked(
    bob: User,
    bob_client: Client,
    deal: Deal,
    acme: Workspace,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The seller removes DealDesk in Stripe: Stripe's signed webhook, processed by the
    background task, takes Purchase off the buyer's page and tells the seller (R4)."""
    from dealdesk.payments.models import StripeConnection
    from dealdesk.payments.tests.signing import deauthorized_body, post_signed

    quote = _payable(deal, bob, acme)
    account_id = StripeConnection.objects.for_workspace(acme).get().account_id
    detail = reverse("quotes:detail", kwargs={"pk": quote.pk})
    assert 'id="purchase"' in Client().get(_public(quote)).content.decode()
    assert "purchase this quote right now" not in bob_client.get(detail).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        delivered = post_signed(Client(), deauthorized_body(account_id, "evt_revoked"))

    assert delivered.status_code == 200
    buyer = Client().get(_public(quote)).content.decode()
    seller = bob_client.get(detail).content.decode()
    assert 'id="purchase"' not in buyer
    assert "purchase this quote right now" in seller


def test_paid_quote_has_no_purchase_area(bob: User, deal: Deal, acme: Workspace) -> None:
    quote = _payable(deal, bob, acme)
    quote.transition_to(QuoteStatus.PAID)
    quote.save()

    html = Client().get(_public(quote)).content.decode()

    assert 'id="purchase"' not in html
    assert "has been paid" in html


# --- Links that don't work -------------------------------------------------------------------


@pytest.mark.parametrize("mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), str.upper])
def test_tampered_token_is_a_friendly_404(published: Quote, mangle: object) -> None:
    token = mangle(published.token)  # type: ignore[operator]

    response = Client().get(reverse("quotes:public", kwargs={"token": token}))
    pdf = Client().get(reverse("quotes:public_pdf", kwargs={"token": token}))

    assert response.status_code == 404
    assert "This quote isn" in response.content.decode()
    assert published.title not in response.content.decode()
    assert pdf.status_code == 404


def test_recalled_quote_link_is_a_404(bob: User, published: Quote) -> None:
    services.quote_recall(quote=published, user=bob)

    assert Client().get(_public(published)).status_code == 404


# --- Buyer visits ----------------------------------------------------------------------------


def test_buyer_views_are_counted_but_not_the_sellers(
    bob_client: Client, mallory_client: Client, published: Quote
) -> None:
    Client().get(_public(published))
    Client().get(_public(published))
    bob_client.get(reverse("quotes:preview", kwargs={"pk": published.pk}))
    bob_client.get(_public(published))  # the seller opening their own link
    mallory_client.get(_public(published))  # someone signed in elsewhere is a buyer here

    published.refresh_from_db()
    assert published.view_count == 3
    assert published.first_viewed_at is not None
    assert published.last_viewed_at is not None
    assert published.first_viewed_at <= published.last_viewed_at
    detail = bob_client.get(reverse("quotes:detail", kwargs={"pk": published.pk}))
    assert re.search(r"<dt>Views</dt><dd class=\"num\">3</dd>", detail.content.decode())


def test_first_view_time_is_kept(published: Quote) -> None:
    first = clock.utcnow() - timedelta(days=2)
    services.quote_record_view(quote_id=published.pk, now=first)
    services.quote_record_view(quote_id=published.pk)

    published.refresh_from_db()
    assert published.first_viewed_at == first
    assert published.last_viewed_at is not None and published.last_viewed_at > first


# --- Query count -----------------------------------------------------------------------------


def _queries(url: str) -> list[str]:
    client = Client()
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_public_page_makes_the_same_queries_for_1_and_200_lines(
    bob: User, acme: Workspace, settings: Any
) -> None:
    # Visits reach the quote later, through the task worker: not part of a page view.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ready_stripe(acme)
    urls = []
    for count in (1, 200):
        lines = [
            (
                f"Item {i}",
                1 + i % 3,
                1_000 + i,
                "month" if i % 2 else "",
                1 if i % 2 else None,
                1900,
            )
            for i in range(count)
        ]
        quote = draft_quote(deal_with_lines(acme, lines=lines), bob)
        services.quote_update_payment(
            quote=quote,
            payment_enabled=True,
            collect_billing_address=True,
            signature_required=False,
        )
        quote = services.quote_publish(quote=quote, user=bob)
        urls.append(_public(quote))

    one, many = (len(_queries(url)) for url in urls)
    assert one == many
    # The stamp; rendering: the quote with workspace, company and readiness, and its lines.
    assert one <= 3

    for url in urls:  # rendered once: later views are served from the cache
        (query,) = _queries(url)
        assert "quotes_quote" in query


# --- Signature -------------------------------------------------------------------------------


def test_buyer_signs_by_typing_name_and_ticking_acceptance(bob: User, deal: Deal) -> None:
    quote = draft_quote(deal, bob)
    services.quote_update_payment(
        quote=quote, payment_enabled=False, collect_billing_address=False, signature_required=True
    )
    quote = services.quote_publish(quote=quote, user=bob)
    buyer = Client(REMOTE_ADDR="203.0.113.7")
    accept_url = reverse("quotes:public_accept", kwargs={"token": quote.token})

    page = buyer.get(_public(quote)).content.decode()
    refused = buyer.post(accept_url, {"full_name": "Carol Meier"})
    accepted = buyer.post(accept_url, {"full_name": "Carol Meier", "agree": "on"}, follow=True)

    quote.refresh_from_db()
    assert "Accept this quote" in page
    assert refused.status_code == 400
    assert quote.status == QuoteStatus.ACCEPTED
    assert (quote.accepted_name, quote.accepted_ip) == ("Carol Meier", "203.0.113.7")
    assert quote.accepted_at is not None
    assert "Accepted by Carol Meier" in accepted.content.decode()
    assert "Accept this quote" not in accepted.content.decode()


def test_no_signature_form_unless_asked_for(published: Quote) -> None:
    response = Client().post(
        reverse("quotes:public_accept", kwargs={"token": published.token}),
        {"full_name": "Carol", "agree": "on"},
    )

    published.refresh_from_db()
    assert response.status_code == 302
    assert published.status == QuoteStatus.PUBLISHED


def _pdf_images(body: bytes) -> list[bytes]:
    """The /Width and /Height of every image XObject in a PDF (its streams inflated)."""
    return [
        match.group(1)
        for chunk in pdf_inflated(body)
        for match in re.finditer(rb"/Subtype\s*/Image\s*(/Width\s*\d+\s*/Height\s*\d+)", chunk)
    ]


def test_workspace_logo_is_on_the_buyers_page_and_pdf(published: Quote, bob: User) -> None:
    from dealdesk.workspaces.services import workspace_logo_set
    from dealdesk.workspaces.tests.test_logo import image_file

    url = reverse("quotes:public", args=[published.token])
    pdf_url = reverse("quotes:public_pdf", args=[published.token])
    assert "quote-monogram" in Client().get(url).content.decode()
    assert _pdf_images(Client().get(pdf_url).content) == []  # the monogram is text

    logo = image_file((37, 23), "PNG")
    workspace_logo_set(workspace=published.workspace, data=logo, content_type="image/png")
    services.quote_recall(quote=published, user=bob)  # a new version: a new PDF
    published = services.quote_publish(quote=Quote.objects.get(pk=published.pk), user=bob)

    page = Client().get(url).content.decode()
    data_uri = "data:image/png;base64," + base64.b64encode(logo).decode()
    assert data_uri in page
    assert "quote-monogram" not in page
    assert data_uri in quote_html(selectors.quote_document(quote=published))
    body = Client().get(pdf_url).content
    assert _pdf_images(body) == [b"/Width 37/Height 23"]
