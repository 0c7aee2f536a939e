"""Charges: the record of each attempt to move money for a PaymentIntent."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import cards
from stripe_sandbox.context import Ctx
from stripe_sandbox.ids import new_id
from stripe_sandbox.render import paginate
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject


def new_charge(
    ctx: Ctx, pi: StripeObject, pm: StripeObject, decline: cards.Decline | None
) -> StripeObject:
    card = pm["card"]
    ok = decline is None
    charge: StripeObject = {
        "id": new_id("ch"),
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"] if ok else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": new_id("txn") if ok else None,
        "billing_details": pm["billing_details"],
        "calculated_statement_descriptor": "SANDBOX",
        "captured": ok,
        "created": ctx.now(),
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": pi["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": decline.code if decline else None,
        "failure_message": decline.message if decline else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(pi["metadata"]),
        "on_behalf_of": None,
        "outcome": _outcome(decline),
        "paid": ok,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": {
            "card": {
                "amount_authorized": pi["amount"] if ok else None,
                "brand": card["brand"],
                "country": card["country"],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "fingerprint": card["fingerprint"],
                "funding": card["funding"],
                "last4": card["last4"],
                "network": card["brand"],
                "three_d_secure": None,
            },
            "type": "card",
        },
        "receipt_email": pi["receipt_email"],
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "succeeded" if ok else "failed",
        "transfer_data": None,
        "transfer_group": None,
    }
    return ctx.add(charge)


def _outcome(decline: cards.Decline | None) -> dict[str, Any]:
    if decline is None:
        return {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 32,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "network_status": "declined_by_network",
        "reason": decline.decline_code,
        "risk_level": "normal",
        "risk_score": 32,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def retrieve_charge(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["charge"], "charge", "charge")


def list_charges(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = list(ctx.state.all_of(ctx.account, "charge"))
    for key in ("customer", "payment_intent"):
        if value := params.get(key):
            items = [c for c in items if c[key] == value]
    return paginate(items, params, "/v1/charges")


ROUTES = [
    Route("get", "/v1/charges", "ChargeListParams", list_charges),
    Route("get", "/v1/charges/{charge}", "ChargeRetrieveParams", retrieve_charge),
]
