"""Subscriptions and their items: create (first invoice), update, cancel."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import billing
from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import InvalidRequestError, StripeApiError, refuse_unsupported
from stripe_sandbox.events import changed
from stripe_sandbox.ids import new_id
from stripe_sandbox.render import merge_metadata, paginate, present
from stripe_sandbox.resources import payment_methods
from stripe_sandbox.resources.catalog import price_from_data
from stripe_sandbox.resources.payment_intents import confirm_intent
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject

MAX_ITEMS = 20
ENDED = ("canceled", "incomplete_expired")
UNSUPPORTED_ON_CREATE = {
    "trial_end",
    "trial_period_days",
    "trial_from_plan",
    "trial_settings",
    "discounts",
    "backdate_start_date",
    "billing_cycle_anchor_config",
    "pending_invoice_item_interval",
    "billing_thresholds",
    "transfer_data",
    "application_fee_percent",
    "billing_schedules",
    "default_tax_rates",
    "automatic_tax",
    "on_behalf_of",
}

# Per-item parameters the sandbox does not model (tax rates, discounts, …).
UNSUPPORTED_ON_ITEMS = {"billing_thresholds", "current_trial", "discounts", "plan", "tax_rates"}
UNSUPPORTED_ON_INVOICE_ITEMS = {"discounts", "period", "tax_rates"}


def _resolve_price(ctx: Ctx, spec: dict[str, Any], param: str, recurring: bool) -> StripeObject:
    if "price" in spec:
        price = ctx.get(spec["price"], "price", f"{param}[price]")
    elif "price_data" in spec:
        price = price_from_data(ctx, spec["price_data"], f"{param}[price_data]")
    else:
        raise InvalidRequestError(
            f"Missing required param: {param}[price].",
            param=f"{param}[price]",
            code="parameter_missing",
        )
    if recurring and price["type"] != "recurring":
        raise InvalidRequestError(
            "The price specified is set to `type=one_time` but this field only accepts prices "
            "with `type=recurring`.",
            param=f"{param}[price]",
        )
    if not recurring and price["type"] != "one_time":
        raise InvalidRequestError(
            "The price specified is set to `type=recurring` but this field only accepts prices "
            "with `type=one_time`.",
            param=f"{param}[price]",
        )
    return price


def create(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    if "customer" not in params:
        raise InvalidRequestError(
            "Missing required param: customer.", param="customer", code="parameter_missing"
        )
    refuse_unsupported(params, UNSUPPORTED_ON_CREATE, "subscriptions")
    if params.get("collection_method") == "send_invoice":
        refuse_unsupported(params, {"collection_method"}, "subscriptions")
    customer = ctx.get(params["customer"], "customer", "customer")
    item_specs = params.get("items", [])
    extra_specs = params.get("add_invoice_items", [])
    if not item_specs:
        raise InvalidRequestError(
            "Missing required param: items.", param="items", code="parameter_missing"
        )
    for name, specs, unsupported in (
        ("items", item_specs, UNSUPPORTED_ON_ITEMS),
        ("add_invoice_items", extra_specs, UNSUPPORTED_ON_INVOICE_ITEMS),
    ):
        if len(specs) > MAX_ITEMS:
            raise InvalidRequestError(f"You may only specify up to {MAX_ITEMS} {name}.", param=name)
        for index, spec in enumerate(specs):
            refuse_unsupported(spec, unsupported, "subscriptions", f"{name}[{index}]")
    prices = [_resolve_price(ctx, s, f"items[{i}]", True) for i, s in enumerate(item_specs)]
    extras = [
        _resolve_price(ctx, s, f"add_invoice_items[{i}]", False) for i, s in enumerate(extra_specs)
    ]
    _check_compatible(prices, extras, params)
    now = ctx.now()
    anchor = params.get("billing_cycle_anchor", now)
    if anchor > now:
        raise InvalidRequestError(
            "The sandbox only supports billing cycles anchored at the subscription's start.",
            param="billing_cycle_anchor",
        )
    cancel_at = params.get("cancel_at")
    if isinstance(cancel_at, int) and cancel_at <= now:
        raise InvalidRequestError("cancel_at must be in the future.", param="cancel_at")
    default_pm = params.get("default_payment_method")
    if default_pm:
        default_pm = payment_methods.resolve(ctx, default_pm, "default_payment_method")["id"]
    sub_id = new_id("sub")
    recurring = prices[0]["recurring"]
    sub: StripeObject = {
        "id": sub_id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": now,
        "billing_cycle_anchor_config": None,
        "billing_mode": _billing_mode(params, now),
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": params.get("collection_method", "charge_automatically"),
        "created": now,
        "currency": prices[0]["currency"],
        "customer": customer["id"],
        "customer_account": None,
        "days_until_due": params.get("days_until_due"),
        "default_payment_method": default_pm or None,
        "default_source": None,
        "default_tax_rates": [],
        "description": params.get("description"),
        "discounts": [],
        "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "latest_invoice": None,
        "livemode": False,
        "metadata": merge_metadata({}, params.get("metadata", {})),
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {
            "payment_method_options": None,
            "payment_method_types": None,
            "save_default_payment_method": (params.get("payment_settings") or {}).get(
                "save_default_payment_method", "off"
            ),
        },
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": now,
        "status": "incomplete",
        "test_clock": None,
        "transfer_data": None,
        "trial_end": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": None,
        "_interval": [recurring["interval"], recurring["interval_count"]],
        "_period_index": 0,
        "_items": [],
    }
    period = billing.current_period(sub)
    ctx.add(sub)
    _set_cancel_at(sub, cancel_at, period)
    for spec, price in zip(item_specs, prices, strict=True):
        sub["_items"].append(_new_item(ctx, sub, spec, price, period)["id"])
    invoice = _first_invoice(ctx, sub, customer, extra_specs, extras, period)
    # Emitted once `latest_invoice` is set, as Stripe's event carries it.
    ctx.emit("customer.subscription.created", sub)
    _collect_first_payment(ctx, sub, customer, invoice, params)
    return sub


def _billing_mode(params: dict[str, Any], now: int) -> dict[str, Any]:
    """Since 2025-09-30.clover new subscriptions default to flexible billing mode."""
    requested = params.get("billing_mode") or {}
    if requested.get("type", "flexible") == "classic":
        if "flexible" in requested:
            raise InvalidRequestError(
                "billing_mode[flexible] can only be set when billing_mode[type] is flexible.",
                param="billing_mode[flexible]",
            )
        return {"flexible": None, "type": "classic", "updated_at": None}
    # The sandbox refuses every change that would prorate, so the setting only shows.
    discounts = (requested.get("flexible") or {}).get("proration_discounts")
    return {"flexible": {"proration_discounts": discounts}, "type": "flexible", "updated_at": now}


def _check_compatible(
    prices: list[StripeObject], extras: list[StripeObject], params: dict[str, Any]
) -> None:
    currencies = {p["currency"] for p in prices + extras}
    if len(currencies) > 1:
        raise InvalidRequestError(
            "Currency and interval fields must match across all plans on this subscription. "
            "Found mismatch in currency field.",
            param="items",
        )
    flexible = (params.get("billing_mode") or {}).get("type", "flexible") == "flexible"
    intervals = {(p["recurring"]["interval"], p["recurring"]["interval_count"]) for p in prices}
    if len(intervals) > 1 and not flexible:
        raise InvalidRequestError(
            "Currency and interval fields must match across all plans on this subscription. "
            "Found mismatch in interval field.",
            param="items",
        )
    if len(intervals) > 1:
        raise InvalidRequestError(
            "The sandbox does not support mixed intervals (flexible billing mode).",
            param="billing_mode",
        )


def _new_item(
    ctx: Ctx, sub: StripeObject, spec: dict[str, Any], price: StripeObject, period: tuple[int, int]
) -> StripeObject:
    item: StripeObject = {
        "id": new_id("si", 14),
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": ctx.now(),
        "current_period_end": period[1],
        "current_period_start": period[0],
        "discounts": [],
        "metadata": merge_metadata({}, spec.get("metadata", {})),
        "quantity": spec.get("quantity", 1),
        "subscription": sub["id"],
        "tax_rates": [],
        "_price": price["id"],
    }
    return ctx.add(item)


def _first_invoice(
    ctx: Ctx,
    sub: StripeObject,
    customer: StripeObject,
    extra_specs: list[dict[str, Any]],
    extras: list[StripeObject],
    period: tuple[int, int],
) -> StripeObject:
    invoice_id = new_id("in")
    lines = [
        billing.item_line(ctx, invoice_id, sub, ctx.state.objects[item_id], period)
        for item_id in sub["_items"]
    ]
    for spec, price in zip(extra_specs, extras, strict=True):
        invoice_item = _invoice_item(ctx, sub, customer, spec, price, invoice_id)
        lines.append(billing.invoice_item_line(ctx, invoice_id, sub, invoice_item))
    now = ctx.now()
    # Stripe gives a subscription's first invoice a zero-length period at creation.
    invoice = billing.new_invoice(
        ctx, sub, customer, lines, "subscription_create", (now, now), invoice_id
    )
    sub["latest_invoice"] = invoice["id"]
    billing.finalize(ctx, invoice, customer, "Subscription creation")
    return invoice


def _invoice_item(
    ctx: Ctx,
    sub: StripeObject,
    customer: StripeObject,
    spec: dict[str, Any],
    price: StripeObject,
    invoice_id: str,
) -> StripeObject:
    quantity = spec.get("quantity", 1)
    now = ctx.now()
    item: StripeObject = {
        "id": new_id("ii"),
        "object": "invoiceitem",
        "amount": price["unit_amount"] * quantity,
        "currency": price["currency"],
        "customer": customer["id"],
        "customer_account": None,
        "date": now,
        "description": billing.one_time_description(ctx, price, quantity),
        "discountable": spec.get("discountable", True),
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": merge_metadata({}, spec.get("metadata", {})),
        "net_amount": price["unit_amount"] * quantity,
        "parent": {
            "subscription_details": {"subscription": sub["id"], "subscription_item": None},
            "type": "subscription_details",
        },
        "period": {"end": now, "start": now},
        "pricing": {
            "price_details": {"price": price["id"], "product": price["product"]},
            "type": "price_details",
            "unit_amount_decimal": price["unit_amount_decimal"],
        },
        "proration": False,
        "quantity": quantity,
        "quantity_decimal": str(quantity),
        "tax_rates": [],
        "test_clock": None,
    }
    ctx.add(item)
    ctx.emit("invoiceitem.created", item)
    return item


def _collect_first_payment(
    ctx: Ctx,
    sub: StripeObject,
    customer: StripeObject,
    invoice: StripeObject,
    params: dict[str, Any],
) -> None:
    behaviour = params.get("payment_behavior", "allow_incomplete")
    if invoice["status"] == "paid":
        _activate_free(ctx, sub)
        return
    if behaviour == "default_incomplete":
        return
    pm_id = sub["default_payment_method"] or customer["invoice_settings"]["default_payment_method"]
    if pm_id is None:
        if behaviour == "error_if_incomplete":
            _discard(ctx, sub, invoice)
            raise InvalidRequestError(
                "This customer has no attached payment source or default payment method. "
                "Please consider adding a default payment method.",
                code="resource_missing",
            )
        return
    pi = ctx.state.objects[invoice["_payment_intent"]]
    try:
        confirm_intent(ctx, pi, {"payment_method": pm_id})
    except StripeApiError:
        if behaviour == "error_if_incomplete":
            _discard(ctx, sub, invoice)
            raise


def _activate_free(ctx: Ctx, sub: StripeObject) -> None:
    before = present(ctx.state, sub)
    sub["status"] = "active"
    ctx.emit("customer.subscription.updated", sub, changed(before, present(ctx.state, sub)))


def _discard(ctx: Ctx, sub: StripeObject, invoice: StripeObject) -> None:
    """`error_if_incomplete`: a failed first payment leaves no subscription behind."""
    billing.void(ctx, invoice)
    for object_id in (*sub["_items"], sub["id"]):
        ctx.state.remove(object_id)


def _set_cancel_at(sub: StripeObject, cancel_at: Any, period: tuple[int, int]) -> None:
    if cancel_at in ("max_period_end", "min_period_end", "max_billed_until"):
        cancel_at = period[1]
    sub["cancel_at"] = cancel_at or None
    sub["cancel_at_period_end"] = bool(cancel_at) and cancel_at == period[1]


def retrieve(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["subscription_exposed_id"], "subscription", "subscription_exposed_id")


def update(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    sub = retrieve(ctx, params, ids)
    before = present(ctx.state, sub)
    allowed_when_ended = {"metadata", "cancellation_details", "expand"}
    if sub["status"] in ENDED and set(params) - allowed_when_ended:
        raise InvalidRequestError(
            "A canceled subscription can only update its cancellation_details and metadata.",
        )
    handled = {
        "cancel_at",
        "cancel_at_period_end",
        "metadata",
        "description",
        "expand",
        "cancellation_details",
        "default_payment_method",
        "payment_settings",
        "proration_behavior",
        "payment_behavior",
        "off_session",
    }
    refuse_unsupported(params, set(params) - handled, "subscription updates")
    period = billing.current_period(sub)
    if "cancel_at" in params:
        cancel_at = params["cancel_at"]
        if isinstance(cancel_at, int) and cancel_at <= ctx.now():
            raise InvalidRequestError("cancel_at must be in the future.", param="cancel_at")
        _set_cancel_at(sub, cancel_at, period)
    if "cancel_at_period_end" in params:
        _set_cancel_at(sub, period[1] if params["cancel_at_period_end"] else None, period)
    if "metadata" in params:
        sub["metadata"] = merge_metadata(sub["metadata"], params["metadata"])
    if "description" in params:
        sub["description"] = params["description"] or None
    if "cancellation_details" in params:
        details = params["cancellation_details"] or {}
        for key in ("comment", "feedback"):
            if key in details:
                sub["cancellation_details"][key] = details[key] or None
    if "default_payment_method" in params:
        pm_id = params["default_payment_method"] or None
        if pm_id:
            pm = payment_methods.resolve(ctx, pm_id, "default_payment_method")
            if pm["customer"] != sub["customer"]:
                raise InvalidRequestError(
                    f"The customer does not have a payment method with the ID {pm_id}. The "
                    "payment method must be attached to the customer.",
                    param="default_payment_method",
                )
        sub["default_payment_method"] = pm_id
    if "payment_settings" in params:
        save = (params["payment_settings"] or {}).get("save_default_payment_method")
        if save:
            sub["payment_settings"]["save_default_payment_method"] = save
    ctx.state.touch()
    previous = changed(before, present(ctx.state, sub))
    if previous:
        ctx.emit("customer.subscription.updated", sub, previous)
    return sub


def cancel(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    sub = retrieve(ctx, params, ids)
    if sub["status"] in ENDED:
        raise InvalidRequestError(
            f"This subscription has already been canceled ({sub['id']}).",
            code="resource_missing",
            status=404,
        )
    details = params.get("cancellation_details") or {}
    end_subscription(ctx, sub, ctx.now(), "cancellation_requested", details)
    return sub


def end_subscription(
    ctx: Ctx, sub: StripeObject, ended_at: int, reason: str, details: dict[str, Any] | None = None
) -> None:
    """Cancel now: status `canceled` and `customer.subscription.deleted`."""
    if sub["status"] == "incomplete" and sub["latest_invoice"]:
        invoice = ctx.state.objects[sub["latest_invoice"]]
        if invoice["status"] == "open":
            billing.void(ctx, invoice)
    sub.update({"status": "canceled", "canceled_at": ctx.now(), "ended_at": ended_at})
    sub["cancellation_details"]["reason"] = reason
    for key in ("comment", "feedback"):
        if (details or {}).get(key):
            sub["cancellation_details"][key] = (details or {})[key]
    ctx.state.touch()
    ctx.emit("customer.subscription.deleted", sub)


def list_subscriptions(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = list(ctx.state.all_of(ctx.account, "subscription"))
    status = params.get("status")
    if status is None:
        # Like Stripe, the default listing leaves out ended subscriptions.
        items = [s for s in items if s["status"] not in ENDED]
    elif status != "all":
        items = [s for s in items if s["status"] == status]
    if customer := params.get("customer"):
        items = [s for s in items if s["customer"] == customer]
    return paginate(items, params, "/v1/subscriptions")


def retrieve_item(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["item"], "subscription_item", "item")


def list_items(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    sub = ctx.get(params["subscription"], "subscription", "subscription")
    items = [ctx.state.objects[i] for i in reversed(sub["_items"])]
    return paginate(items, params, "/v1/subscription_items")


ROUTES = [
    Route("get", "/v1/subscriptions", "SubscriptionListParams", list_subscriptions),
    Route("post", "/v1/subscriptions", "SubscriptionCreateParams", create),
    Route(
        "get", "/v1/subscriptions/{subscription_exposed_id}", "SubscriptionRetrieveParams", retrieve
    ),
    Route(
        "post", "/v1/subscriptions/{subscription_exposed_id}", "SubscriptionUpdateParams", update
    ),
    Route(
        "delete", "/v1/subscriptions/{subscription_exposed_id}", "SubscriptionCancelParams", cancel
    ),
    Route("get", "/v1/subscription_items", "SubscriptionItemListParams", list_items),
    Route("get", "/v1/subscription_items/{item}", "SubscriptionItemRetrieveParams", retrieve_item),
]
