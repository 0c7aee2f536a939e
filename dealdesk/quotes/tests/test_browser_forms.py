"""Wizard and buyer forms in Chromium: Enter, focus after errors, layout at 1280 and 390 px."""

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dealdesk.crm.models import Deal
from dealdesk.factories import PASSWORD, CompanyFactory, DealFactory
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import draft_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 390]


def _sign_in(page: Any, base_url: str, user: User) -> None:
    page.goto(base_url + reverse("login"))
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()


def _step(live_server: Any, quote: Quote, step: str) -> str:
    path = reverse("quotes:step", kwargs={"pk": quote.pk, "step": step})
    return f"{live_server.url}{path}"


def _page_overflows_sideways(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
    )


def test_item9_enter_in_a_wizard_field_saves_and_goes_to_the_next_step(
    live_server: Any, page: Any, deal: Deal, bob: User
) -> None:
    quote = draft_quote(deal, bob)
    _sign_in(page, live_server.url, bob)
    page.goto(_step(live_server, quote, "details"))

    page.fill("input[name=title]", "Growth rollout, revised")
    page.press("input[name=title]", "Enter")
    page.wait_for_url("**/edit/parties/")

    quote.refresh_from_db()
    assert quote.title == "Growth rollout, revised"


def test_item9_invalid_step_puts_focus_on_the_error_summary_and_its_links_on_fields(
    live_server: Any, page: Any, deal: Deal, bob: User
) -> None:
    quote = draft_quote(deal, bob)
    _sign_in(page, live_server.url, bob)
    page.goto(_step(live_server, quote, "details"))

    page.fill("input[name=title]", "")
    page.press("input[name=title]", "Enter")
    page.wait_for_load_state()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert summary.get_attribute("role") == "alert"
    assert "Quote title" in summary.inner_text()
    summary.get_by_role("link", name="Quote title").click()
    assert page.evaluate("document.activeElement.name") == "title"


@pytest.mark.parametrize("width", WIDTHS)
def test_item11_line_errors_wrap_inside_the_card_and_keep_remove_visible(
    live_server: Any, page: Any, deal: Deal, bob: User, width: int
) -> None:
    quote = draft_quote(deal, bob)
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, live_server.url, bob)
    page.goto(_step(live_server, quote, "lines"))

    page.fill("input[name='form-0-quantity']", "0")
    page.select_option("select[name='form-1-discount_kind']", "percent")
    page.fill("input[name='form-1-discount']", "150")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()

    assert page.locator(".row-errors").count() == 2
    assert not _page_overflows_sideways(page)
    card = page.locator("#lines-form").bounding_box()
    message = page.locator(".row-error").first.bounding_box()
    assert _inside(message, card)
    if width >= 1280:
        # Wide enough for the whole table: nothing is clipped by the card.
        for button in page.locator(".quote-line-actions .btn-danger-outline").all():
            assert _inside(button.bounding_box(), card)
        assert not page.locator("#lines-form .table-wrap").evaluate(
            "el => el.scrollWidth > el.clientWidth"
        )


@pytest.mark.parametrize("width", WIDTHS)
def test_item11_a_long_company_name_leaves_the_deal_amount_in_view(
    live_server: Any, page: Any, deal: Deal, acme: Workspace, bob: User, width: int
) -> None:
    company = CompanyFactory.create(
        workspace=acme,
        name="Internationale Versicherungs- und Rückversicherungsgesellschaft "
        "der Vereinigten Nordseehäfen Aktiengesellschaft",
    )
    DealFactory.create(workspace=acme, company=company, name="Rollout " * 12)
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, live_server.url, bob)
    page.goto(live_server.url + reverse("crm:deal_list"))

    assert not _page_overflows_sideways(page)
    link = page.get_by_role("link", name=company.name)
    assert link.get_attribute("title") == company.name
    assert link.evaluate("el => el.scrollHeight > el.clientHeight")  # clamped with an ellipsis
    if width >= 1280:
        amount = page.get_by_text("€1,785.00").bounding_box()
        card = page.locator(".card").filter(has=page.locator("table")).bounding_box()
        assert _inside(amount, card)


@pytest.mark.parametrize("width", WIDTHS)
def test_item12_empty_accept_brings_the_buyer_back_to_the_focused_errors(
    live_server: Any, page: Any, deal: Deal, bob: User, width: int
) -> None:
    quote = draft_quote(deal, bob)
    services.quote_update_payment(
        quote=quote, payment_enabled=False, collect_billing_address=False, signature_required=True
    )
    quote = services.quote_publish(quote=quote, user=bob)
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(live_server.url + reverse("quotes:public", kwargs={"token": quote.token}))

    page.get_by_role("button", name="Accept quote").click()
    page.wait_for_load_state()

    assert page.url.endswith("#accept")
    summary = page.locator("#accept [data-error-summary]")
    expect(summary).to_be_focused()
    top, bottom = summary.evaluate(
        "el => [el.getBoundingClientRect().top, el.getBoundingClientRect().bottom]"
    )
    assert top >= 0 and bottom <= 700
