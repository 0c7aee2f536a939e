"""`make demo` data: a published quote a new user can pay at once, an expired one and a draft.

load_demo runs against a real sandbox (as `make demo` starts one before it): the
workspace is connected through the OAuth round trip, so the sandbox too knows the
platform is authorized for the demo account.
"""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from dealdesk.crm.models import Stage
from dealdesk.payments.models import ConnectionStatus, StripeConnection
from dealdesk.payments.purchases import Billing, purchase_settle, purchase_start
from dealdesk.payments.tests.purchase_fixtures import pay
from dealdesk.quotes.models import Quote, QuoteStatus
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT

pytestmark = pytest.mark.django_db


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_demo_has_published_expired_and_draft_quotes_and_prints_the_link(
    stripe_sandbox: Any,
) -> None:
    first, again = _load(), _load()

    quotes = list(Quote.objects.order_by("pk"))
    assert [q.status for q in quotes] == ["published", "published", "draft"]
    published, expired, draft = quotes
    assert not published.shows_as_expired
    assert expired.shows_as_expired
    assert draft.status == QuoteStatus.DRAFT
    link = f"http://127.0.0.1:8000/q/{published.token}/"
    assert link in first
    assert link in again  # idempotent: same quotes, same link
    assert Client().get(f"/q/{published.token}/").status_code == 200


def test_demo_workspace_is_connected_in_the_sandbox_and_its_quote_can_be_paid_at_once(
    stripe_sandbox: Any,
) -> None:
    printed = _load()

    connection = StripeConnection.objects.get()
    assert connection.account_id == DEMO_ACTIVE_ACCOUNT
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.charges_enabled
    sandbox_accounts = {a["id"]: a for a in stripe_sandbox.admin("config")["accounts"]}
    assert sandbox_accounts[DEMO_ACTIVE_ACCOUNT]["connected"]  # the grant is real there too
    assert f"connected to Northwind Traders (demo) ({DEMO_ACTIVE_ACCOUNT})" in printed
    assert "A quote a buyer can pay now" in printed
    assert "Disconnect,\n  then Connect with Stripe" in printed
    quote = Quote.objects.get(status="published", payment_enabled=True)
    assert quote.token is not None and quote.token in printed

    carol = Billing(name="Carol Meier", email="carol@globex.example", signature_name="Carol")
    purchase = purchase_start(quote=quote, billing=carol, quote_version=quote.version, ip=None)
    assert pay(stripe_sandbox.client(stripe_account=DEMO_ACTIVE_ACCOUNT), purchase)
    purchase_settle(purchase=purchase)

    quote.refresh_from_db()
    quote.deal.refresh_from_db()
    assert quote.status == QuoteStatus.PAID
    assert quote.deal.stage == Stage.CLOSED_WON
    on_stripe = stripe_sandbox.client(stripe_account=DEMO_ACTIVE_ACCOUNT).v1.payment_intents
    assert on_stripe.retrieve(purchase.stripe_payment_intent_id).status == "succeeded"


def test_demo_without_a_sandbox_is_not_connected_and_says_how_to_connect(settings: Any) -> None:
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port

    printed = _load()

    assert not StripeConnection.objects.exists()
    assert not Quote.objects.filter(payment_enabled=True).exists()
    assert "Stripe    not connected: no Stripe sandbox answers at http://127.0.0.1:9" in printed
    assert "A buyer's view of a published quote" in printed
    assert "Connect with Stripe" in printed
