"""The dashboard (`/`): accounts, payments, subscriptions and events at a glance,
plus the hosted invoice page that invoices link to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from html import escape

from aiohttp import web

from stripe_sandbox.money import format_amount
from stripe_sandbox.pages import page, pill
from stripe_sandbox.sandbox import SANDBOX
from stripe_sandbox.store import State, StripeObject

ROW_LIMIT = 50
GOOD = {"succeeded", "active", "paid", "enabled"}
BAD = {"canceled", "incomplete_expired", "past_due", "requires_payment_method", "failed", "void"}


def _when(timestamp: int | None) -> str:
    if timestamp is None:
        return ""
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M")


def _status(status: str) -> str:
    return pill(status, True if status in GOOD else False if status in BAD else None)


def _newest(state: State, object_type: str) -> list[StripeObject]:
    items = sorted(state.every(object_type), key=lambda o: o["created"], reverse=True)
    return items[:ROW_LIMIT]


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]], empty: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>" if body else f"<p class='muted'>{empty}</p>"


def _code(text: str | None) -> str:
    return f"<code>{escape(text or '')}</code>"


def _account_rows(state: State) -> Iterable[list[str]]:
    for account in sorted(state.every("account"), key=lambda a: a["created"]):
        activate = ""
        if not account["charges_enabled"]:
            activate = (
                f"<form method='post' action='/_sandbox/accounts/{escape(account['id'])}/activate'>"
                "<input type='hidden' name='return_to' value='/'>"
                "<button type='submit'>Activate</button></form>"
            )
        role = (
            "platform"
            if account["id"] == state.platform_id
            else ("connected" if account["_connected"] else "not connected")
        )
        yield [
            _code(account["id"]),
            escape(account["business_profile"]["name"] or ""),
            escape(role),
            _status("charges enabled" if account["charges_enabled"] else "not activated"),
            _code(account["_publishable_key"]),
            activate,
        ]


def _action(path: str, label: str) -> str:
    """A dashboard button that posts to a sandbox endpoint and comes back here."""
    return (
        f"<form method='post' action='{escape(path)}' style='display:inline'>"
        "<input type='hidden' name='return_to' value='/'>"
        f"<button type='submit'>{escape(label)}</button></form>"
    )


def _refund_action(state: State, pi: StripeObject) -> str:
    charge = state.objects.get(pi["latest_charge"] or "")
    if pi["status"] != "succeeded" or charge is None or charge["refunded"]:
        return ""
    return _action(f"/_sandbox/charges/{charge['id']}/refund", "Refund")


def _money(amount: int, currency: str) -> str:
    return escape(format_amount(amount, currency))


async def dashboard(request: web.Request) -> web.Response:
    state = request.app[SANDBOX].state
    payments = [
        [
            _when(p["created"]),
            _code(p["_account"]),
            _code(p["id"]),
            _money(p["amount"], p["currency"]),
            _status(p["status"]),
            escape((p["last_payment_error"] or {}).get("decline_code") or ""),
            escape(p["description"] or ""),
            _refund_action(state, p),
        ]
        for p in _newest(state, "payment_intent")
    ]
    subscriptions = [
        [
            _when(s["created"]),
            _code(s["_account"]),
            _code(s["id"]),
            _code(s["customer"]),
            _status(s["status"]),
            _when(state.objects[s["_items"][0]]["current_period_end"]),
            _when(s["cancel_at"]),
            ""
            if s["status"] in ("canceled", "incomplete_expired")
            else _action(f"/_sandbox/subscriptions/{s['id']}/cancel", "Cancel"),
        ]
        for s in _newest(state, "subscription")
    ]
    invoices = [
        [
            _when(i["created"]),
            _code(i["_account"]),
            _code(i["number"] or i["id"]),
            escape(i["billing_reason"] or ""),
            _money(i["total"], i["currency"]),
            _status(i["status"]),
        ]
        for i in _newest(state, "invoice")
    ]
    refunds = [
        [
            _when(r["created"]),
            _code(r["_account"]),
            _code(r["charge"]),
            _money(r["amount"], r["currency"]),
            _status(r["status"]),
        ]
        for r in _newest(state, "refund")
    ]
    deliveries: dict[str, list[str]] = {}
    for delivery in state.deliveries.values():
        deliveries.setdefault(delivery["event"], []).append(delivery["status"])
    events = [
        [
            _when(e["created"]),
            _code(e.get("account") or "platform"),
            escape(e["type"]),
            _code(e["id"]),
            " ".join(_status(s) for s in deliveries.get(e["id"], [])) or "—",
        ]
        for e in _newest(state, "event")
    ]
    endpoints = [
        [
            _code(w["_account"]),
            escape(w["url"]),
            escape(", ".join(w["enabled_events"])),
            escape(
                "all accounts (CLI)"
                if w["_listen_all"]
                else "connect"
                if w["_connect"]
                else "account"
            ),
            _status(w["status"]),
        ]
        for w in state.every("webhook_endpoint")
    ]
    clock_forms = "".join(
        f"<form method='post' action='/_sandbox/clock/advance' style='display:inline'>"
        f"<input type='hidden' name='return_to' value='/'>"
        f"<input type='hidden' name='seconds' value='{seconds}'>"
        f"<button type='submit'>+{label}</button></form> "
        for label, seconds in (("1 hour", 3600), ("1 day", 86400), ("1 month", 31 * 86400))
    )
    body = f"""
<div class='card'><h2>Sandbox clock</h2><p>Now: <strong>{_when(state.now())}</strong> UTC
<span class='muted'>({state.clock.offset} s ahead of real time)</span></p>{clock_forms}
<form method='post' action='/_sandbox/reset' style='display:inline'>
<input type='hidden' name='return_to' value='/'><button type='submit'>Reset sandbox</button></form>
</div>
<div class='card'><h2>Accounts</h2>{
        _table(
            ["Account", "Name", "Link", "Status", "Publishable key", ""],
            _account_rows(state),
            "None",
        )
    }
</div>
<div class='card'><h2>Payments</h2>{
        _table(
            [
                "Created",
                "Account",
                "PaymentIntent",
                "Amount",
                "Status",
                "Decline",
                "Description",
                "",
            ],
            payments,
            "No payments yet.",
        )
    }</div>
<div class='card'><h2>Subscriptions</h2>{
        _table(
            [
                "Created",
                "Account",
                "Subscription",
                "Customer",
                "Status",
                "Period ends",
                "Cancels at",
                "",
            ],
            subscriptions,
            "No subscriptions yet.",
        )
    }</div>
<div class='card'><h2>Invoices</h2>{
        _table(
            ["Created", "Account", "Invoice", "Reason", "Total", "Status"],
            invoices,
            "No invoices yet.",
        )
    }
</div>
<div class='card'><h2>Refunds</h2>{
        _table(["Created", "Account", "Charge", "Amount", "Status"], refunds, "No refunds yet.")
    }</div>
<div class='card'><h2>Events</h2>{
        _table(["Created", "Account", "Type", "Event", "Webhooks"], events, "No events yet.")
    }</div>
<div class='card'><h2>Webhook endpoints</h2>{
        _table(
            ["Owner", "URL", "Events", "Receives", "Status"], endpoints, "No endpoints registered."
        )
    }
</div>"""
    return page("Stripe sandbox dashboard", body)


async def hosted_invoice(request: web.Request) -> web.Response:
    state = request.app[SANDBOX].state
    invoice = state.find(request.match_info["invoice"])
    if invoice is None or invoice.get("object") != "invoice":
        return page("Invoice", "<div class='card'>No such invoice.</div>", status=404)
    lines = [
        [
            escape(line["description"] or ""),
            str(line["quantity"]),
            _money(line["amount"], line["currency"]),
        ]
        for line in invoice["lines"]["data"]
    ]
    body = f"""
<div class='card narrow'><h2>Invoice {escape(invoice["number"] or invoice["id"])}</h2>
<p>{escape(invoice["account_name"] or "")} {_status(invoice["status"])}</p>
{_table(["Description", "Qty", "Amount"], lines, "No lines.")}
<p><strong>Total {_money(invoice["total"], invoice["currency"])}</strong></p></div>"""
    return page("Invoice", body)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/", dashboard),
        web.get("/dashboard", dashboard),
        # Apps link to Stripe dashboard pages such as /{account}/test/settings/emails;
        # the sandbox has one dashboard page for all of them.
        web.get("/dashboard/{tail:.*}", dashboard),
        web.get("/invoices/{invoice}", hosted_invoice),
    ]
