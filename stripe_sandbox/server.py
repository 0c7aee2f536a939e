"""The aiohttp application: API routing, authentication, scoping, idempotency, CORS."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web

from stripe_sandbox import admin, dashboard, faults, formdata, oauth, threeds
from stripe_sandbox.api import ROUTES
from stripe_sandbox.config import API_VERSION, SandboxConfig
from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import (
    AuthenticationError,
    IdempotencyError,
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitError,
    StripeApiError,
)
from stripe_sandbox.ids import new_id
from stripe_sandbox.params import validate
from stripe_sandbox.render import expand, present
from stripe_sandbox.routing import Route
from stripe_sandbox.sandbox import SANDBOX, Sandbox

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Request-Id, Stripe-Version, Idempotency-Key",
}
# Stripe.js sends its key and connected account as parameters (no preflight).
BROWSER_PARAMS = ("key", "_stripe_account")


def _json_response(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=json.dumps(body, indent=2),
        status=status,
        content_type="application/json",
        headers={**CORS_HEADERS, **(headers or {})},
    )


def _api_key(request: web.Request, params: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:]).decode().split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError):
            return None
    key = params.get("key")
    return key if isinstance(key, str) else None


def authenticate(
    sandbox: Sandbox, request: web.Request, params: dict[str, Any], route: Route
) -> tuple[str, str]:
    """The acting account and key kind; Stripe's 401/403 errors otherwise."""
    key = _api_key(request, params)
    if not key:
        raise AuthenticationError(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY')."
        )
    info = sandbox.state.keys.get(key)
    if info is None or info["kind"] not in ("secret", "publishable"):
        raise AuthenticationError(f"Invalid API Key provided: {key[:8]}****{key[-4:]}")
    if info["kind"] == "publishable" and not route.publishable:
        raise AuthenticationError(
            "This API call cannot be made with a publishable API key. Please use a secret API "
            "key. You can find a list of your API keys at "
            "https://dashboard.stripe.com/account/apikeys."
        )
    account = info["account"]
    target = request.headers.get("Stripe-Account") or params.get("_stripe_account")
    if isinstance(target, str) and target and target != account:
        connected = sandbox.state.find(target)
        if (
            account != sandbox.state.platform_id
            or connected is None
            or connected.get("object") != "account"
            or not connected.get("_connected")
        ):
            raise PermissionDeniedError(
                f"The provided key '{key[:8]}****{key[-4:]}' does not have access to account "
                f"'{target}' (or that account does not exist). Application access may have "
                "been revoked.",
                code="account_invalid",
            )
        account = target
    return account, info["kind"]


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.method == "POST":
        text = await request.text()
        content_type = request.headers.get("Content-Type", "")
        if text and "application/x-www-form-urlencoded" not in content_type:
            raise InvalidRequestError(
                "Invalid request: the body must be application/x-www-form-urlencoded."
            )
        return formdata.decode(text)
    return formdata.decode(request.query_string)


def _api_handler(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        fault = faults.take(request.app[SANDBOX].state.faults, request.method, request.path)
        if fault is None:
            return await _run(route, request)
        if fault.mode == "drop_after_commit":
            response = await _run(route, request)
            _drop_connection(request)
            return response
        if fault.mode == "timeout":
            await asyncio.sleep(fault.seconds or faults.DEFAULT_HOLD_SECONDS)
            _drop_connection(request)
            return web.Response(status=504)  # never reaches the client: the connection is gone
        error: StripeApiError = (
            RateLimitError() if fault.mode == "429" else StripeApiError(API_ERROR, status=500)
        )
        request_id = new_id("req", 14)
        headers = {"Request-Id": request_id, "Stripe-Version": API_VERSION}
        return _json_response(_with_request_log(error.body(), request_id), error.status, headers)

    return handle


API_ERROR = (
    "An unknown error occurred. Please contact support at https://support.stripe.com/ with the "
    "request id if the problem persists."
)


def _drop_connection(request: web.Request) -> None:
    """Close the connection: the client gets no response (aiohttp's write then fails quietly)."""
    if request.transport is not None:
        request.transport.close()


async def _run(route: Route, request: web.Request) -> web.Response:
    """Run one API request: authenticate, replay or run it, store its idempotent result."""
    sandbox = request.app[SANDBOX]
    request_id = new_id("req", 14)
    headers = {"Request-Id": request_id, "Stripe-Version": API_VERSION}
    try:
        raw = await _read_params(request)
        account, kind = authenticate(sandbox, request, raw, route)
        for name in BROWSER_PARAMS:
            raw.pop(name, None)
        idempotency_key = request.headers.get("Idempotency-Key")
        if request.method != "POST":
            idempotency_key = None
        slot = f"{account}|{idempotency_key}"
        fingerprint = f"{request.method} {request.path} {formdata.fingerprint(raw)}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
            if len(idempotency_key) > 255:
                raise InvalidRequestError(
                    "Idempotency-Key must be at most 255 characters long.",
                    param="Idempotency-Key",
                )
            saved = sandbox.state.idempotency.get(slot)
            if saved is not None:
                if saved["fingerprint"] != fingerprint:
                    raise IdempotencyError(
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{idempotency_key}' if you meant to execute a different request."
                    )
                headers["Idempotent-Replayed"] = "true"
                return _json_response(saved["body"], saved["status"], headers)
        extra = frozenset({"client_secret"}) if kind == "publishable" else frozenset()
        params = validate(route.params, raw, extra)
    except StripeApiError as exc:
        # Requests refused before they ran are not saved under their key (as on Stripe).
        return _json_response(_with_request_log(exc.body(), request_id), exc.status, headers)
    ctx = Ctx(sandbox.state, sandbox.config, account, kind, request_id, idempotency_key)
    try:
        result = route.handler(ctx, params, dict(request.match_info))
        body = expand(
            sandbox.state, account, present(sandbox.state, result), params.get("expand", [])
        )
        status = 200
    except StripeApiError as exc:
        body, status = _with_request_log(exc.body(), request_id), exc.status
    if idempotency_key:
        sandbox.state.idempotency[slot] = {
            "fingerprint": fingerprint,
            "status": status,
            "body": body,
            "created": sandbox.state.now(),
        }
    if request.method != "GET":
        sandbox.state.touch()
    return _json_response(body, status, headers)


def _with_request_log(body: dict[str, Any], request_id: str) -> dict[str, Any]:
    body["error"]["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
    return body


async def _unknown_api_route(request: web.Request) -> web.Response:
    error = InvalidRequestError(
        f"Unrecognized request URL ({request.method}: {request.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
        status=404,
    )
    return _json_response(error.body(), 404)


async def _preflight(request: web.Request) -> web.Response:
    return web.Response(
        status=204,
        headers={
            **CORS_HEADERS,
            "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": (
                "Authorization, Content-Type, Idempotency-Key, Stripe-Account, Stripe-Version"
            ),
            "Access-Control-Max-Age": "600",
        },
    )


async def _stripe_js(request: web.Request) -> web.Response:
    script = resources.files("stripe_sandbox").joinpath("stripejs/stripe.js").read_text()
    return web.Response(
        text=script,
        content_type="application/javascript",
        headers={**CORS_HEADERS, "Cache-Control": "no-cache"},
    )


def create_app(config: SandboxConfig, sandbox: Sandbox | None = None) -> web.Application:
    app = web.Application()
    app[SANDBOX] = sandbox or Sandbox(config)
    app.router.add_get("/v3/", _stripe_js)
    app.router.add_get("/v3", _stripe_js)
    for route in ROUTES:
        app.router.add_route(route.method.upper(), route.path, _api_handler(route))
    app.router.add_route("OPTIONS", "/v1/{tail:.*}", _preflight)
    app.router.add_route("*", "/v1/{tail:.*}", _unknown_api_route)
    app.add_routes(oauth.routes())
    app.add_routes(threeds.routes())
    app.add_routes(admin.routes())
    app.add_routes(dashboard.routes())

    async def on_startup(app: web.Application) -> None:
        await app[SANDBOX].start()

    async def on_cleanup(app: web.Application) -> None:
        await app[SANDBOX].stop()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
