"""Sandbox-only endpoints (`/_sandbox/…`) for tests, the demo and the dashboard.

They answer JSON; a form posted from the dashboard (with `return_to`) is
redirected back instead.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from stripe_sandbox import faults
from stripe_sandbox.config import API_VERSION
from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import StripeApiError
from stripe_sandbox.ids import random_token
from stripe_sandbox.render import public
from stripe_sandbox.resources import refunds, subscriptions
from stripe_sandbox.resources.accounts import activate, new_account
from stripe_sandbox.sandbox import SANDBOX, Sandbox
from stripe_sandbox.store import StripeObject, write_snapshot


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return data if isinstance(data, dict) else {}
    return {k: str(v) for k, v in (await request.post()).items()}


def _answer(body: dict[str, Any], data: dict[str, Any], status: int = 200) -> web.Response:
    target = str(data.get("return_to") or "")
    if target.startswith("/"):
        raise web.HTTPSeeOther(target)
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, indent=2))


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes", "on")


def account_view(account: StripeObject) -> dict[str, Any]:
    return {
        **public(account),
        "connected": account["_connected"],
        "secret_key": account["_secret_key"],
        "publishable_key": account["_publishable_key"],
    }


async def reset(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    sandbox.reset()
    return _answer({"reset": True}, await _body(request))


async def config_view(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    state = sandbox.state
    platform = state.objects[state.platform_id]
    body = {
        "api_version": API_VERSION,
        "base_url": sandbox.config.base_url(),
        "client_id": sandbox.config.client_id,
        "platform": account_view(platform),
        "accounts": [account_view(a) for a in state.every("account")],
        "now": state.now(),
    }
    return web.json_response(body, dumps=lambda o: json.dumps(o, indent=2))


async def create_account(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    data = await _body(request)
    account = new_account(
        sandbox.state,
        account_id=str(data.get("id") or f"acct_1{random_token(15)}"),
        name=str(data.get("name") or "Sandbox seller"),
        email=data.get("email") or None,
        activated=_truthy(data.get("activated", False)),
        country=str(data.get("country") or "US"),
        currency=str(data.get("default_currency") or "usd"),
    )
    return _answer(account_view(account), data)


def _account(sandbox: Sandbox, account_id: str) -> StripeObject:
    account = sandbox.state.find(account_id)
    if account is None or account.get("object") != "account":
        raise web.HTTPNotFound(text=f"No such account: {account_id}")
    return account


async def activate_account(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    account = _account(sandbox, request.match_info["account"])
    activate(sandbox.state, account)
    return _answer(account_view(account), await _body(request))


async def clock_view(request: web.Request) -> web.Response:
    state = request.app[SANDBOX].state
    return web.json_response({"now": state.now(), "offset": state.clock.offset})


async def advance_clock(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    data = await _body(request)
    state = sandbox.state
    if "to" in data:
        seconds = int(data["to"]) - state.now()
    else:
        seconds = int(data.get("seconds", 0)) + int(float(data.get("days", 0)) * 86400)
    if seconds < 0:
        return _answer({"error": "the sandbox clock only moves forward"}, {}, 400)
    state.clock.advance(seconds)
    state.touch()
    sandbox.tick()
    return _answer({"now": state.now(), "offset": state.clock.offset}, data)


async def deliveries(request: web.Request) -> web.Response:
    state = request.app[SANDBOX].state
    items = sorted(state.deliveries.values(), key=lambda d: d["next_attempt_at"])
    return web.json_response({"data": items}, dumps=lambda o: json.dumps(o, indent=2))


async def retry_webhooks(request: web.Request) -> web.Response:
    count = request.app[SANDBOX].dispatcher.retry_now()
    return _answer({"retrying": count}, await _body(request))


def _faults_body(sandbox: Sandbox) -> dict[str, Any]:
    return {"faults": [fault.to_json() for fault in sandbox.state.faults]}


async def list_faults(request: web.Request) -> web.Response:
    return web.json_response(_faults_body(request.app[SANDBOX]))


async def add_fault(request: web.Request) -> web.Response:
    """Make the next `count` requests matching `method` and `path` fail in `mode`."""
    sandbox = request.app[SANDBOX]
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return web.json_response({"error": "expected a JSON object"}, status=400)
    try:
        fault = faults.parse(data)
    except faults.FaultSpecError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    sandbox.state.faults.append(fault)
    return web.json_response(_faults_body(sandbox))


async def clear_faults(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    sandbox.state.faults.clear()
    return web.json_response(_faults_body(sandbox))


async def snapshot(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    if sandbox.config.snapshot is None:
        return web.json_response({"error": "started without --snapshot"}, status=400)
    write_snapshot(sandbox.state, sandbox.config.snapshot)
    return web.json_response({"saved": str(sandbox.config.snapshot)})


def _owned(sandbox: Sandbox, object_id: str, object_name: str) -> Ctx:
    """The dashboard acts as the object's own account would (like a seller in Stripe's)."""
    obj = sandbox.state.find(object_id)
    if obj is None or obj.get("object") != object_name:
        raise web.HTTPNotFound(text=f"No such {object_name}: {object_id}")
    return Ctx(sandbox.state, sandbox.config, obj["_account"])


async def cancel_subscription(request: web.Request) -> web.Response:
    """The dashboard's *Cancel subscription* (now): as `DELETE /v1/subscriptions/{id}`."""
    sandbox = request.app[SANDBOX]
    data = await _body(request)
    sub_id = request.match_info["subscription"]
    ctx = _owned(sandbox, sub_id, "subscription")
    try:
        sub = subscriptions.cancel(ctx, {}, {"subscription_exposed_id": sub_id})
    except StripeApiError as error:
        return _answer(error.body(), {}, error.status)
    return _answer(public(sub), data)


async def refund_charge(request: web.Request) -> web.Response:
    """The dashboard's *Refund payment* (whole, or `amount`): as `POST /v1/refunds`."""
    sandbox = request.app[SANDBOX]
    data = await _body(request)
    charge_id = request.match_info["charge"]
    ctx = _owned(sandbox, charge_id, "charge")
    params: dict[str, Any] = {"charge": charge_id}
    if data.get("amount"):
        params["amount"] = int(data["amount"])
    if data.get("reason"):
        params["reason"] = str(data["reason"])
    try:
        refund = refunds.create(ctx, params, {})
    except StripeApiError as error:
        return _answer(error.body(), {}, error.status)
    return _answer(public(refund), data)


def routes() -> list[web.RouteDef]:
    return [
        web.post("/_sandbox/reset", reset),
        web.get("/_sandbox/config", config_view),
        web.post("/_sandbox/accounts", create_account),
        web.post("/_sandbox/accounts/{account}/activate", activate_account),
        web.post("/_sandbox/subscriptions/{subscription}/cancel", cancel_subscription),
        web.post("/_sandbox/charges/{charge}/refund", refund_charge),
        web.get("/_sandbox/clock", clock_view),
        web.post("/_sandbox/clock/advance", advance_clock),
        web.get("/_sandbox/webhook_deliveries", deliveries),
        web.post("/_sandbox/webhooks/retry", retry_webhooks),
        web.post("/_sandbox/snapshot", snapshot),
        web.get("/_sandbox/faults", list_faults),
        web.post("/_sandbox/faults", add_fault),
        web.delete("/_sandbox/faults", clear_faults),
    ]
