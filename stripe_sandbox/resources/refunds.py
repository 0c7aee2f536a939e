"""Refunds of succeeded charges (full or partial); each sends `charge.refunded`."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import money
from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import InvalidRequestError
from stripe_sandbox.ids import new_id
from stripe_sandbox.render import merge_metadata, paginate
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject


def create(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    if "charge" in params:
        charge = ctx.get(params["charge"], "charge", "charge")
    elif "payment_intent" in params:
        pi = ctx.get(params["payment_intent"], "payment_intent", "payment_intent")
        if pi["status"] != "succeeded" or not pi["latest_charge"]:
            raise InvalidRequestError(
                f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        charge = ctx.get(pi["latest_charge"], "charge", "payment_intent")
    else:
        raise InvalidRequestError(
            "One of the following params should be provided for this request: payment_intent "
            "or charge.",
            code="parameter_missing",
        )
    if charge["status"] != "succeeded":
        raise InvalidRequestError(
            f"Charge {charge['id']} has not succeeded and cannot be refunded.", param="charge"
        )
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining <= 0:
        raise InvalidRequestError(
            f"Charge {charge['id']} has already been refunded.",
            code="charge_already_refunded",
        )
    amount = params.get("amount", remaining)
    if amount > remaining:
        raise InvalidRequestError(
            f"Refund amount ({money.format_amount(amount, charge['currency'])}) is greater than "
            f"unrefunded amount on charge ({money.format_amount(remaining, charge['currency'])})",
            param="amount",
        )
    if amount < 1:
        raise InvalidRequestError("Invalid positive integer", param="amount")
    refund: StripeObject = {
        "id": new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn"),
        "charge": charge["id"],
        "created": ctx.now(),
        "currency": charge["currency"],
        "customer": charge["customer"],
        "customer_account": None,
        "destination_details": {
            "card": {
                "reference_status": "pending",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        },
        "metadata": merge_metadata({}, params.get("metadata", {})),
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": params.get("reason"),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    ctx.add(refund)
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
    ctx.emit("refund.created", refund)
    ctx.emit("charge.refunded", charge, previous)
    return refund


def retrieve(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["refund"], "refund", "refund")


def list_refunds(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = list(ctx.state.all_of(ctx.account, "refund"))
    for key in ("charge", "payment_intent"):
        if key in params:
            items = [r for r in items if r[key] == params[key]]
    return paginate(items, params, "/v1/refunds")


ROUTES = [
    Route("get", "/v1/refunds", "RefundListParams", list_refunds),
    Route("post", "/v1/refunds", "RefundCreateParams", create),
    Route("get", "/v1/refunds/{refund}", "RefundRetrieveParams", retrieve),
]
