"""Invoices (read, pay, void) and invoice payments."""

from __future__ import annotations

from typing import Any

from stripe_sandbox import billing
from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import InvalidRequestError
from stripe_sandbox.render import paginate
from stripe_sandbox.resources import payment_intents, payment_methods
from stripe_sandbox.routing import Route
from stripe_sandbox.store import StripeObject


def retrieve(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["invoice"], "invoice", "invoice")


def list_invoices(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = list(ctx.state.all_of(ctx.account, "invoice"))
    if customer := params.get("customer"):
        items = [i for i in items if i["customer"] == customer]
    if status := params.get("status"):
        items = [i for i in items if i["status"] == status]
    if subscription := params.get("subscription"):
        items = [
            i for i in items if i["parent"]["subscription_details"]["subscription"] == subscription
        ]
    return paginate(items, params, "/v1/invoices")


def list_lines(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    invoice = retrieve(ctx, params, ids)
    # Lines are kept oldest first, like Stripe lists them; paginate expects newest first.
    return paginate(invoice["lines"]["data"], params, f"/v1/invoices/{invoice['id']}/lines")


def pay(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    invoice = retrieve(ctx, params, ids)
    if invoice["status"] != "open":
        raise InvalidRequestError(
            f"Invoice is already {invoice['status']}.", code="invoice_not_editable"
        )
    pi = ctx.state.objects[invoice["_payment_intent"]]
    customer = ctx.get(invoice["customer"], "customer", "customer")
    sub = ctx.state.find(invoice["parent"]["subscription_details"]["subscription"]) or {}
    pm_id = (
        params.get("payment_method")
        or pi["payment_method"]
        or sub.get("default_payment_method")
        or customer["invoice_settings"]["default_payment_method"]
    )
    if pm_id is None:
        raise InvalidRequestError(
            "This customer has no attached payment source or default payment method.",
            code="resource_missing",
        )
    pm = payment_methods.resolve(ctx, pm_id)
    payment_intents.confirm_intent(
        ctx, pi, {"payment_method": pm["id"], "off_session": params.get("off_session", True)}
    )
    return invoice


def void(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    invoice = retrieve(ctx, params, ids)
    if invoice["status"] != "open":
        raise InvalidRequestError(
            f"You can only void an open invoice; this one is {invoice['status']}.",
            code="invoice_not_editable",
        )
    billing.void(ctx, invoice)
    return invoice


def retrieve_payment(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return ctx.get(ids["invoice_payment"], "invoice_payment", "invoice_payment")


def list_payments(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = list(ctx.state.all_of(ctx.account, "invoice_payment"))
    if invoice := params.get("invoice"):
        items = [p for p in items if p["invoice"] == invoice]
    return paginate(items, params, "/v1/invoice_payments")


ROUTES = [
    Route("get", "/v1/invoices", "InvoiceListParams", list_invoices),
    Route("get", "/v1/invoices/{invoice}", "InvoiceRetrieveParams", retrieve),
    Route("get", "/v1/invoices/{invoice}/lines", "InvoiceLineItemListParams", list_lines),
    Route("post", "/v1/invoices/{invoice}/pay", "InvoicePayParams", pay),
    Route("post", "/v1/invoices/{invoice}/void", "InvoiceVoidInvoiceParams", void),
    Route("get", "/v1/invoice_payments", "InvoicePaymentListParams", list_payments),
    Route(
        "get",
        "/v1/invoice_payments/{invoice_payment}",
        "InvoicePaymentRetrieveParams",
        retrieve_payment,
    ),
]
