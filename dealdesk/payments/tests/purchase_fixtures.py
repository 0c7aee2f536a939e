"""Payable quotes, a buyer's billing details, and what the sandbox holds afterwards."""

from __future__ import annotations

import stripe

from dealdesk.payments.models import Purchase
from dealdesk.payments.purchases import Billing
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import deal_with_lines, draft_quote
from dealdesk.workspaces.models import User, Workspace

Line = tuple[str, int, int, str, int | None, int]  # as quotes.tests.factories takes them

ONE_TIME: list[Line] = [("Onboarding workshop", 1, 150_000, "", None, 1900)]  # €1,785.00 incl. 19 %
MIXED: list[Line] = [
    ("Onboarding workshop", 1, 150_000, "", None, 1900),  # €1,785.00
    ("Growth plan", 25, 4_900, "month", 1, 1900),  # €1,457.75 a month
]
MIXED_DUE_TODAY = 178_500 + 145_775

CAROL = Billing(
    name="Carol Meier",
    email="carol@globex.example",
    company="Globex GmbH",
    address={
        "line1": "Hauptstraße 12",
        "line2": "",
        "city": "Berlin",
        "state": "",
        "postal_code": "10115",
        "country": "DE",
    },
)


def payable_quote(
    workspace: Workspace,
    user: User,
    lines: list[Line],
    *,
    currency: str = "EUR",
    signature: bool = False,
    language: str = "en",
) -> Quote:
    deal = deal_with_lines(workspace, lines, currency=currency, owner=user)
    quote = draft_quote(deal, user, language=language)
    services.quote_update_payment(
        quote=quote,
        payment_enabled=True,
        collect_billing_address=True,
        signature_required=signature,
    )
    return services.quote_publish(quote=quote, user=user)


def pay(client: stripe.StripeClient, purchase: Purchase, card: str = "pm_card_visa") -> bool:
    """What Stripe.js does in the buyer's page: confirm the intent with a card. True if paid."""
    try:
        intent = client.v1.payment_intents.confirm(
            purchase.stripe_payment_intent_id, {"payment_method": card}
        )
    except stripe.CardError:
        return False
    return intent.status == "succeeded"


def sandbox_counts(client: stripe.StripeClient) -> dict[str, int]:
    """How many objects the connected account holds."""
    return {
        "customers": len(client.v1.customers.list({"limit": 100}).data),
        "payment_intents": len(client.v1.payment_intents.list({"limit": 100}).data),
        "subscriptions": len(client.v1.subscriptions.list({"limit": 100, "status": "all"}).data),
        "succeeded_charges": sum(
            1 for c in client.v1.charges.list({"limit": 100}).data if c.status == "succeeded"
        ),
    }


NOTHING = {"customers": 0, "payment_intents": 0, "subscriptions": 0, "succeeded_charges": 0}
