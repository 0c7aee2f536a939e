"""The buyer pays a quote in Chromium (R9, R12, R13): the Purchase dialog, Stripe.js and the
sandbox's Payment Element and 3-D Secure challenge, the server's settling and the receipt.
Nothing is mocked: the page talks to the app, the app and Stripe.js to the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import stripe
from django.urls import reverse

from dealdesk.payments.models import StripeConnection
from dealdesk.payments.tests.purchase_fixtures import (
    ONE_TIME,
    payable_quote,
    sandbox_counts,
)
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.workspaces.models import User, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VISA = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
THREE_D_SECURE = "4000 0025 0000 3155"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def _watch(page: Any) -> list[str]:
    """Errors the page reports: script errors and Content-Security-Policy violations."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _open_quote(page: Any, live_server: Any, quote: Quote) -> list[str]:
    problems = _watch(page)
    page.goto(live_server.url + reverse("quotes:public", args=[quote.token]))
    return problems


def _billing_step(page: Any) -> Any:
    page.get_by_role("button", name="Purchase").click()
    dialog = page.get_by_role("dialog", name="Complete your purchase")
    dialog.wait_for()
    return dialog


def _to_payment(dialog: Any) -> None:
    dialog.get_by_role("button", name="Continue to payment").click()
    dialog.get_by_label("Card number").wait_for()


def _pay_with(dialog: Any, card: str) -> None:
    dialog.get_by_label("Card number").fill(card)
    dialog.get_by_label("Expiration date").fill("12 / 34")
    dialog.get_by_label("Security code").fill("123")
    dialog.get_by_role("button", name="Pay").click()


def test_r9_buyer_pays_a_one_time_quote_with_a_card_and_gets_a_receipt(
    page: Any,
    live_server: Any,
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    problems = _open_quote(page, live_server, quote)

    dialog = _billing_step(page)
    # Prefilled from the quote's buyer contact and company; the country from "Germany".
    assert dialog.get_by_label("Full name").input_value() == "Carol Meier"
    assert dialog.get_by_label("Email").input_value() == "carol@globex.example"
    assert dialog.get_by_label("Country").input_value() == "DE"
    _to_payment(dialog)
    assert dialog.get_by_text("Pay €1,785.00 today.").is_visible()
    _pay_with(dialog, VISA)

    page.wait_for_url("**/receipt/**")
    assert page.get_by_role("heading", name="Thank you for your purchase").is_visible()
    assert "€1,785.00" in page.locator("main").inner_text()
    page.get_by_role("link", name="Back to the quote").click()
    paid = page.get_by_role("heading", name="Paid on")
    assert paid.is_visible()
    assert page.get_by_role("button", name="Purchase").count() == 0
    assert page.get_by_role("link", name="View receipt").is_visible()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PAID
    assert sandbox_counts(northwind)["succeeded_charges"] == 1
    assert problems == []
