"""The seller's whole journey in Chromium: deal → wizard → publish → the buyer's page and PDF."""

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from dealdesk.factories import PASSWORD
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.quotes.tests.factories import deal_with_lines
from dealdesk.quotes.tests.pdftext import pdf_titles
from dealdesk.workspaces.models import User, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _next(page: Any) -> None:
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()


def test_seller_builds_publishes_and_buyer_opens_quote_and_pdf(
    live_server: Any, page: Any, chromium: Any, bob: User, acme: Workspace, tmp_path: Path
) -> None:
    deal = deal_with_lines(acme, name="Globex — Growth rollout")

    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", bob.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()

    # (1) Deal & template
    page.goto(live_server.url + reverse("quotes:create", kwargs={"deal_pk": deal.pk}))
    page.fill("input[name=title]", "Growth rollout for Globex")
    page.select_option("select[name=language]", "en")
    _next(page)
    # (2) Buyer: the deal's contact is already chosen
    assert page.locator("input[name=contacts]").first.is_checked()
    page.fill("input[name=seller_phone]", "+49 30 123456")
    _next(page)
    # (3) Line items: two workshops instead of one, for this quote only
    page.locator("input[name='form-0-quantity']").fill("2")
    _next(page)
    # (4) Signature & payment: payments are off without Stripe; ask for a signature
    assert page.locator("input[name=payment_enabled]").is_disabled()
    page.get_by_text("Collect signature", exact=True).click()
    _next(page)
    # (5) Comments & terms
    page.fill("textarea[name=terms]", "Payable within 14 days.")
    _next(page)
    # (6) Review & publish
    assert page.get_by_text("What the buyer will see").is_visible()
    page.get_by_role("button", name="Publish quote").click()
    page.wait_for_load_state()

    assert page.locator("#quote-status").inner_text() == "Published"
    public_url = page.locator("#quote-link").input_value()
    quote = Quote.objects.get()
    assert quote.status == QuoteStatus.PUBLISHED
    assert public_url.endswith(f"/q/{quote.token}/")
    assert deal.line_items.get(position=0).quantity == 1  # the deal is untouched

    buyer = chromium.new_context(accept_downloads=True)
    try:
        buyer_page = buyer.new_page()
        buyer_page.goto(public_url)
        text = buyer_page.locator("main").inner_text()
        assert "Growth rollout for Globex" in text
        assert "Onboarding workshop" in text
        assert "Growth plan" in text
        assert "€1,457.75 / month" in text
        assert "€5,027.75" in text  # due today: 2 x 1,785.00 + first month 1,457.75
        assert "Then €1,457.75 per month" in text
        assert "Payable within 14 days." in text
        assert buyer_page.get_by_role("button", name="Accept quote").is_visible()

        with buyer_page.expect_download() as download_info:
            buyer_page.get_by_role("link", name="Download PDF").click()
        target = tmp_path / "quote.pdf"
        download_info.value.save_as(target)
    finally:
        buyer.close()

    body = target.read_bytes()
    assert body.startswith(b"%PDF-")
    assert len(body) > 5_000
    assert any("Growth rollout for Globex" in title for title in pdf_titles(body))
    quote.refresh_from_db()
    assert quote.view_count == 1
