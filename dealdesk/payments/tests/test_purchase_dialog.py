"""What the buyer's Purchase dialog is given (R9): countries, prefill, its config, "Paid on"."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import stripe
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from dealdesk.payments.models import StripeConnection
from dealdesk.payments.purchase_dialog import address_labels, billing_prefill, countries
from dealdesk.payments.purchases import purchase_settle, purchase_start
from dealdesk.payments.tests.purchase_fixtures import CAROL, ONE_TIME, pay, payable_quote
from dealdesk.workspaces.models import User, Workspace


def test_r9_countries_are_iso_codes_named_in_the_quotes_language() -> None:
    german = dict(countries("de"))
    codes = [code for code, _name in countries("de")]

    assert german["DE"] == "Deutschland"
    assert dict(countries("en"))["DE"] == "Germany"
    assert all(len(code) == 2 and code.isalpha() for code in codes)
    assert not {"EU", "UN", "ZZ", "QO"} & set(codes)
    # Sorted as a reader expects: Österreich with O, after Oman.
    assert codes.index("OM") < codes.index("AT") < codes.index("PA")


def test_r9_only_countries_that_use_a_region_get_a_state_field() -> None:
    labels = address_labels()

    assert labels["US"] == {"state": "State", "postal_code": "ZIP code"}
    assert labels["CA"]["state"] == "Province"
    assert "DE" not in labels


@pytest.mark.django_db
def test_r9_billing_is_prefilled_from_the_published_buyer_and_company(
    acme: Workspace, bob: User, connected: StripeConnection
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)

    prefill = billing_prefill(quote)

    assert (prefill.name, prefill.email, prefill.company) == (
        "Carol Meier",
        "carol@globex.example",
        "Globex GmbH",
    )
    assert (prefill.line1, prefill.postal_code, prefill.city, prefill.country) == (
        "Hauptstraße 12",
        "10115",
        "Berlin",
        "DE",  # the company's "Germany"
    )


@pytest.mark.django_db
def test_r9_payable_quote_page_carries_the_dialog_and_its_config_without_inline_script(
    acme: Workspace, bob: User, connected: StripeConnection, stripe_sandbox: Any
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)

    response = Client().get(reverse("quotes:public", args=[quote.token]))

    html = response.content.decode()
    assert 'role="dialog"' not in html  # the native <dialog> has the role
    assert '<dialog id="purchase-dialog"' in html
    assert 'aria-labelledby="purchase-dialog-title"' in html
    config_text = re.search(
        r'<script id="purchase-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert config_text is not None
    config = json.loads(config_text.group(1))
    assert config["quoteVersion"] == quote.version
    assert config["startUrl"] == reverse("payments:purchase_start", args=[quote.token])
    assert f'<script src="{stripe_sandbox.url}/v3/" defer></script>' in html
    # Every other script is a file of ours: the policy has no 'unsafe-inline'.
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert stripe_sandbox.url in response["Content-Security-Policy"]
    scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert scripts == []


@pytest.mark.django_db
def test_r9_seller_preview_shows_the_purchase_button_disabled_and_no_dialog(
    acme: Workspace, bob: User, bob_client: Client, connected: StripeConnection
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)

    html = bob_client.get(reverse("quotes:preview", args=[quote.pk])).content.decode()

    assert "purchase-dialog" not in html.replace('aria-controls="purchase-dialog"', "")
    assert re.search(r"<button[^>]*disabled[^>]*>Purchase</button>", html)


@pytest.mark.django_db
def test_r9_paid_quote_says_when_it_was_paid_and_links_its_receipt(
    acme: Workspace, bob: User, connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = purchase_start(quote=quote, billing=CAROL, quote_version=quote.version, ip=None)
    assert pay(northwind, purchase)
    purchase = purchase_settle(purchase=purchase)

    html = Client().get(reverse("quotes:public", args=[quote.token])).content.decode()

    assert purchase.paid_at is not None
    paid_on = formats.date_format(timezone.localtime(purchase.paid_at), "DATE_FORMAT")
    assert f"Paid on {paid_on}" in html
    assert reverse("payments:purchase_receipt", args=[quote.token, purchase.reference]) in html
    assert "data-purchase-open" not in html
    assert "purchase.js" not in html
