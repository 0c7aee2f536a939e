"""The buyer's Purchase endpoints (R9): JSON contract, CSRF, throttling, receipts, scoping."""

from __future__ import annotations

from typing import Any

import pytest
import stripe
from django.test import Client, RequestFactory
from django.urls import reverse

from dealdesk.payments.models import Purchase, PurchaseStatus, StripeConnection
from dealdesk.payments.tests.purchase_fixtures import (
    MIXED,
    MIXED_DUE_TODAY,
    ONE_TIME,
    Line,
    pay,
    payable_quote,
    sandbox_counts,
)
from dealdesk.quotes import services as quote_services
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.quotes.tests.factories import deal_with_lines, published_quote
from dealdesk.workspaces import throttle
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db

BILLING = {
    "name": "Carol Meier",
    "email": "carol@globex.example",
    "company": "Globex GmbH",
    "line1": "Hauptstraße 12",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "de",
}


@pytest.fixture
def buyer() -> Client:
    """A browser with CSRF checks on, as in production."""
    return Client(enforce_csrf_checks=True)


def _csrf(buyer: Client, quote: Quote) -> str:
    """Open the quote page, as the buyer does before clicking Purchase: it sets the cookie."""
    assert buyer.get(reverse("quotes:public", args=[quote.token])).status_code == 200
    return str(buyer.cookies["csrftoken"].value)


def _start(buyer: Client, quote: Quote, **fields: Any) -> Any:
    token = _csrf(buyer, quote)
    data = {**BILLING, "quote_version": quote.version, **fields}
    return buyer.post(
        reverse("payments:purchase_start", args=[quote.token]), data, HTTP_X_CSRFTOKEN=token
    )


def _complete(buyer: Client, token: str | None, reference: str) -> Any:
    csrf = str(buyer.cookies["csrftoken"].value)
    return buyer.post(
        reverse("payments:purchase_complete", args=[str(token), reference]), HTTP_X_CSRFTOKEN=csrf
    )


def test_r9_start_returns_what_the_payment_element_needs(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client, stripe_sandbox: Any
) -> None:
    quote = payable_quote(acme, bob, MIXED)

    response = _start(buyer, quote)

    assert response.status_code == 200, response.content
    body = response.json()
    purchase = Purchase.objects.get()
    assert body["purchase_id"] == purchase.reference
    assert body["kind"] == "subscription"
    assert body["status"] == "awaiting_payment"
    assert body["client_secret"] == purchase.client_secret
    assert body["client_secret"].startswith("pi_")
    assert body["publishable_key"] == stripe_sandbox.config.platform_publishable_key
    assert body["stripe_account"] == connected.account_id
    assert body["currency"] == "EUR"
    assert body["amount_due_today"] == MIXED_DUE_TODAY
    assert body["amount_recurring"] == 145_775
    assert (body["recurring_interval"], body["recurring_interval_count"]) == ("month", 1)
    assert body["summary"] == "Pay €3,242.75 today, then €1,457.75 / month."  # one sentence
    assert body["complete_url"] == reverse(
        "payments:purchase_complete", args=[quote.token, purchase.reference]
    )
    assert body["return_url"].endswith(
        reverse("payments:purchase_receipt", args=[quote.token, purchase.reference])
    )
    assert purchase.billing_address["country"] == "DE"


def test_start_without_csrf_token_is_forbidden(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    _csrf(buyer, quote)

    response = buyer.post(
        reverse("payments:purchase_start", args=[quote.token]),
        {**BILLING, "quote_version": quote.version},
    )

    assert response.status_code == 403
    assert not Purchase.objects.exists()


def test_start_with_missing_billing_details_answers_field_errors(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)

    response = _start(buyer, quote, name="", email="not-an-email", line1="", country="Germany")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"name", "email", "line1", "country"}
    assert errors["name"] == "This field is required."
    assert not Purchase.objects.exists()


def test_postal_code_is_asked_only_where_the_country_has_postal_codes(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)

    german = _start(buyer, quote, postal_code="")
    hong_kong = _start(buyer, quote, postal_code="", country="HK", city="Hong Kong")

    assert german.status_code == 400
    assert set(german.json()["errors"]) == {"postal_code"}
    assert hong_kong.status_code == 200
    assert Purchase.objects.get().billing_address["country"] == "HK"


def test_quote_asking_for_a_signature_needs_name_and_acceptance(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME, signature=True)

    refused = _start(buyer, quote)
    accepted = _start(buyer, quote, signature_name="Carol Meier", accept_terms="on")

    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"signature_name", "accept_terms"}
    assert accepted.status_code == 200
    assert Purchase.objects.get().signature_name == "Carol Meier"


def test_refusal_is_a_409_with_the_buyers_message_and_nothing_on_stripe(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    buyer: Client,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    _csrf(buyer, quote)
    quote_services.quote_recall(quote=quote, user=bob)
    csrf = str(buyer.cookies["csrftoken"].value)

    response = buyer.post(
        reverse("payments:purchase_start", args=[quote.token]),
        {**BILLING, "quote_version": quote.version},
        HTTP_X_CSRFTOKEN=csrf,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "recalled"
    assert "withdrawn" in response.json()["error"]
    assert sandbox_counts(northwind)["customers"] == 0


def test_page_of_another_version_is_a_409_asking_to_reload(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)

    response = _start(buyer, quote, quote_version=quote.version + 1)

    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "changed"
    assert "Reload the page" in response.json()["error"]


def test_purchase_starts_are_throttled_per_quote_link(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client, settings: Any
) -> None:
    settings.RATELIMITS = {**settings.RATELIMITS, "purchase_start_quote": "2/h"}
    quote = payable_quote(acme, bob, ONE_TIME)

    statuses = [_start(buyer, quote).status_code for _ in range(3)]
    other_browser = _start(Client(enforce_csrf_checks=True), quote)

    assert statuses == [200, 200, 429]
    assert other_browser.status_code == 429  # counted per link, not per browser
    assert int(other_browser["Retry-After"]) >= 1


def test_purchase_throttle_counts_by_link_not_by_row_id(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client, settings: Any
) -> None:
    """Installations (or a bench's fresh database) sharing one Redis reuse row ids, not links."""
    settings.RATELIMITS = {**settings.RATELIMITS, "purchase_start_quote": "2/h"}
    quote = payable_quote(acme, bob, ONE_TIME)
    elsewhere = RequestFactory().post("/")
    for _ in range(3):  # another database's quote with the same id, used up
        throttle.record(elsewhere, limit="purchase_start_quote", key=f"quote:{quote.pk}")

    assert _start(buyer, quote).status_code == 200


def test_stripe_unreachable_is_a_503_saying_nothing_was_charged(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client, stripe_sandbox: Any
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    stripe_sandbox.fault("POST", "/v1/customers", "500", count=3)

    response = _start(buyer, quote)

    assert response.status_code == 503
    assert response.json()["error"] == (
        "We could not reach the payment provider; nothing was charged. Try again."
    )


def test_r9_paid_purchase_completes_to_a_receipt(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    buyer: Client,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    body = _start(buyer, quote, name="Carol <script>alert(1)</script>").json()
    purchase = Purchase.objects.get(reference=body["purchase_id"])
    assert pay(northwind, purchase)

    completed = _complete(buyer, quote.token, body["purchase_id"])
    receipt = buyer.get(completed.json()["redirect"])

    assert completed.status_code == 200
    assert completed.json()["status"] == "succeeded"
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PAID
    assert receipt.status_code == 200
    page = receipt.content.decode()
    assert "Thank you for your purchase" in page
    assert "€1,785.00" in page
    assert "4242" in page
    assert "<script>alert(1)</script>" not in page
    assert "Carol &lt;script&gt;" in page


def test_r12_receipt_of_a_subscription_says_what_is_billed_next_and_where(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    buyer: Client,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, MIXED)
    body = _start(buyer, quote).json()
    assert pay(northwind, Purchase.objects.get(reference=body["purchase_id"]))

    receipt = buyer.get(_complete(buyer, quote.token, body["purchase_id"]).json()["redirect"])

    page = receipt.content.decode()
    assert "€1,457.75 / month, until cancelled" in page
    assert "Hauptstraße 12<br>10115 Berlin, DE" in page


QUARTERLY_DE: list[Line] = [
    ("Einrichtung", 1, 100_000, "", None, 1900),  # 1.190,00 €
    ("Wartung", 1, 30_000, "month", 3, 1900),  # 357,00 € alle 3 Monate
]


def test_german_quote_says_what_is_billed_next_with_its_nouns_capitalized(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    buyer: Client,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, QUARTERLY_DE, language="de")
    body = _start(buyer, quote).json()
    assert pay(northwind, Purchase.objects.get(reference=body["purchase_id"]))

    receipt = buyer.get(_complete(buyer, quote.token, body["purchase_id"]).json()["redirect"])

    assert body["summary"] == "Heute 1.547,00\xa0€ zahlen, danach 357,00\xa0€ alle 3 Monate."
    assert "357,00\xa0€ alle 3 Monate, bis zur Kündigung" in receipt.content.decode()


def test_declined_card_completes_with_the_reason_in_plain_words(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    buyer: Client,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    body = _start(buyer, quote).json()
    purchase = Purchase.objects.get(reference=body["purchase_id"])
    assert not pay(northwind, purchase, "pm_card_chargeDeclinedInsufficientFunds")

    completed = _complete(buyer, quote.token, body["purchase_id"]).json()

    assert completed["status"] == "failed"
    assert completed["error"] == "Your card has insufficient funds. Try another card."
    assert "redirect" not in completed
    assert _start(buyer, quote).json()["client_secret"] == body["client_secret"]


def test_receipt_settles_from_stripe_after_a_redirect(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    buyer: Client,
    northwind: stripe.StripeClient,
) -> None:
    """3-D Secure may come back through ``return_url``: the receipt asks Stripe itself."""
    quote = payable_quote(acme, bob, ONE_TIME)
    body = _start(buyer, quote).json()
    purchase = Purchase.objects.get(reference=body["purchase_id"])
    unpaid = buyer.get(body["return_url"])
    assert pay(northwind, purchase)

    paid = buyer.get(body["return_url"])

    assert "Your payment is not completed" in unpaid.content.decode()
    assert "Thank you for your purchase" in paid.content.decode()
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.SUCCEEDED


# --- Scoping: every purchase URL is bound to its quote's link -----------------------------


def test_wrong_token_and_purchase_pair_is_404(
    acme: Workspace, bob: User, connected: StripeConnection, buyer: Client
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    other = payable_quote(acme, bob, ONE_TIME)
    reference = _start(buyer, quote).json()["purchase_id"]
    assert other.token is not None

    assert _complete(buyer, other.token, reference).status_code == 404
    assert (
        buyer.get(reverse("payments:purchase_receipt", args=[other.token, reference])).status_code
        == 404
    )
    assert (
        buyer.get(reverse("payments:purchase_receipt", args=["nope", reference])).status_code == 404
    )
    assert _complete(buyer, "nope", reference).status_code == 404


def test_mallory_cannot_see_or_settle_acmes_purchase(
    acme: Workspace,
    bob: User,
    umbrella: Workspace,
    mallory: User,
    mallory_client: Client,
    connected: StripeConnection,
    buyer: Client,
    northwind: stripe.StripeClient,
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    reference = _start(buyer, quote).json()["purchase_id"]
    purchase = Purchase.objects.get(reference=reference)
    assert pay(northwind, purchase)
    hers = published_quote(deal_with_lines(umbrella, ONE_TIME), mallory)
    assert hers.token is not None

    receipt = mallory_client.get(reverse("payments:purchase_receipt", args=[hers.token, reference]))
    complete = mallory_client.post(
        reverse("payments:purchase_complete", args=[hers.token, reference])
    )

    assert (receipt.status_code, complete.status_code) == (404, 404)
    assert Purchase.objects.get(pk=purchase.pk).status == PurchaseStatus.AWAITING_PAYMENT


# --- Cost: a purchase's two requests stay a handful of SQL statements ---------------------


def test_a_purchase_takes_few_sql_statements_once_its_products_exist(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    buyer: Client,
    northwind: stripe.StripeClient,
    django_assert_max_num_queries: Any,
) -> None:
    """Start: the quote, then under its lock the quote again, the attempts, the connection
    and the lines, the new attempt; the cached products and recording the charge after it.
    Complete: the purchase with its quote, the two locks, the payment, the quote, the deal
    and its savepoints, the owner to notify."""
    _start(buyer, payable_quote(acme, bob, MIXED))  # creates the Stripe products
    quote = payable_quote(acme, bob, MIXED)
    csrf = _csrf(buyer, quote)

    with django_assert_max_num_queries(10):
        started = buyer.post(
            reverse("payments:purchase_start", args=[quote.token]),
            {**BILLING, "quote_version": quote.version},
            HTTP_X_CSRFTOKEN=csrf,
        )
    assert pay(northwind, Purchase.objects.get(reference=started.json()["purchase_id"]))
    with django_assert_max_num_queries(15):
        completed = _complete(buyer, quote.token, started.json()["purchase_id"])

    assert completed.json()["status"] == "succeeded"
