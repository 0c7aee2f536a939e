"""A seller's journey in Chromium: sign in, create a deal, add two products, reorder them."""

from typing import Any

import pytest
from playwright.sync_api import expect

from dealdesk.catalog.models import Billing
from dealdesk.crm.models import Deal
from dealdesk.factories import PASSWORD, CompanyFactory, ProductFactory
from dealdesk.workspaces.models import User, Workspace


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_seller_creates_a_deal_with_two_products(
    page: Any, live_server: Any, acme: Workspace, bob: User
) -> None:
    CompanyFactory.create(workspace=acme, name="Initech")
    ProductFactory.create(workspace=acme, name="Onboarding workshop", unit_amount_minor=150_000)
    ProductFactory.create(
        workspace=acme,
        name="Growth plan",
        unit_amount_minor=4_900,
        billing=Billing.RECURRING,
        recurring_interval="month",
        recurring_interval_count=1,
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", bob.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")

    page.goto(f"{live_server.url}/deals/new/")
    page.fill("input[name=name]", "Initech rollout")
    page.select_option("select[name=company]", label="Initech")
    with page.expect_navigation():
        page.click("button:has-text('Create deal')")
    assert page.locator("h1").inner_text().startswith("Initech rollout")

    for name, quantity in (("Onboarding workshop", "1"), ("Growth plan", "10")):
        option = page.locator("select[name=product] option", has_text=name)
        page.select_option("select[name=product]", value=option.get_attribute("value"))
        page.fill("input[name=quantity]", quantity)
        with page.expect_navigation():
            page.click("button:has-text('Add product')")

    totals = page.locator(".totals").inner_text()
    assert "€1,500.00" in totals
    assert "€490.00 / month" in totals

    # Reorder through htmx: only the line items card is swapped.
    rows = page.locator("#line-items tbody tr")
    rows.nth(1).locator("button[value=up]").click()
    # expect() polls without eval, which the Content-Security-Policy forbids on the page.
    expect(page.locator("#line-items tbody tr a").first).to_have_text("Growth plan")
    deal = Deal.objects.get(name="Initech rollout")
    assert [line.name for line in deal.line_items.all()] == ["Growth plan", "Onboarding workshop"]
