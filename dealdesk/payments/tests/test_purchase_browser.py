"""The buyer pays a quote in Chromium (R9, R12, R13): the Purchase dialog, Stripe.js and the
sandbox's Payment Element and 3-D Secure challenge, the server's settling and the receipt.
Nothing is mocked: the page talks to the app, the app and Stripe.js to the sandbox."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import stripe
from django.urls import reverse

from dealdesk.lib import clock
from dealdesk.payments.models import Purchase, PurchaseStatus, StripeConnection
from dealdesk.payments.tests.purchase_fixtures import (
    MIXED,
    MIXED_DUE_TODAY,
    NOTHING,
    ONE_TIME,
    payable_quote,
    sandbox_counts,
)
from dealdesk.quotes import selectors
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.workspaces.models import User, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VISA = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
THREE_D_SECURE = "4000 0025 0000 3155"


def _watch(page: Any) -> list[str]:
    """Errors the page reports: script errors and Content-Security-Policy violations.

    Chromium also logs every 4xx answer ("Failed to load resource"): a declined card
    (402) and a refusal (409) are answers the dialog expects, not errors of the page.
    """
    problems: list[str] = []

    def console(message: Any) -> None:
        text = str(message.text)
        if "Content Security Policy" in text or (
            message.type == "error" and not text.startswith("Failed to load resource")
        ):
            problems.append(text)

    page.on("console", console)
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


def test_r12_mixed_quote_paid_with_3d_secure_becomes_one_subscription_billed_today(
    page: Any,
    live_server: Any,
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    due_today = selectors.quote_document(quote=quote).due_today.total
    problems = _open_quote(page, live_server, quote)

    dialog = _billing_step(page)
    _to_payment(dialog)
    assert dialog.get_by_text("Pay €3,242.75 today, then €1,457.75 / month.").is_visible()
    _pay_with(dialog, THREE_D_SECURE)
    # The sandbox's 3-D Secure challenge sits above the Purchase dialog and takes the click.
    page.get_by_role("dialog", name="3D Secure 2 Test Page").get_by_role(
        "button", name="Complete"
    ).click()

    page.wait_for_url("**/receipt/**")
    assert page.get_by_role("heading", name="Thank you for your purchase").is_visible()
    subscriptions = northwind.v1.subscriptions.list({"status": "all", "limit": 10}).data
    assert [s.status for s in subscriptions] == ["active"]
    invoice = northwind.v1.invoices.retrieve(str(subscriptions[0].latest_invoice))
    assert invoice.total == due_today == MIXED_DUE_TODAY
    assert invoice.status == "paid"
    assert sandbox_counts(northwind)["succeeded_charges"] == 1
    assert problems == []


def test_declined_card_shows_the_reason_then_another_card_pays_once(
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
    _to_payment(dialog)

    _pay_with(dialog, DECLINED)

    alert = dialog.get_by_role("alert").filter(has_text="Your card was declined.")
    alert.wait_for()
    pay = dialog.get_by_role("button", name="Pay €1,785.00")
    assert pay.is_enabled()
    assert sandbox_counts(northwind)["succeeded_charges"] == 0
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PUBLISHED  # still payable

    _pay_with(dialog, VISA)

    page.wait_for_url("**/receipt/**")
    assert sandbox_counts(northwind)["succeeded_charges"] == 1
    assert sandbox_counts(northwind)["payment_intents"] == 1  # the same purchase, another card
    assert problems == []


def test_r13_expired_quote_has_no_purchase_button(
    page: Any, live_server: Any, acme: Workspace, bob: User, connected: StripeConnection
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    Quote.objects.filter(pk=quote.pk).update(expires_at=clock.utcnow() - timedelta(days=1))

    _open_quote(page, live_server, quote)

    assert page.get_by_text("This quote expired on").is_visible()
    assert page.get_by_role("button", name="Purchase").count() == 0


def test_r13_page_opened_before_expiry_is_refused_at_pay_and_nothing_is_charged(
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
    _to_payment(dialog)

    # The quote expires while the buyer types their card number.
    Quote.objects.filter(pk=quote.pk).update(expires_at=clock.utcnow() - timedelta(minutes=1))
    _pay_with(dialog, VISA)

    alert = dialog.get_by_role("alert").filter(has_text="This quote expired on")
    alert.wait_for()
    assert "contact the seller" in alert.inner_text()
    assert sandbox_counts(northwind)["succeeded_charges"] == 0
    assert not Purchase.objects.filter(status=PurchaseStatus.SUCCEEDED).exists()
    assert problems == []


def test_r9_errors_show_next_to_their_fields_and_focus_moves_to_the_first(
    page: Any,
    live_server: Any,
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME, signature=True)
    _open_quote(page, live_server, quote)
    dialog = _billing_step(page)
    dialog.get_by_label("Email").fill("carol-at-globex")
    dialog.get_by_label("Address", exact=True).fill("")

    dialog.get_by_role("button", name="Continue to payment").click()

    email = dialog.get_by_label("Email")
    dialog.locator("#purchase-email-error").wait_for()
    assert email.get_attribute("aria-invalid") == "true"
    assert email.get_attribute("aria-describedby") == "purchase-email-error"
    assert "valid email" in dialog.locator("#purchase-email-error").inner_text()
    assert dialog.get_by_label("Address", exact=True).get_attribute("aria-invalid") == "true"
    assert "Type your full name" in dialog.locator("#purchase-signature_name-error").inner_text()
    assert dialog.locator("#purchase-accept_terms-error").is_visible()
    assert page.evaluate("document.activeElement.id") == "purchase-email"
    assert sandbox_counts(northwind) == NOTHING

    # Fixed: the signature is recorded with the purchase, and the payment step opens.
    email.fill("carol@globex.example")
    dialog.get_by_label("Address", exact=True).fill("Hauptstraße 12")
    dialog.get_by_label("Your full name").fill("Carol Meier")
    dialog.get_by_label("I accept this quote.").check()
    _to_payment(dialog)
    assert email.get_attribute("aria-invalid") is None
    assert Purchase.objects.get().signature_name == "Carol Meier"


def test_r9_address_fields_fit_the_country_and_escape_closes_the_dialog(
    page: Any, live_server: Any, acme: Workspace, bob: User, connected: StripeConnection
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    _open_quote(page, live_server, quote)
    dialog = _billing_step(page)
    assert page.evaluate("document.activeElement.id") == "purchase-name"
    assert not dialog.get_by_label("State").is_visible()

    dialog.get_by_label("Country").select_option("US")

    assert dialog.get_by_label("State").is_visible()
    assert dialog.get_by_label("ZIP code").is_visible()
    dialog.get_by_label("Country").select_option("CA")
    assert dialog.get_by_label("Province").is_visible()
    assert dialog.get_by_label("Postal code").is_visible()

    page.keyboard.press("Escape")

    assert not dialog.is_visible()
    page.get_by_role("button", name="Purchase").click()
    assert dialog.get_by_label("Country").input_value() == "CA"  # kept while the page lives


@pytest.mark.parametrize("language", ["en", "de"])
def test_r9_dialog_fits_a_390_px_phone_in_the_quotes_language(
    page: Any,
    live_server: Any,
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    tmp_path: Path,
    language: str,
) -> None:
    quote = payable_quote(acme, bob, MIXED, signature=True)
    Quote.objects.filter(pk=quote.pk).update(language=language)
    page.set_viewport_size({"width": 390, "height": 844})
    problems = _open_quote(page, live_server, quote)

    page.locator("[data-purchase-open]").click()
    dialog = page.locator("#purchase-dialog")
    dialog.wait_for()
    page.wait_for_function("() => document.getAnimations().length === 0")  # the dialog has faded in
    # Countries are named in the quote's language.
    germany = "Deutschland" if language == "de" else "Germany"
    assert dialog.locator("#purchase-country option:checked").inner_text() == germany
    page.screenshot(path=str(tmp_path / f"purchase-billing-{language}.png"))
    dialog.locator("#purchase-signature_name").fill("Carol Meier")
    dialog.locator("#purchase-accept_terms").check()
    page.locator("[data-purchase-submit]").first.click()
    dialog.locator("[data-purchase-element] input").first.wait_for()
    box = dialog.bounding_box()
    assert box["y"] + box["height"] == 844  # a sheet at the bottom of the phone's screen
    page.screenshot(path=str(tmp_path / f"purchase-payment-{language}.png"))

    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    summary = "3.242,75" if language == "de" else "3,242.75"
    assert summary in dialog.locator("[data-purchase-summary]").inner_text()
    assert problems == []
