"""Issue item 2: the wizard's line-items step answers tampered or stale rows with a form error.

Every case starts from the rows as the page renders them, changes what a stale
tab or a hand-made request would, and posts: the answer is a 400 page that
says what happened (never a 500), and no line of any quote changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.catalog.tests.formhtml import form_fields
from dealdesk.crm.models import Deal
from dealdesk.quotes.models import Quote, QuoteLine
from dealdesk.quotes.tests.factories import deal_with_lines, draft_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

STALE = "The line items changed since this page was loaded"


def _url(quote: Quote) -> str:
    return reverse("quotes:step", kwargs={"pk": quote.pk, "step": "lines"})


def _rows(client: Client, quote: Quote) -> dict[str, Any]:
    page = client.get(_url(quote)).content.decode()
    return {**form_fields(page, "form-TOTAL_FORMS"), "go": "stay"}


def _snapshot() -> list[dict[str, Any]]:
    return [dict(row) for row in QuoteLine.objects.order_by("pk").values()]


def _assert_refused(response: Any, before: list[dict[str, Any]], text: str = STALE) -> None:
    assert response.status_code == 400
    assert text in response.content.decode()
    assert _snapshot() == before


@pytest.fixture
def other_quote(deal: Deal, bob: User) -> Quote:
    return draft_quote(deal, bob, title="Second quote")


@pytest.fixture
def foreign_quote(mallory: User) -> Quote:
    workspace = mallory.membership.workspace
    assert isinstance(workspace, Workspace)
    return draft_quote(deal_with_lines(workspace), mallory)


def _line_pk(quote: Quote) -> int:
    line = quote.lines.order_by("position").first()
    assert line is not None
    return line.pk


@pytest.mark.parametrize("form_id", ["", "abc", "999999999", "1e9", "-1", "NaN"])
def test_item2_unknown_or_broken_line_id_is_a_form_error(
    bob_client: Client, draft: Quote, form_id: str
) -> None:
    rows = _rows(bob_client, draft)
    rows["form-0-quantity"] = "7"
    rows["form-0-id"] = form_id
    before = _snapshot()

    _assert_refused(bob_client.post(_url(draft), rows), before)


def test_item2_missing_line_id_is_a_form_error(bob_client: Client, draft: Quote) -> None:
    rows = _rows(bob_client, draft)
    rows["form-0-quantity"] = "7"
    del rows["form-0-id"]
    before = _snapshot()

    _assert_refused(bob_client.post(_url(draft), rows), before)


def test_item2_line_of_another_quote_is_not_edited(
    bob_client: Client, draft: Quote, other_quote: Quote
) -> None:
    rows = _rows(bob_client, draft)
    rows["form-0-id"] = str(_line_pk(other_quote))
    rows["form-0-quantity"] = "99"
    before = _snapshot()

    _assert_refused(bob_client.post(_url(draft), rows), before)


def test_item2_line_of_another_workspace_is_not_edited(
    bob_client: Client, draft: Quote, foreign_quote: Quote
) -> None:
    rows = _rows(bob_client, draft)
    rows["form-0-id"] = str(_line_pk(foreign_quote))
    rows["form-0-quantity"] = "99"
    before = _snapshot()

    _assert_refused(bob_client.post(_url(draft), rows), before)


def test_item2_the_same_line_twice_is_a_form_error(bob_client: Client, draft: Quote) -> None:
    rows = _rows(bob_client, draft)
    rows["form-1-id"] = rows["form-0-id"]
    rows["form-1-quantity"] = "42"
    before = _snapshot()

    _assert_refused(bob_client.post(_url(draft), rows), before)


@pytest.mark.parametrize("total", ["1001", "3", "99999999999999999999"])
def test_item2_more_rows_than_lines_is_a_form_error(
    bob_client: Client, draft: Quote, total: str
) -> None:
    rows = _rows(bob_client, draft)
    rows["form-TOTAL_FORMS"] = total
    before = _snapshot()

    _assert_refused(bob_client.post(_url(draft), rows), before)


@pytest.mark.parametrize(
    "management",
    [
        {"form-TOTAL_FORMS": None, "form-INITIAL_FORMS": None},
        {"form-TOTAL_FORMS": "abc"},
        {"form-TOTAL_FORMS": "-1"},
        {"form-INITIAL_FORMS": "x"},
        {"form-INITIAL_FORMS": "0"},  # every row posted as a new line
    ],
)
def test_item2_broken_management_form_is_a_form_error(
    bob_client: Client, draft: Quote, management: dict[str, str | None]
) -> None:
    rows = _rows(bob_client, draft)
    for name, value in management.items():
        if value is None:
            del rows[name]
        else:
            rows[name] = value
    before = _snapshot()

    _assert_refused(bob_client.post(_url(draft), rows), before)


def test_item2_stale_page_shows_the_current_lines_again(bob_client: Client, draft: Quote) -> None:
    rows = _rows(bob_client, draft)
    rows["form-0-id"] = "999999999"

    response = bob_client.post(_url(draft), rows)

    assert response.status_code == 400
    shown = form_fields(response.content.decode(), "form-TOTAL_FORMS")
    assert shown["form-TOTAL_FORMS"] == ["2"]
    assert sorted(shown["form-0-id"] + shown["form-1-id"]) == sorted(
        str(pk) for pk in draft.lines.values_list("pk", flat=True)
    )


def test_item2_rows_not_posted_stay_as_they_are(bob_client: Client, draft: Quote) -> None:
    # A line added in another tab is simply not part of this save.
    rows = _rows(bob_client, draft)
    rows["form-TOTAL_FORMS"] = "1"
    rows["form-0-quantity"] = "3"
    second = draft.lines.order_by("position")[1]
    second_before = QuoteLine.objects.filter(pk=second.pk).values().get()

    assert bob_client.post(_url(draft), rows).status_code == 302

    assert QuoteLine.objects.get(pk=_line_pk(draft)).quantity == 3
    assert QuoteLine.objects.filter(pk=second.pk).values().get() == second_before


@pytest.mark.parametrize("text", ["sNaN", "NaN", "Infinity", "1e999999", "101", "1,555"])
def test_item2_percent_discount_non_numbers_are_form_errors(
    bob_client: Client, draft: Quote, text: str
) -> None:
    rows = _rows(bob_client, draft)
    rows["form-0-discount_kind"] = "percent"
    rows["form-0-discount"] = text
    before = _snapshot()

    response = bob_client.post(_url(draft), rows)

    assert response.status_code == 400
    assert "discount" in response.context["formset"].forms[0].errors
    assert _snapshot() == before


@pytest.mark.parametrize("text", ["sNaN", "NaN", "Infinity", "1e999999"])
@pytest.mark.parametrize("field", ["unit_amount_minor", "discount", "quantity"])
def test_item2_amount_and_quantity_non_numbers_are_form_errors(
    bob_client: Client, draft: Quote, text: str, field: str
) -> None:
    rows = _rows(bob_client, draft)
    rows["form-0-discount_kind"] = "amount"
    rows[f"form-0-{field}"] = text
    before = _snapshot()

    response = bob_client.post(_url(draft), rows)

    assert response.status_code == 400
    assert field in response.context["formset"].forms[0].errors
    assert _snapshot() == before


def test_outsider_cannot_post_rows_to_our_quote(mallory_client: Client, draft: Quote) -> None:
    before = _snapshot()

    response = mallory_client.post(
        _url(draft), {"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0", "go": "stay"}
    )

    assert response.status_code == 404
    assert _snapshot() == before
