"""SetupIntents: save a card for later (Stripe.js `confirmSetup`)."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import cards
from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import CardError, InvalidRequestError
from stripe_sandbox.ids import new_id, random_token
from stripe_sandbox.render import merge_metadata, paginate, present
from stripe_sandbox.resources import payment_methods
from stripe_sandbox.resources.payment_intents import (
    AUTHENTICATION_FAILED,
    CONFIRMABLE,
    challenge_url,
)
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject


def new_setup_intent(
    ctx: Ctx, *, customer: str | None, metadata: dict[str, str] | None = None
) -> StripeObject:
    seti_id = new_id("seti")
    seti: StripeObject = {
        "id": seti_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": {"allow_redirects": "always", "enabled": True},
        "cancellation_reason": None,
        "client_secret": f"{seti_id}_secret_{random_token(25)}",
        "created": ctx.now(),
        "customer": customer,
        "customer_account": None,
        "description": None,
        "excluded_payment_method_types": None,
        "flow_directions": None,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": metadata or {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": ["card"],
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": "off_session",
    }
    ctx.add(seti)
    ctx.emit("setup_intent.created", seti)
    return seti


def create(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    if customer := params.get("customer"):
        ctx.get(customer, "customer", "customer")
    seti = new_setup_intent(
        ctx, customer=customer, metadata=merge_metadata({}, params.get("metadata", {}))
    )
    seti["usage"] = params.get("usage", "off_session")
    if pm_id := params.get("payment_method"):
        seti["payment_method"] = payment_methods.resolve(ctx, pm_id)["id"]
        seti["status"] = "requires_confirmation"
    if params.get("confirm"):
        confirm_setup(ctx, seti, params)
    return seti


def retrieve(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    seti = ctx.get_intent(ids["intent"], "setup_intent", params)
    return seti


def confirm(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    seti = ctx.get_intent(ids["intent"], "setup_intent", params)
    return confirm_setup(ctx, seti, params)


def confirm_setup(ctx: Ctx, seti: StripeObject, params: dict[str, Any]) -> StripeObject:
    if seti["status"] not in CONFIRMABLE:
        raise InvalidRequestError(
            f"You cannot confirm this SetupIntent because it has a status of {seti['status']}.",
            code="setup_intent_unexpected_state",
        )
    if pm_id := params.get("payment_method"):
        seti["payment_method"] = payment_methods.resolve(ctx, pm_id)["id"]
    if not seti["payment_method"]:
        raise InvalidRequestError(
            "You cannot confirm this SetupIntent because it's missing a payment method.",
            param="payment_method",
            code="setup_intent_unexpected_state",
        )
    pm = ctx.get(seti["payment_method"], "PaymentMethod", "payment_method")
    behaviour = pm["_behaviour"]
    if behaviour in ("3ds_setup", "3ds_always"):
        seti["status"] = "requires_action"
        seti["next_action"] = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {
                "type": "three_d_secure_redirect",
                "stripe_js": challenge_url(ctx, seti),
                "source": new_id("src"),
            },
        }
        ctx.state.touch()
        ctx.emit("setup_intent.requires_action", seti)
        return seti
    decline = cards.DECLINES.get(behaviour)
    if decline is not None and behaviour not in cards.ATTACHABLE_DECLINES:
        seti["status"] = "requires_payment_method"
        seti["last_setup_error"] = {
            "code": decline.code,
            "decline_code": decline.decline_code,
            "message": decline.message,
            "payment_method": present(ctx.state, pm),
            "type": "card_error",
        }
        ctx.state.touch()
        ctx.emit("setup_intent.setup_failed", seti)
        raise CardError(
            decline.message,
            code=decline.code,
            extra={
                "decline_code": decline.decline_code,
                "setup_intent": present(ctx.state, seti),
            },
        )
    return succeed(ctx, seti, pm)


def succeed(ctx: Ctx, seti: StripeObject, pm: StripeObject) -> StripeObject:
    seti.update({"status": "succeeded", "next_action": None, "last_setup_error": None})
    if seti["customer"] and pm.get("customer") != seti["customer"]:
        pm["customer"] = seti["customer"]
        ctx.emit("payment_method.attached", pm)
    ctx.state.touch()
    ctx.emit("setup_intent.succeeded", seti)
    return seti


def complete_authentication(ctx: Ctx, seti: StripeObject, success: bool) -> StripeObject:
    if seti["status"] != "requires_action":
        return seti
    pm = ctx.get(seti["payment_method"], "PaymentMethod", "payment_method")
    if success:
        return succeed(ctx, seti, pm)
    seti.update(
        {
            "status": "requires_payment_method",
            "next_action": None,
            "last_setup_error": {
                "code": "setup_intent_authentication_failure",
                "message": AUTHENTICATION_FAILED,
                "payment_method": present(ctx.state, pm),
                "type": "invalid_request_error",
            },
        }
    )
    ctx.state.touch()
    ctx.emit("setup_intent.setup_failed", seti)
    return seti


def list_setup_intents(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = list(ctx.state.all_of(ctx.account, "setup_intent"))
    if customer := params.get("customer"):
        items = [s for s in items if s["customer"] == customer]
    return paginate(items, params, "/v1/setup_intents")


ROUTES = [
    Route("get", "/v1/setup_intents", "SetupIntentListParams", list_setup_intents),
    Route("post", "/v1/setup_intents", "SetupIntentCreateParams", create),
    Route(
        "get",
        "/v1/setup_intents/{intent}",
        "SetupIntentRetrieveParams",
        retrieve,
        publishable=True,
    ),
    Route(
        "post",
        "/v1/setup_intents/{intent}/confirm",
        "SetupIntentConfirmParams",
        confirm,
        publishable=True,
    ),
]
