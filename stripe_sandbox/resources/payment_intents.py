"""PaymentIntents and their charges: create, confirm, 3-D Secure, cancel.

Confirmation looks at the payment method's test-card behaviour: success,
a decline (402 `card_error` with `decline_code`), or 3-D Secure, which leaves
the intent in `requires_action` until the challenge is completed or failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from stripe_sandbox import cards, money
from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import CardError, InvalidRequestError, refuse_unsupported
from stripe_sandbox.events import changed
from stripe_sandbox.ids import new_id, random_token
from stripe_sandbox.render import merge_metadata, paginate, present
from stripe_sandbox.resources import payment_methods
from stripe_sandbox.resources.charges import new_charge
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject

# Billing registers here to settle invoices when their payment intent settles.
PaymentHook = Callable[[Ctx, StripeObject, StripeObject], None]
ON_SUCCEEDED: list[PaymentHook] = []
ON_FAILED: list[PaymentHook] = []

# The payment method types the sandbox models (its accounts have only cards enabled).
SUPPORTED_METHOD_TYPES = ("card",)
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
AUTHENTICATION_FAILED = (
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again."
)


def new_payment_intent(
    ctx: Ctx,
    *,
    amount: int,
    currency: str,
    customer: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    setup_future_usage: str | None = None,
    automatic: bool = True,
    allowed_types: list[str] | None = None,
    excluded_types: list[str] | None = None,
    receipt_email: str | None = None,
) -> StripeObject:
    currency = currency.lower()
    if problem := money.charge_amount_problem(amount, currency):
        raise InvalidRequestError(problem, param="amount", code="amount_too_small")
    pi_id = new_id("pi")
    pi: StripeObject = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "allowed_payment_method_types": allowed_types,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": (
            {"allow_redirects": "always", "enabled": True} if automatic else None
        ),
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{pi_id}_secret_{random_token(25)}",
        "confirmation_method": "automatic",
        "created": ctx.now(),
        "currency": currency,
        "customer": customer,
        "customer_account": None,
        "description": description,
        "excluded_payment_method_types": excluded_types,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": metadata or {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {
            "card": {
                "installments": None,
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        "payment_method_types": _method_types(allowed_types, excluded_types),
        "processing": None,
        "receipt_email": receipt_email,
        "review": None,
        "setup_future_usage": setup_future_usage,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    ctx.add(pi)
    ctx.emit("payment_intent.created", pi)
    return pi


def _method_types(allowed: list[str] | None, excluded: list[str] | None) -> list[str]:
    """Of the allowed (default: every) types, those the account can take; refused if none."""
    offered = [
        kind
        for kind in SUPPORTED_METHOD_TYPES
        if (allowed is None or kind in allowed) and kind not in (excluded or [])
    ]
    if not offered:
        param = "allowed_payment_method_types" if allowed else "excluded_payment_method_types"
        raise InvalidRequestError(
            "None of the requested payment method types can be used: the Stripe sandbox only "
            f"supports {', '.join(SUPPORTED_METHOD_TYPES)} payment methods; use real Stripe "
            "test mode for others.",
            param=param,
        )
    return offered


def _restrict(pi: StripeObject, params: dict[str, Any]) -> None:
    """`allowed_payment_method_types` / `excluded_payment_method_types` on update or confirm."""
    names = ("allowed_payment_method_types", "excluded_payment_method_types")
    if not any(name in params for name in names):
        return
    allowed, excluded = (params[n] or None if n in params else pi[n] for n in names)
    pi["payment_method_types"] = _method_types(allowed, excluded)
    pi.update(dict(zip(names, (allowed, excluded), strict=True)))


def create(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    if params.get("capture_method") == "manual" or params.get("confirmation_method") == "manual":
        refuse_unsupported(params, {"capture_method", "confirmation_method"}, "payment intents")
    refuse_unsupported(
        params,
        {"application_fee_amount", "transfer_data", "on_behalf_of", "transfer_group"},
        "payment intents",
    )
    customer = params.get("customer")
    if customer:
        ctx.get(customer, "customer", "customer")
    automatic = bool((params.get("automatic_payment_methods") or {}).get("enabled"))
    pi = new_payment_intent(
        ctx,
        amount=params["amount"],
        currency=params["currency"],
        customer=customer,
        description=params.get("description"),
        metadata=merge_metadata({}, params.get("metadata", {})),
        setup_future_usage=params.get("setup_future_usage"),
        automatic=automatic or "allowed_payment_method_types" not in params,
        allowed_types=params.get("allowed_payment_method_types"),
        excluded_types=params.get("excluded_payment_method_types"),
        receipt_email=params.get("receipt_email"),
    )
    if pm_id := params.get("payment_method"):
        pi["payment_method"] = payment_methods.resolve(ctx, pm_id)["id"]
        pi["status"] = "requires_confirmation"
    if params.get("confirm"):
        confirm_intent(ctx, pi, params)
    return pi


def retrieve(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    pi = ctx.get_intent(ids["intent"], "payment_intent", params)
    return pi


def update(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    pi = ctx.get(ids["intent"], "payment_intent", "intent")
    if pi["status"] in ("succeeded", "canceled", "processing"):
        raise InvalidRequestError(
            f"This PaymentIntent's amount could not be updated because it has a status of "
            f"{pi['status']}.",
            code="payment_intent_unexpected_state",
        )
    before = present(ctx.state, pi)
    _restrict(pi, params)
    for key in ("amount", "description", "receipt_email", "setup_future_usage", "customer"):
        if key in params:
            pi[key] = params[key] if params[key] != "" else None
    if "currency" in params:
        pi["currency"] = params["currency"].lower()
    if problem := money.charge_amount_problem(pi["amount"], pi["currency"]):
        raise InvalidRequestError(problem, param="amount", code="amount_too_small")
    if "metadata" in params:
        pi["metadata"] = merge_metadata(pi["metadata"], params["metadata"])
    if pm_id := params.get("payment_method"):
        pi["payment_method"] = payment_methods.resolve(ctx, pm_id)["id"]
        pi["status"] = "requires_confirmation"
    ctx.state.touch()
    ctx.emit("payment_intent.updated", pi, changed(before, present(ctx.state, pi)))
    return pi


def confirm(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    pi = ctx.get_intent(ids["intent"], "payment_intent", params)
    return confirm_intent(ctx, pi, params)


def require_charges_enabled(ctx: Ctx) -> None:
    account = ctx.state.find(ctx.account)
    if account is not None and not account.get("charges_enabled"):
        raise InvalidRequestError(
            "Your account cannot currently make charges. To find out why charge creation is "
            "currently disabled, look at the `requirements.disabled_reason` property on this "
            "account (/v1/accounts/" + ctx.account + ").",
            code="account_invalid",
        )


def confirm_intent(ctx: Ctx, pi: StripeObject, params: dict[str, Any]) -> StripeObject:
    if pi["status"] not in CONFIRMABLE:
        raise InvalidRequestError(
            f"You cannot confirm this PaymentIntent because it has a status of {pi['status']}.",
            code="payment_intent_unexpected_state",
            extra={"payment_intent": present(ctx.state, pi)},
        )
    require_charges_enabled(ctx)
    _restrict(pi, params)
    if pm_id := params.get("payment_method"):
        pi["payment_method"] = payment_methods.resolve(ctx, pm_id)["id"]
    if not pi["payment_method"]:
        raise InvalidRequestError(
            "You cannot confirm this PaymentIntent because it's missing a payment method. To "
            "confirm the PaymentIntent with cus_xxx, specify a payment method attached to this "
            "customer along with the customer ID.",
            param="payment_method",
            code="payment_intent_unexpected_state",
        )
    for key in ("setup_future_usage", "receipt_email"):
        if key in params:
            pi[key] = params[key] or None
    pm = ctx.get(pi["payment_method"], "PaymentMethod", "payment_method")
    off_session = bool(params.get("off_session"))
    set_up = bool(pm.get("customer")) and pm["customer"] == pi["customer"]
    if cards.needs_authentication(pm["_behaviour"], off_session=off_session, set_up=set_up):
        if off_session or params.get("error_on_requires_action"):
            _fail(ctx, pi, pm, cards.AUTHENTICATION_REQUIRED)
        _require_action(ctx, pi, params)
        return pi
    return settle(ctx, pi, pm)


def _require_action(ctx: Ctx, pi: StripeObject, params: dict[str, Any]) -> None:
    challenge = challenge_url(ctx, pi)
    if params.get("return_url") and not params.get("use_stripe_sdk"):
        pi["next_action"] = {
            "redirect_to_url": {"return_url": params["return_url"], "url": challenge},
            "type": "redirect_to_url",
        }
    else:
        pi["next_action"] = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {
                "type": "three_d_secure_redirect",
                "stripe_js": challenge,
                "source": new_id("src"),
            },
        }
    pi["_return_url"] = params.get("return_url")
    pi["status"] = "requires_action"
    ctx.state.touch()
    ctx.emit("payment_intent.requires_action", pi)


def challenge_url(ctx: Ctx, intent: StripeObject) -> str:
    query = urlencode({"client_secret": intent["client_secret"]})
    return f"{ctx.config.base_url()}/3ds/{intent['id']}?{query}"


def settle(ctx: Ctx, pi: StripeObject, pm: StripeObject) -> StripeObject:
    """Charge the card: succeed, or fail with the card's decline."""
    behaviour = pm["_behaviour"]
    decline = cards.DECLINES.get(behaviour)
    if behaviour == "charge_customer_fail" and not pm.get("customer"):
        decline = None
    if decline is not None:
        _fail(ctx, pi, pm, decline)
    charge = new_charge(ctx, pi, pm, None)
    pi.update(
        {
            "status": "succeeded",
            "amount_received": pi["amount"],
            "latest_charge": charge["id"],
            "next_action": None,
            "last_payment_error": None,
        }
    )
    if pi["customer"] and pi["setup_future_usage"] and not pm.get("customer"):
        pm["customer"] = pi["customer"]
        ctx.emit("payment_method.attached", pm)
    ctx.state.touch()
    ctx.emit("charge.succeeded", charge)
    ctx.emit("payment_intent.succeeded", pi)
    for hook in ON_SUCCEEDED:
        hook(ctx, pi, pm)
    return pi


def _fail(ctx: Ctx, pi: StripeObject, pm: StripeObject, decline: cards.Decline) -> None:
    charge = new_charge(ctx, pi, pm, decline)
    error = {
        "charge": charge["id"],
        "code": decline.code,
        "decline_code": decline.decline_code,
        "doc_url": f"https://stripe.com/docs/error-codes/{decline.code.replace('_', '-')}",
        "message": decline.message,
        "payment_method": present(ctx.state, pm),
        "type": "card_error",
    }
    pi.update(
        {
            "status": "requires_payment_method",
            "latest_charge": charge["id"],
            "last_payment_error": error,
            "next_action": None,
        }
    )
    ctx.state.touch()
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", pi)
    for hook in ON_FAILED:
        hook(ctx, pi, pm)
    raise CardError(
        decline.message,
        code=decline.code,
        extra={
            "charge": charge["id"],
            "decline_code": decline.decline_code,
            "payment_intent": present(ctx.state, pi),
            "payment_method": present(ctx.state, pm),
        },
    )


def complete_authentication(ctx: Ctx, pi: StripeObject, success: bool) -> StripeObject:
    """The buyer pressed Complete or Fail in the 3-D Secure challenge."""
    if pi["status"] != "requires_action":
        return pi
    pm = ctx.get(pi["payment_method"], "PaymentMethod", "payment_method")
    if success:
        try:
            return settle(ctx, pi, pm)
        except CardError:
            return pi
    pi.update(
        {
            "status": "requires_payment_method",
            "next_action": None,
            "last_payment_error": {
                "code": "payment_intent_authentication_failure",
                "doc_url": "https://stripe.com/docs/error-codes/"
                "payment-intent-authentication-failure",
                "message": AUTHENTICATION_FAILED,
                "payment_method": present(ctx.state, pm),
                "type": "invalid_request_error",
            },
        }
    )
    ctx.state.touch()
    ctx.emit("payment_intent.payment_failed", pi)
    for hook in ON_FAILED:
        hook(ctx, pi, pm)
    return pi


def cancel(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    pi = ctx.get(ids["intent"], "payment_intent", "intent")
    if pi["status"] not in (*CONFIRMABLE, "requires_capture"):
        raise InvalidRequestError(
            "You cannot cancel this PaymentIntent because it has a status of "
            f"{pi['status']}. Only a PaymentIntent with one of the following statuses may be "
            "canceled: requires_payment_method, requires_capture, requires_confirmation, "
            "requires_action, processing.",
            code="payment_intent_unexpected_state",
        )
    pi.update(
        {
            "status": "canceled",
            "canceled_at": ctx.now(),
            "cancellation_reason": params.get("cancellation_reason"),
            "next_action": None,
        }
    )
    ctx.state.touch()
    ctx.emit("payment_intent.canceled", pi)
    return pi


def list_intents(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = ctx.state.all_of(ctx.account, "payment_intent")
    if customer := params.get("customer"):
        items = (pi for pi in items if pi["customer"] == customer)
    return paginate(items, params, "/v1/payment_intents")


ROUTES = [
    Route("get", "/v1/payment_intents", "PaymentIntentListParams", list_intents),
    Route("post", "/v1/payment_intents", "PaymentIntentCreateParams", create),
    Route(
        "get",
        "/v1/payment_intents/{intent}",
        "PaymentIntentRetrieveParams",
        retrieve,
        publishable=True,
    ),
    Route("post", "/v1/payment_intents/{intent}", "PaymentIntentUpdateParams", update),
    Route(
        "post",
        "/v1/payment_intents/{intent}/confirm",
        "PaymentIntentConfirmParams",
        confirm,
        publishable=True,
    ),
    Route("post", "/v1/payment_intents/{intent}/cancel", "PaymentIntentCancelParams", cancel),
]
