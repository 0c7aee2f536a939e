"""Item 9 (and 1): Stripe.js at /v3/ driven by Chromium, and the OAuth page.

The buyer page is a tiny static page served by the test on another origin, so
the sandbox's CORS handling is exercised exactly as with the app on :8000.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe
from playwright.sync_api import Page, expect

from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT
from stripe_sandbox.testing import SandboxThread
from stripe_sandbox.tests.test_subscriptions import FIRST_TOTAL, _subscribe

pytestmark = pytest.mark.browser


BUYER_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Pay</title>
<script src="{sandbox}/v3/"></script></head><body>
<form id="pay-form"><div id="payment-element"></div>
<button id="pay" type="submit">Pay now</button></form>
<p id="complete">no</p><p id="result" role="status"></p>
<script>
const options = {options};
const stripe = Stripe(options.pk, {{stripeAccount: options.account, locale: 'en'}});
const elements = stripe.elements({{clientSecret: options.clientSecret,
                                   appearance: {{theme: 'stripe'}}}});
const payment = elements.create('payment');
payment.mount('#payment-element');
payment.on('change', (event) => {{
  document.getElementById('complete').textContent = event.complete ? 'yes' : 'no';
}});
document.getElementById('pay-form').addEventListener('submit', async (event) => {{
  event.preventDefault();
  const confirm = options.setup ? stripe.confirmSetup : stripe.confirmPayment;
  const result = await confirm.call(stripe, {{elements,
      confirmParams: {{return_url: window.location.href}}, redirect: 'if_required'}});
  const out = document.getElementById('result');
  if (result.error) {{
    out.textContent = 'error ' + result.error.type + ' ' + (result.error.code || '') + ' ' +
                      (result.error.decline_code || '');
  }} else {{
    const intent = result.paymentIntent || result.setupIntent;
    out.textContent = 'done ' + intent.status;
  }}
}});
</script></body></html>"""


class PageServer:
    """Serves one HTML page per path from another origin than the sandbox."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                html = pages.get(self.path.split("?")[0])
                self.send_response(200 if html else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((html or "not found").encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def add(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.url + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()


def _buyer_page(
    sandbox: SandboxThread, pages: PageServer, client_secret: str, setup: bool = False
) -> str:
    options = {
        "pk": sandbox.config.platform_publishable_key,
        "account": DEMO_ACTIVE_ACCOUNT,
        "clientSecret": client_secret,
        "setup": setup,
    }
    html = BUYER_PAGE.format(sandbox=sandbox.url, options=json.dumps(options))
    return pages.add(f"/pay/{client_secret.split('_secret_')[0]}", html)


def _fill_card(page: Page, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiration date").fill("12 / 34")
    page.get_by_label("Security code").fill("123")


def test_subscription_first_invoice_paid_through_the_payment_element(
    sandbox: SandboxThread, pages: PageServer, page: Page, northwind: stripe.StripeClient
) -> None:
    sub = _subscribe(northwind)
    invoice = sub.latest_invoice
    assert isinstance(invoice, stripe.Invoice) and invoice.confirmation_secret is not None
    assert invoice.total == FIRST_TOTAL
    page.goto(_buyer_page(sandbox, pages, invoice.confirmation_secret.client_secret))
    _fill_card(page, "4242 4242 4242 4242")
    expect(page.locator("#complete")).to_have_text("yes")
    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_role("status")).to_have_text("done succeeded")
    sub = northwind.v1.subscriptions.retrieve(sub.id, {"expand": ["latest_invoice"]})
    assert sub.status == "active"
    assert isinstance(sub.latest_invoice, stripe.Invoice)
    assert sub.latest_invoice.status == "paid"
    assert sub.latest_invoice.amount_paid == FIRST_TOTAL


def test_3ds_card_goes_requires_action_then_succeeded_through_the_dialog(
    sandbox: SandboxThread, pages: PageServer, page: Page, northwind: stripe.StripeClient
) -> None:
    intent = northwind.v1.payment_intents.create(
        {"amount": 4200, "currency": "eur", "automatic_payment_methods": {"enabled": True}}
    )
    page.goto(_buyer_page(sandbox, pages, str(intent.client_secret)))
    _fill_card(page, "4000 0025 0000 3155")
    page.get_by_role("button", name="Pay now").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert northwind.v1.payment_intents.retrieve(intent.id).status == "requires_action"
    dialog.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("status")).to_have_text("done succeeded")
    assert northwind.v1.payment_intents.retrieve(intent.id).status == "succeeded"


def test_failing_3ds_returns_an_authentication_error(
    sandbox: SandboxThread, pages: PageServer, page: Page, northwind: stripe.StripeClient
) -> None:
    intent = northwind.v1.payment_intents.create({"amount": 4200, "currency": "eur"})
    page.goto(_buyer_page(sandbox, pages, str(intent.client_secret)))
    _fill_card(page, "4000002500003155")
    page.get_by_role("button", name="Pay now").click()
    page.get_by_role("dialog").get_by_role("button", name="Fail").click()
    expect(page.get_by_role("status")).to_have_text(
        "error invalid_request_error payment_intent_authentication_failure"
    )
    assert northwind.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"


def test_declined_card_gives_a_stripe_shaped_error(
    sandbox: SandboxThread, pages: PageServer, page: Page, northwind: stripe.StripeClient
) -> None:
    intent = northwind.v1.payment_intents.create({"amount": 4200, "currency": "usd"})
    page.goto(_buyer_page(sandbox, pages, str(intent.client_secret)))
    _fill_card(page, "4000 0000 0000 9995")
    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_role("status")).to_have_text(
        "error card_error card_declined insufficient_funds"
    )


def test_incomplete_card_number_is_a_validation_error(
    sandbox: SandboxThread, pages: PageServer, page: Page, northwind: stripe.StripeClient
) -> None:
    intent = northwind.v1.payment_intents.create({"amount": 4200, "currency": "usd"})
    page.goto(_buyer_page(sandbox, pages, str(intent.client_secret)))
    page.get_by_label("Card number").fill("4242 4242")
    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_role("status")).to_have_text("error validation_error incomplete_number")
    expect(page.get_by_role("alert")).to_have_text("Your card number is incomplete.")


def test_confirm_setup_saves_the_card(
    sandbox: SandboxThread, pages: PageServer, page: Page, northwind: stripe.StripeClient
) -> None:
    customer = northwind.v1.customers.create({"email": "carol@example.com"})
    setup = northwind.v1.setup_intents.create({"customer": customer.id})
    page.goto(_buyer_page(sandbox, pages, str(setup.client_secret), setup=True))
    _fill_card(page, "4242424242424242")
    page.get_by_role("button", name="Pay now").click()
    expect(page.get_by_role("status")).to_have_text("done succeeded")
    saved = northwind.v1.payment_methods.list({"customer": customer.id}).data
    assert [pm.card.last4 for pm in saved if pm.card] == ["4242"]


NEXT_ACTION_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Auth</title>
<script src="{sandbox}/v3/"></script></head><body>
<button id="go" type="button">Authenticate</button><p role="status"></p>
<script>
const stripe = Stripe('{pk}', {{stripeAccount: '{account}'}});
document.getElementById('go').addEventListener('click', async () => {{
  const result = await stripe.handleNextAction({{clientSecret: '{secret}'}});
  document.querySelector('[role=status]').textContent =
    result.error ? 'error ' + result.error.code : 'done ' + result.paymentIntent.status;
}});
</script></body></html>"""


def test_handle_next_action_after_a_server_side_confirm(
    sandbox: SandboxThread, pages: PageServer, page: Page, northwind: stripe.StripeClient
) -> None:
    intent = northwind.v1.payment_intents.create(
        {
            "amount": 4200,
            "currency": "usd",
            "payment_method": "pm_card_authenticationRequired",
            "confirm": True,
        }
    )
    assert intent.status == "requires_action"
    html = NEXT_ACTION_PAGE.format(
        sandbox=sandbox.url,
        pk=sandbox.config.platform_publishable_key,
        account=DEMO_ACTIVE_ACCOUNT,
        secret=intent.client_secret,
    )
    page.goto(pages.add(f"/next/{intent.id}", html))
    page.get_by_role("button", name="Authenticate").click()
    page.get_by_role("dialog").get_by_role("button", name="Complete").click()
    expect(page.get_by_role("status")).to_have_text("done succeeded")


def test_oauth_page_buttons_redirect_back(sandbox: SandboxThread, page: Page) -> None:
    url = sandbox.client().oauth.authorize_url(
        {"scope": "read_write", "state": "st8", "redirect_uri": f"{sandbox.url}/_sandbox/clock"}
    )
    page.goto(url)
    page.get_by_label("Northwind Traders (demo)").check()
    page.get_by_role("button", name="Allow access to this account").click()
    page.wait_for_url("**/_sandbox/clock?**")
    assert "code=ac_" in page.url and "state=st8" in page.url
    page.goto(url)
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url("**error=access_denied**")


def test_dashboard_lists_payments(
    sandbox: SandboxThread, page: Page, northwind: stripe.StripeClient
) -> None:
    intent = northwind.v1.payment_intents.create(
        {"amount": 1234, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    page.goto(sandbox.url + "/")
    expect(page.get_by_text(intent.id)).to_be_visible()
    expect(page.get_by_text("12.34 USD")).to_be_visible()
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("button", name="Activate")).to_have_count(0)
