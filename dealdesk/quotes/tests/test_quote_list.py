"""The seller's list of quotes: in the navigation, with status filter, search and pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.factories import CompanyFactory, ContactFactory
from dealdesk.lib import clock
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import deal_with_lines, draft_quote, published_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

LIST = reverse("quotes:list")


def _page(client: Client, **params: str) -> str:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response.content.decode()


def test_item10_quotes_are_in_the_main_navigation(bob_client: Client, draft: Quote) -> None:
    deals = bob_client.get(reverse("crm:deal_list")).content.decode()
    quotes = _page(bob_client)
    detail = bob_client.get(reverse("quotes:detail", kwargs={"pk": draft.pk})).content.decode()

    assert f'href="{LIST}" data-nav-item="quotes">' in deals
    assert f'href="{LIST}" data-nav-item="quotes" aria-current="page">' in quotes
    assert f'href="{LIST}" data-nav-item="quotes" aria-current="page">' in detail
    assert 'data-nav-item="deals" aria-current="page"' not in quotes


def test_item10_list_shows_number_company_amount_owner_status_and_expiry(
    bob_client: Client, published: Quote
) -> None:
    page = _page(bob_client)

    assert "Q-0001" in page
    assert "Growth rollout" in page
    assert "Globex GmbH" in page
    # Like the deal list: one-time 1,500.00 + 19 % tax, then 25 x 49.00 + 19 % tax a month
    assert "€1,785.00" in page
    assert "€1,457.75" in page and "month" in page
    assert "Bob Example" in page
    assert '<span class="badge badge-info">Published</span>' in page
    assert published.expires_on.strftime("%b") in page


def test_item10_published_amount_and_company_are_the_frozen_ones(
    bob_client: Client, published: Quote
) -> None:
    company = published.company
    assert company is not None
    company.name = "Renamed Inc"
    company.save()
    published.lines.update(unit_amount_minor=1)

    page = _page(bob_client)

    assert "Globex GmbH" in page
    assert "Renamed Inc" not in page
    assert "€1,785.00" in page


def test_item10_status_filter_computes_expired_on_read(
    bob_client: Client, deal: Deal, bob: User
) -> None:
    then = clock.utcnow() - timedelta(days=40)
    expired = published_quote(deal, bob, now=then, title="Old offer")
    live = published_quote(deal, bob, title="Live offer")
    draft = draft_quote(deal, bob, title="Unfinished offer")

    only_expired = _page(bob_client, status="expired")
    only_published = _page(bob_client, status="published")
    only_drafts = _page(bob_client, status="draft")
    everything = _page(bob_client)

    assert "Old offer" in only_expired and "Live offer" not in only_expired
    assert '<span class="badge badge-danger">Expired</span>' in only_expired
    assert "Live offer" in only_published and "Old offer" not in only_published
    assert "Unfinished offer" in only_drafts and "Live offer" not in only_drafts
    for quote in (expired, live, draft):
        assert quote.title in everything


def test_item10_unknown_status_shows_every_quote(bob_client: Client, draft: Quote) -> None:
    assert draft.title in _page(bob_client, status="<nonsense>")


@pytest.mark.parametrize(
    "query", ["Q-0001", "q1", "rollout", "globex", "carol meier", "carol@globex"]
)
def test_item10_search_by_number_title_company_and_contact(
    bob_client: Client, published: Quote, bob: User, acme: Workspace, query: str
) -> None:
    other_company = CompanyFactory.create(workspace=acme, name="Initech")
    other_contact = ContactFactory.create(
        workspace=acme, first_name="Peter", last_name="Gibbons", email="peter@initech.example"
    )
    other_deal = deal_with_lines(acme, name="Printers")
    other = draft_quote(other_deal, bob, title="Unrelated")
    services.quote_update_parties(
        quote=other,
        company=other_company,
        contacts=[other_contact],
        seller_name="Bob",
        seller_email="bob@acme.example",
        seller_phone="",
    )

    page = _page(bob_client, q=query)

    assert "Growth rollout" in page
    assert "Unrelated" not in page


@pytest.mark.parametrize("query", ["printer fleet", "initech"])
def test_item10_search_finds_a_draft_by_its_deal_and_its_company_as_they_are_now(
    bob_client: Client, bob: User, acme: Workspace, query: str
) -> None:
    company = CompanyFactory.create(workspace=acme, name="Initech")
    draft = draft_quote(deal_with_lines(acme, name="Printer fleet"), bob, title="Untitled")
    services.quote_update_parties(
        quote=draft,
        company=company,
        contacts=[],
        seller_name="Bob",
        seller_email="bob@acme.example",
        seller_phone="",
    )
    draft_quote(deal_with_lines(acme, name="Scanners"), bob, title="Unrelated scanners")

    page = _page(bob_client, q=query)

    assert "Untitled" in page
    assert "Unrelated scanners" not in page


def test_item10_search_keeps_one_row_per_quote_with_several_matching_contacts(
    bob_client: Client, draft: Quote, acme: Workspace
) -> None:
    carols = [ContactFactory.create(workspace=acme, first_name="Carol") for _ in range(3)]
    draft.contacts.add(*carols)

    page = _page(bob_client, q="carol")

    assert page.count(f'href="/quotes/{draft.pk}/"') == 1


def test_item10_no_match_explains_itself(bob_client: Client, draft: Quote) -> None:
    page = _page(bob_client, q="zzz-nothing")

    assert "No quotes match" in page


def test_item10_list_is_paginated_and_keeps_filters(
    bob_client: Client, acme: Workspace, bob: User
) -> None:
    deal = deal_with_lines(acme, lines=[("Seat", 1, 1_000, "", None, 0)])
    for number in range(27):
        draft_quote(deal, bob, title=f"Offer {number:02d}")

    first = _page(bob_client, status="draft")
    second = _page(bob_client, status="draft", page="2")

    assert "Page 1 of 2" in first
    assert "?status=draft&amp;page=2" in first
    assert second.count("Offer ") == 2


def test_item10_query_count_does_not_grow_with_rows(
    bob_client: Client,
    acme: Workspace,
    bob: User,
    django_assert_max_num_queries: object,
) -> None:
    deal = deal_with_lines(acme)
    published_quote(deal, bob)
    draft_quote(deal, bob)
    with CaptureQueriesContext(connection) as few:
        _page(bob_client)

    for _ in range(10):
        published_quote(deal, bob)
        draft_quote(deal, bob)
    with django_assert_max_num_queries(len(few.captured_queries)):  # type: ignore[operator]
        page = _page(bob_client)

    assert page.count("badge-info") == 11


def test_item10_outsider_sees_none_of_our_quotes(
    mallory_client: Client, published: Quote, draft: Quote
) -> None:
    page = _page(mallory_client)
    searched = _page(mallory_client, q="Q-0001")

    assert "Growth rollout" not in page
    assert "No quotes yet" in page
    assert "Growth rollout" not in searched
