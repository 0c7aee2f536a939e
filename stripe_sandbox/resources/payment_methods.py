"""Payment methods: test cards, `pm_card_*` ids, attach and detach."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from stripe_sandbox import cards
from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import CardError, InvalidRequestError, NotFoundError
from stripe_sandbox.ids import new_id
from stripe_sandbox.render import merge_metadata, paginate
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject

_EMPTY_ADDRESS = {
    "city": None,
    "country": None,
    "line1": None,
    "line2": None,
    "postal_code": None,
    "state": None,
}


def card_payment_method(
    ctx: Ctx, number: str, exp_month: int, exp_year: int, billing: dict[str, Any] | None = None
) -> StripeObject:
    brand, funding, behaviour = cards.describe(number)
    billing = billing or {}
    pm: StripeObject = {
        "id": new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": {**_EMPTY_ADDRESS, **(billing.get("address") or {})},
            "email": billing.get("email") or None,
            "name": billing.get("name") or None,
            "phone": billing.get("phone") or None,
            "tax_id": None,
        },
        "card": {
            "brand": brand,
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "pass",
            },
            "country": "US",
            "display_brand": brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": hashlib.sha256(number.encode()).hexdigest()[:16],
            "funding": funding,
            "generated_from": None,
            "last4": number[-4:],
            "networks": {"available": [brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": ctx.now(),
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
        "_behaviour": behaviour,
    }
    return ctx.add(pm)


def create_from_card(
    ctx: Ctx, card: dict[str, Any], billing: dict[str, Any] | None
) -> StripeObject:
    number = str(card.get("number", "")).replace(" ", "")
    if not cards.luhn_valid(number):
        raise CardError("Your card number is incorrect.", param="number", code="incorrect_number")
    exp_month, exp_year = card.get("exp_month"), card.get("exp_year")
    if not isinstance(exp_month, int) or not 1 <= exp_month <= 12:
        raise CardError(
            "Your card's expiration month is invalid.",
            param="exp_month",
            code="invalid_expiry_month",
        )
    if not isinstance(exp_year, int):
        raise CardError(
            "Your card's expiration year is invalid.", param="exp_year", code="invalid_expiry_year"
        )
    exp_year = exp_year + 2000 if exp_year < 100 else exp_year
    today = dt.datetime.fromtimestamp(ctx.now(), dt.UTC)
    if (exp_year, exp_month) < (today.year, today.month):
        raise CardError(
            "Your card's expiration year is invalid.", param="exp_year", code="invalid_expiry_year"
        )
    cvc = str(card.get("cvc", ""))
    if cvc and (not cvc.isdigit() or len(cvc) not in (3, 4)):
        raise CardError("Your card's security code is invalid.", param="cvc", code="invalid_cvc")
    return card_payment_method(ctx, number, exp_month, exp_year, billing)


def resolve(ctx: Ctx, pm_id: str, param: str = "payment_method") -> StripeObject:
    """A payment method by id; `pm_card_*` test ids make a fresh one, like Stripe."""
    if pm_id in cards.MAGIC_PAYMENT_METHODS:
        number = cards.MAGIC_PAYMENT_METHODS[pm_id]
        year = dt.datetime.fromtimestamp(ctx.now(), dt.UTC).year + 3
        return card_payment_method(ctx, number, 12, year)
    obj = ctx.state.find(pm_id)
    if obj is None or obj.get("object") != "payment_method" or obj["_account"] != ctx.account:
        raise NotFoundError("PaymentMethod", pm_id, param)
    return obj


def create(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    kind = params.get("type", "card")
    if kind != "card":
        raise InvalidRequestError(
            f"The sandbox only supports card payment methods, not '{kind}'.", param="type"
        )
    if "payment_method" in params:
        return resolve(ctx, params["payment_method"])
    if "card" not in params:
        raise InvalidRequestError(
            "Missing required param: card.", param="card", code="parameter_missing"
        )
    pm = create_from_card(ctx, params["card"], params.get("billing_details"))
    if "metadata" in params:
        pm["metadata"] = merge_metadata({}, params["metadata"])
    return pm


def retrieve(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return resolve(ctx, ids["payment_method"], "id")


def update(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    pm = resolve(ctx, ids["payment_method"], "id")
    if "metadata" in params:
        pm["metadata"] = merge_metadata(pm["metadata"], params["metadata"])
    if "billing_details" in params:
        details = params["billing_details"] or {}
        for key in ("email", "name", "phone"):
            if key in details:
                pm["billing_details"][key] = details[key] or None
    ctx.state.touch()
    ctx.emit("payment_method.updated", pm)
    return pm


def attach(ctx: Ctx, pm: StripeObject, customer: StripeObject) -> StripeObject:
    if pm.get("customer") and pm["customer"] != customer["id"]:
        raise InvalidRequestError(
            "The payment method you provided has already been attached to a customer.",
            param="payment_method",
        )
    decline = cards.DECLINES.get(pm["_behaviour"])
    if decline is not None and pm["_behaviour"] not in cards.ATTACHABLE_DECLINES:
        # Attaching verifies the card with the issuer, which these cards fail.
        raise CardError(
            decline.message, code=decline.code, extra={"decline_code": decline.decline_code}
        )
    if pm.get("customer") != customer["id"]:
        pm["customer"] = customer["id"]
        ctx.state.touch()
        ctx.emit("payment_method.attached", pm)
    return pm


def attach_route(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    pm = resolve(ctx, ids["payment_method"], "payment_method")
    customer = ctx.get(params["customer"], "customer", "customer")
    return attach(ctx, pm, customer)


def detach(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    pm = resolve(ctx, ids["payment_method"], "payment_method")
    if not pm.get("customer"):
        raise InvalidRequestError(
            "The payment method you provided is not attached to a customer so detachment is "
            "impossible.",
            param="payment_method",
        )
    pm["customer"] = None
    ctx.state.touch()
    ctx.emit("payment_method.detached", pm)
    return pm


def list_payment_methods(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    customer = ids.get("customer") or params.get("customer")
    if customer:
        ctx.get(customer, "customer", "customer")
    items = (
        pm
        for pm in ctx.state.all_of(ctx.account, "payment_method")
        if (customer is None or pm["customer"] == customer)
        and params.get("type", "card") == pm["type"]
    )
    url = (
        f"/v1/customers/{customer}/payment_methods" if "customer" in ids else "/v1/payment_methods"
    )
    return paginate(items, params, url)


ROUTES = [
    Route("get", "/v1/payment_methods", "PaymentMethodListParams", list_payment_methods),
    Route("post", "/v1/payment_methods", "PaymentMethodCreateParams", create, publishable=True),
    Route("get", "/v1/payment_methods/{payment_method}", "PaymentMethodRetrieveParams", retrieve),
    Route("post", "/v1/payment_methods/{payment_method}", "PaymentMethodUpdateParams", update),
    Route(
        "post",
        "/v1/payment_methods/{payment_method}/attach",
        "PaymentMethodAttachParams",
        attach_route,
    ),
    Route(
        "post",
        "/v1/payment_methods/{payment_method}/detach",
        "PaymentMethodDetachParams",
        detach,
    ),
    Route(
        "get",
        "/v1/customers/{customer}/payment_methods",
        "CustomerPaymentMethodListParams",
        list_payment_methods,
    ),
]
