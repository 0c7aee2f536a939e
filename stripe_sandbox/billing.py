"""Invoices behind subscriptions: building, finalizing, settling, renewing.

A subscription's invoice is paid through its PaymentIntent (reachable as the
invoice's `confirmation_secret`); when that intent succeeds or fails, the hooks
below mark the invoice paid or failed and move the subscription's status.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
from typing import Any

from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.events import changed
from stripe_sandbox.ids import new_id
from stripe_sandbox.money import charge_amount_problem, format_amount
from stripe_sandbox.render import present
from stripe_sandbox.resources import payment_intents
from stripe_sandbox.store import StripeObject

# An unpaid first invoice expires the subscription after this long.
INCOMPLETE_EXPIRY_SECONDS = 23 * 3600


def period_boundary(anchor: int, interval: str, count: int, n: int) -> int:
    """The start of period `n` counted from `anchor`, keeping the anchor's day of month."""
    if interval == "day":
        return anchor + 86400 * count * n
    if interval == "week":
        return anchor + 7 * 86400 * count * n
    months = count * n * (12 if interval == "year" else 1)
    start = dt.datetime.fromtimestamp(anchor, dt.UTC)
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def current_period(sub: StripeObject) -> tuple[int, int]:
    interval, count = sub["_interval"]
    n = sub["_period_index"]
    anchor = sub["billing_cycle_anchor"]
    return period_boundary(anchor, interval, count, n), period_boundary(
        anchor, interval, count, n + 1
    )


# -- invoices ---------------------------------------------------------------


def item_line(
    ctx: Ctx, invoice_id: str, sub: StripeObject, item: StripeObject, period: tuple[int, int]
) -> StripeObject:
    price = ctx.state.objects[item["_price"]]
    amount = price["unit_amount"] * item["quantity"]
    return _line(
        ctx,
        invoice_id,
        price,
        item["quantity"],
        amount,
        period,
        {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": sub["id"],
                "subscription_item": item["id"],
            },
            "type": "subscription_item_details",
        },
        sub["id"],
        _recurring_description(ctx, price, item["quantity"]),
    )


def invoice_item_line(
    ctx: Ctx, invoice_id: str, sub: StripeObject, invoice_item: StripeObject
) -> StripeObject:
    price = ctx.state.objects[invoice_item["pricing"]["price_details"]["price"]]
    period = invoice_item["period"]
    return _line(
        ctx,
        invoice_id,
        price,
        invoice_item["quantity"],
        invoice_item["amount"],
        (period["start"], period["end"]),
        {
            "invoice_item_details": {
                "invoice_item": invoice_item["id"],
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": sub["id"],
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        },
        sub["id"],
        invoice_item["description"],
    )


def _line(
    ctx: Ctx,
    invoice_id: str,
    price: StripeObject,
    quantity: int,
    amount: int,
    period: tuple[int, int],
    parent: dict[str, Any],
    subscription: str,
    description: str,
) -> StripeObject:
    return {
        "id": new_id("il"),
        "object": "line_item",
        "amount": amount,
        "currency": price["currency"],
        "description": description,
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": parent,
        "period": {"end": period[1], "start": period[0]},
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": price["id"], "product": price["product"]},
            "type": "price_details",
            "unit_amount_decimal": price["unit_amount_decimal"],
        },
        "quantity": quantity,
        "quantity_decimal": str(quantity),
        "subscription": subscription,
        "subtotal": amount,
        "taxes": [],
    }


def _product_name(ctx: Ctx, price: StripeObject) -> str:
    product = ctx.state.find(price["product"])
    return str(product["name"] if product else price["product"])


def _recurring_description(ctx: Ctx, price: StripeObject, quantity: int) -> str:
    recurring = price["recurring"]
    every = recurring["interval"]
    if recurring["interval_count"] > 1:
        every = f"every {recurring['interval_count']} {every}s"
    amount = format_amount(price["unit_amount"], price["currency"])
    # Stripe writes these descriptions with a multiplication sign.
    return f"{quantity} × {_product_name(ctx, price)} (at {amount} / {every})"  # noqa: RUF001


def one_time_description(ctx: Ctx, price: StripeObject, quantity: int) -> str:
    name = _product_name(ctx, price)
    return name if quantity == 1 else f"{quantity} × {name}"  # noqa: RUF001


def new_invoice(
    ctx: Ctx,
    sub: StripeObject,
    customer: StripeObject,
    lines: list[StripeObject],
    billing_reason: str,
    period: tuple[int, int],
    invoice_id: str,
) -> StripeObject:
    total = sum(line["amount"] for line in lines)
    now = ctx.now()
    account = ctx.state.find(ctx.account) or {}
    invoice: StripeObject = {
        "id": invoice_id,
        "object": "invoice",
        "account_country": account.get("country", "US"),
        "account_name": (account.get("business_profile") or {}).get("name"),
        "account_tax_ids": None,
        "amount_due": total,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_paid_off_stripe": 0,
        "amount_remaining": total,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": True,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": False,
            "liability": None,
            "provider": None,
            "status": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": billing_reason,
        "collection_method": sub["collection_method"],
        "created": now,
        "currency": sub["currency"],
        "custom_fields": None,
        "customer": customer["id"],
        "customer_account": None,
        "customer_address": customer["address"],
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": customer["phone"],
        "customer_shipping": None,
        "customer_tax_exempt": customer["tax_exempt"],
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": sub["description"],
        "discounts": [],
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": f"{ctx.config.base_url()}/invoices/{invoice_id}",
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": {
            "object": "list",
            "data": lines,
            "has_more": False,
            "total_count": len(lines),
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": {
            "quote_details": None,
            "subscription_details": {"metadata": dict(sub["metadata"]), "subscription": sub["id"]},
            "type": "subscription_details",
        },
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "period_end": period[1],
        "period_start": period[0],
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": total,
        "subtotal_excluding_tax": total,
        "test_clock": None,
        "threshold_reason": None,
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": now,
        "_payment_intent": None,
    }
    ctx.add(invoice)
    ctx.emit("invoice.created", invoice)
    return invoice


def finalize(ctx: Ctx, invoice: StripeObject, customer: StripeObject, pi_description: str) -> None:
    """Number the invoice, open it and give it a PaymentIntent (or settle a zero total)."""
    now = ctx.now()
    sequence = customer["next_invoice_sequence"]
    customer["next_invoice_sequence"] = sequence + 1
    invoice.update(
        {
            "number": f"{customer['invoice_prefix']}-{sequence:04d}",
            "status": "open",
            "effective_at": now,
            "ending_balance": 0,
        }
    )
    invoice["status_transitions"]["finalized_at"] = now
    amount = invoice["amount_due"]
    if amount == 0 or charge_amount_problem(amount, invoice["currency"]):
        # Below Stripe's minimum charge the invoice is marked paid and the amount
        # is carried to the customer's balance for the next invoice.
        customer["balance"] += amount
        ctx.emit("invoice.finalized", invoice)
        _mark_paid(ctx, invoice, None)
        return
    pi = payment_intents.new_payment_intent(
        ctx,
        amount=invoice["amount_due"],
        currency=invoice["currency"],
        customer=customer["id"],
        description=pi_description,
        setup_future_usage="off_session",
    )
    pi["_invoice"] = invoice["id"]
    invoice["_payment_intent"] = pi["id"]
    payment: StripeObject = {
        "id": new_id("inpay"),
        "object": "invoice_payment",
        "amount_paid": None,
        "amount_requested": invoice["amount_due"],
        "created": now,
        "currency": invoice["currency"],
        "invoice": invoice["id"],
        "is_default": True,
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": pi["id"]},
        "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    }
    ctx.add(payment)
    invoice["_payments"] = [payment["id"]]
    ctx.emit("invoice.finalized", invoice)


def attempt_payment(ctx: Ctx, invoice: StripeObject, pm_id: str | None, off_session: bool) -> None:
    """Charge an open invoice's PaymentIntent with a saved card; failures are recorded."""
    pi = ctx.state.objects[invoice["_payment_intent"]]
    if pm_id is None:
        invoice["attempted"] = True
        invoice["attempt_count"] += 1
        ctx.emit("invoice.payment_failed", invoice)
        return
    # A failure is recorded on the invoice by the hooks below; nothing to raise to.
    with contextlib.suppress(StripeApiError):
        payment_intents.confirm_intent(
            ctx, pi, {"payment_method": pm_id, "off_session": off_session}
        )


def _mark_paid(ctx: Ctx, invoice: StripeObject, pi: StripeObject | None) -> None:
    now = ctx.now()
    invoice.update(
        {
            "status": "paid",
            "amount_paid": invoice["amount_due"],
            "amount_remaining": 0,
            "attempted": True,
            "attempt_count": invoice["attempt_count"] + (1 if pi else 0),
        }
    )
    invoice["status_transitions"]["paid_at"] = now
    for payment_id in invoice.get("_payments", []):
        payment = ctx.state.objects[payment_id]
        payment.update({"status": "paid", "amount_paid": payment["amount_requested"]})
        payment["status_transitions"]["paid_at"] = now
        ctx.emit("invoice_payment.paid", payment)
    ctx.state.touch()
    ctx.emit("invoice.paid", invoice)
    ctx.emit("invoice.payment_succeeded", invoice)


def void(ctx: Ctx, invoice: StripeObject) -> None:
    now = ctx.now()
    invoice["status"] = "void"
    invoice["amount_remaining"] = 0
    invoice["status_transitions"]["voided_at"] = now
    if pi_id := invoice.get("_payment_intent"):
        pi = ctx.state.objects[pi_id]
        if pi["status"] in payment_intents.CONFIRMABLE:
            pi.update({"status": "canceled", "canceled_at": now, "next_action": None})
            pi["cancellation_reason"] = "void_invoice"
            ctx.emit("payment_intent.canceled", pi)
    for payment_id in invoice.get("_payments", []):
        payment = ctx.state.objects[payment_id]
        if payment["status"] == "open":
            payment["status"] = "canceled"
            payment["status_transitions"]["canceled_at"] = now
    ctx.state.touch()
    ctx.emit("invoice.voided", invoice)


# -- hooks from payment intents ---------------------------------------------


def _invoice_of(ctx: Ctx, pi: StripeObject) -> StripeObject | None:
    invoice_id = pi.get("_invoice")
    return ctx.state.objects.get(invoice_id) if invoice_id else None


def on_payment_succeeded(ctx: Ctx, pi: StripeObject, pm: StripeObject) -> None:
    invoice = _invoice_of(ctx, pi)
    if invoice is None or invoice["status"] != "open":
        return
    _mark_paid(ctx, invoice, pi)
    sub = ctx.state.objects.get(invoice["parent"]["subscription_details"]["subscription"])
    if sub is None:
        return
    before = present(ctx.state, sub)
    if sub["status"] in ("incomplete", "past_due", "unpaid"):
        sub["status"] = "active"
    saving = sub["payment_settings"]["save_default_payment_method"] == "on_subscription"
    if saving and sub["default_payment_method"] is None:
        sub["default_payment_method"] = pm["id"]
        if pm.get("customer") is None:
            pm["customer"] = sub["customer"]
            ctx.emit("payment_method.attached", pm)
    previous = changed(before, present(ctx.state, sub))
    if previous:
        ctx.emit("customer.subscription.updated", sub, previous)


def on_payment_failed(ctx: Ctx, pi: StripeObject, pm: StripeObject) -> None:
    invoice = _invoice_of(ctx, pi)
    if invoice is None or invoice["status"] != "open":
        return
    invoice["attempted"] = True
    invoice["attempt_count"] += 1
    ctx.emit("invoice.payment_failed", invoice)
    sub = ctx.state.objects.get(invoice["parent"]["subscription_details"]["subscription"])
    if (
        sub is not None
        and sub["status"] == "active"
        and invoice["billing_reason"] != ("subscription_create")
    ):
        before = present(ctx.state, sub)
        sub["status"] = "past_due"
        ctx.emit("customer.subscription.updated", sub, changed(before, present(ctx.state, sub)))


def install() -> None:
    """Settle invoices when their PaymentIntents settle (safe to call twice)."""
    if on_payment_succeeded not in payment_intents.ON_SUCCEEDED:
        payment_intents.ON_SUCCEEDED.append(on_payment_succeeded)
        payment_intents.ON_FAILED.append(on_payment_failed)
