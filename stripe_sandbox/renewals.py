"""Time-driven work, run on every tick and whenever the sandbox clock advances.

- an `incomplete` subscription whose first invoice is unpaid after 23 hours
  becomes `incomplete_expired` (its invoice is voided);
- a subscription reaching `cancel_at` is canceled;
- a subscription whose period ended is renewed: a `subscription_cycle`
  invoice is created and charged off-session to its saved card.
"""

from __future__ import annotations

from stripe_sandbox import billing
from stripe_sandbox.config import SandboxConfig
from stripe_sandbox.context import Ctx
from stripe_sandbox.events import changed
from stripe_sandbox.ids import new_id
from stripe_sandbox.render import present
from stripe_sandbox.resources.subscriptions import end_subscription
from stripe_sandbox.store import State, StripeObject

RENEWING = ("active", "past_due", "trialing")
# A guard against runaway loops when the clock jumps years ahead.
MAX_RENEWALS_PER_TICK = 500


def process_due(state: State, config: SandboxConfig) -> None:
    now = state.now()
    for sub in list(state.every("subscription")):
        ctx = Ctx(state, config, sub["_account"])
        if sub["status"] == "incomplete":
            if now >= sub["created"] + billing.INCOMPLETE_EXPIRY_SECONDS:
                _expire(ctx, sub)
            continue
        renewals = 0
        while sub["status"] in RENEWING and renewals < MAX_RENEWALS_PER_TICK:
            period_end = billing.current_period(sub)[1]
            cancel_at = sub["cancel_at"]
            if cancel_at is not None and cancel_at <= min(now, period_end):
                end_subscription(ctx, sub, cancel_at, "cancellation_requested")
                break
            if period_end > now:
                break
            renew(ctx, sub)
            renewals += 1


def _expire(ctx: Ctx, sub: StripeObject) -> None:
    before = present(ctx.state, sub)
    invoice = ctx.state.objects.get(sub["latest_invoice"] or "")
    if invoice is not None and invoice["status"] == "open":
        billing.void(ctx, invoice)
    now = ctx.now()
    sub.update({"status": "incomplete_expired", "canceled_at": now, "ended_at": now})
    ctx.state.touch()
    ctx.emit("customer.subscription.updated", sub, changed(before, present(ctx.state, sub)))


def renew(ctx: Ctx, sub: StripeObject) -> StripeObject:
    """Start the next period and invoice it."""
    before = present(ctx.state, sub)
    previous_period = billing.current_period(sub)
    sub["_period_index"] += 1
    period = billing.current_period(sub)
    for item_id in sub["_items"]:
        item = ctx.state.objects[item_id]
        item["current_period_start"], item["current_period_end"] = period
    customer = ctx.state.objects[sub["customer"]]
    invoice_id = new_id("in")
    lines = [
        billing.item_line(ctx, invoice_id, sub, ctx.state.objects[item_id], period)
        for item_id in sub["_items"]
    ]
    invoice = billing.new_invoice(
        ctx, sub, customer, lines, "subscription_cycle", previous_period, invoice_id
    )
    sub["latest_invoice"] = invoice_id
    ctx.emit("customer.subscription.updated", sub, changed(before, present(ctx.state, sub)))
    billing.finalize(ctx, invoice, customer, "Subscription update")
    if invoice["status"] == "open":
        pm_id = (
            sub["default_payment_method"] or customer["invoice_settings"]["default_payment_method"]
        )
        billing.attempt_payment(ctx, invoice, pm_id, off_session=True)
    return invoice
