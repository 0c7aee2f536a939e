"""The 3-D Secure test challenge: Complete or Fail.

Stripe.js shows the challenge as a dialog in the page and POSTs the outcome
here with the intent's client secret; the redirect flow (server-side confirm
with `return_url`) shows the same choice as a page and then returns to
`return_url` like Stripe does.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from stripe_sandbox.context import Ctx
from stripe_sandbox.pages import page
from stripe_sandbox.render import present
from stripe_sandbox.resources import payment_intents, setup_intents
from stripe_sandbox.sandbox import SANDBOX, Sandbox
from stripe_sandbox.store import StripeObject

CORS = {"Access-Control-Allow-Origin": "*"}


def _intent(sandbox: Sandbox, intent_id: str, secret: str) -> StripeObject | None:
    intent = sandbox.state.find(intent_id)
    if intent is None or intent.get("object") not in ("payment_intent", "setup_intent"):
        return None
    return intent if intent.get("client_secret") == secret else None


async def challenge_page(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    secret = request.query.get("client_secret", "")
    intent = _intent(sandbox, request.match_info["intent"], secret)
    if intent is None:
        return page("3D Secure", "<div class='card'>Unknown payment.</div>", status=404)
    body = f"""
<div class='card narrow'><h2>3D Secure 2 Test Page</h2>
<p class='muted'>This is the sandbox's stand-in for your bank's authentication.</p>
<form method='post'><input type='hidden' name='client_secret' value='{escape(secret)}'>
<div class='actions'>
<button class='primary' name='outcome' value='complete'>Complete</button>
<button name='outcome' value='fail'>Fail</button></div></form></div>"""
    return page("3D Secure test page", body)


def finish(sandbox: Sandbox, intent: StripeObject, success: bool) -> StripeObject:
    ctx = Ctx(sandbox.state, sandbox.config, intent["_account"], "publishable")
    if intent["object"] == "payment_intent":
        return payment_intents.complete_authentication(ctx, intent, success)
    return setup_intents.complete_authentication(ctx, intent, success)


async def challenge_result(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    form = await request.post()
    intent = _intent(sandbox, request.match_info["intent"], str(form.get("client_secret", "")))
    if intent is None:
        return web.json_response({"error": "unknown intent"}, status=404, headers=CORS)
    intent = finish(sandbox, intent, form.get("outcome") == "complete")
    return_url = intent.get("_return_url")
    if "application/json" not in request.headers.get("Accept", "") and return_url:
        kind = intent["object"]
        query: dict[str, Any] = {
            kind: intent["id"],
            f"{kind}_client_secret": intent["client_secret"],
            "redirect_status": "succeeded" if intent["status"] == "succeeded" else "failed",
        }
        separator = "&" if "?" in return_url else "?"
        raise web.HTTPFound(f"{return_url}{separator}{urlencode(query)}")
    return web.json_response(present(sandbox.state, intent), headers=CORS)


async def preflight(request: web.Request) -> web.Response:
    return web.Response(
        status=204,
        headers={
            **CORS,
            "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Accept",
        },
    )


def routes() -> list[web.RouteDef]:
    return [
        web.get("/3ds/{intent}", challenge_page),
        web.post("/3ds/{intent}", challenge_result),
        web.options("/3ds/{intent}", preflight),
    ]
