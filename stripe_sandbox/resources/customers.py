"""Customers."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import InvalidRequestError
from stripe_sandbox.events import changed
from stripe_sandbox.ids import new_id, random_token
from stripe_sandbox.render import merge_metadata, paginate, present
from stripe_sandbox.resources.payment_methods import attach
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject

_SIMPLE_FIELDS = ("description", "email", "name", "phone", "preferred_locales")


def create(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    customer: StripeObject = {
        "id": new_id("cus", 14),
        "object": "customer",
        "address": params.get("address") or None,
        "balance": params.get("balance", 0),
        "created": ctx.now(),
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": params.get("description"),
        "discount": None,
        "email": params.get("email"),
        "invoice_prefix": params.get("invoice_prefix") or random_token(8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": merge_metadata({}, params.get("metadata", {})),
        "name": params.get("name"),
        "next_invoice_sequence": params.get("next_invoice_sequence", 1),
        "phone": params.get("phone"),
        "preferred_locales": params.get("preferred_locales", []),
        "shipping": None,
        "tax_exempt": params.get("tax_exempt", "none"),
        "test_clock": None,
    }
    ctx.add(customer)
    if pm_id := params.get("payment_method"):
        attach(ctx, ctx.get(pm_id, "PaymentMethod", "payment_method"), customer)
    if settings := params.get("invoice_settings"):
        _apply_invoice_settings(ctx, customer, settings)
    ctx.emit("customer.created", customer)
    return customer


def _apply_invoice_settings(ctx: Ctx, customer: StripeObject, settings: dict[str, Any]) -> None:
    if "default_payment_method" in settings:
        pm_id = settings["default_payment_method"] or None
        if pm_id:
            pm = ctx.get(pm_id, "PaymentMethod", "invoice_settings[default_payment_method]")
            if pm.get("customer") != customer["id"]:
                raise InvalidRequestError(
                    f"The customer does not have a payment method with the ID {pm_id}. The "
                    "payment method must be attached to the customer.",
                    param="invoice_settings[default_payment_method]",
                )
        customer["invoice_settings"]["default_payment_method"] = pm_id
    if "footer" in settings:
        customer["invoice_settings"]["footer"] = settings["footer"] or None


def retrieve(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["customer"], "customer")


def update(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    customer = ctx.get(ids["customer"], "customer")
    before = present(ctx.state, customer)
    for key in _SIMPLE_FIELDS:
        if key in params:
            customer[key] = params[key] or None
    if "address" in params:
        customer["address"] = params["address"] or None
    if "metadata" in params:
        customer["metadata"] = merge_metadata(customer["metadata"], params["metadata"])
    if "invoice_settings" in params:
        _apply_invoice_settings(ctx, customer, params["invoice_settings"])
    ctx.state.touch()
    ctx.emit("customer.updated", customer, changed(before, present(ctx.state, customer)))
    return customer


def delete(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    customer = ctx.get(ids["customer"], "customer")
    customer["deleted"] = True
    ctx.state.touch()
    ctx.emit("customer.deleted", customer)
    return {"id": customer["id"], "object": "customer", "deleted": True}


def list_customers(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = ctx.state.all_of(ctx.account, "customer")
    if email := params.get("email"):
        items = (c for c in items if c.get("email") == email)
    return paginate(items, params, "/v1/customers")


ROUTES = [
    Route("get", "/v1/customers", "CustomerListParams", list_customers),
    Route("post", "/v1/customers", "CustomerCreateParams", create),
    Route("get", "/v1/customers/{customer}", "CustomerRetrieveParams", retrieve),
    Route("post", "/v1/customers/{customer}", "CustomerUpdateParams", update),
    Route("delete", "/v1/customers/{customer}", "CustomerDeleteParams", delete),
]
