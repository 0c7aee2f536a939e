"""Connect OAuth for Standard accounts: authorize page, token, deauthorize.

The authorize page stands in for Stripe's sign-in: the seller picks one of
the sandbox's accounts (or creates a new, not yet activated one) and presses
"Allow access to this account" or "Deny"; the browser is then redirected to
`redirect_uri` with `code` + `state`, or `error=access_denied`.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from stripe_sandbox import formdata
from stripe_sandbox.errors import InvalidRequestError, OAuthError
from stripe_sandbox.events import emit
from stripe_sandbox.ids import random_token
from stripe_sandbox.pages import page, pill
from stripe_sandbox.params import ObjectNode
from stripe_sandbox.resources.accounts import new_account
from stripe_sandbox.sandbox import SANDBOX, Sandbox
from stripe_sandbox.store import State, StripeObject


def _oauth_schema(name: str) -> ObjectNode:
    from stripe._oauth import OAuth

    return ObjectNode(getattr(OAuth, name))


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _connectable(state: State) -> list[StripeObject]:
    return sorted(
        (a for a in state.every("account") if a["id"] != state.platform_id),
        key=lambda a: a["created"],
    )


async def authorize_page(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    query = request.query_string
    try:
        params = _oauth_schema("OAuthAuthorizeUrlParams").coerce_fields(formdata.decode(query), "")
        redirect_uri = _check_authorize(sandbox, params)
    except (InvalidRequestError, OAuthError) as exc:
        return page(
            "Stripe sandbox: cannot connect",
            f"<div class='card narrow'><h2>Something "
            f"went wrong</h2><p>{escape(str(exc))}</p></div>",
            status=400,
        )
    user = params.get("stripe_user") or {}
    choices = "".join(
        f"<label><input type='radio' name='account' value='{escape(a['id'])}'"
        f"{' checked' if i == 0 else ''}> {escape(a['business_profile']['name'] or a['id'])} "
        f"<span class='muted'>{escape(a['id'])}</span> "
        f"{pill('activated' if a['charges_enabled'] else 'not activated', a['charges_enabled'])}"
        "</label>"
        for i, a in enumerate(_connectable(sandbox.state))
    )
    body = f"""
<div class='card narrow'>
  <h2>Connect to {escape(sandbox.config.platform_name)}</h2>
  <p class='muted'>Sign in to Stripe (sandbox): choose the account that
  {escape(sandbox.config.platform_name)} may access. No password is needed here.</p>
  <form method='post' action='/oauth/authorize'>
    <input type='hidden' name='query' value='{escape(query)}'>
    <fieldset><legend>Account</legend>{choices}
      <label><input type='radio' name='account' value='new'{"" if choices else " checked"}>
      Create a new Stripe account</label>
      <label>Business name for a new account
        <input type='text' name='business_name' value='{escape(user.get("business_name", ""))}'>
      </label>
      <label>Email for a new account
        <input type='email' name='email' value='{escape(user.get("email", ""))}'></label>
    </fieldset>
    <p class='muted'>Redirects to <code>{escape(redirect_uri)}</code></p>
    <div class='actions'>
      <button class='primary' type='submit' name='decision' value='allow'>Allow access to this
      account</button>
      <button type='submit' name='decision' value='deny'>Deny</button>
    </div>
  </form>
</div>"""
    return page(f"Connect to {sandbox.config.platform_name} | Stripe sandbox", body)


def _check_authorize(sandbox: Sandbox, params: dict[str, Any]) -> str:
    if params.get("client_id") != sandbox.config.client_id:
        raise OAuthError("invalid_client", f"No such application: '{params.get('client_id')}'")
    if params.get("response_type", "code") != "code":
        raise OAuthError("unsupported_response_type", "Only response_type=code is supported.")
    if params.get("scope", "read_write") not in ("read_write", "read_only"):
        raise OAuthError("invalid_scope", f"Invalid scope: {params.get('scope')}")
    allowed = sandbox.config.redirect_uris
    redirect_uri: str | None = params.get("redirect_uri") or (allowed[0] if allowed else None)
    if not redirect_uri:
        raise OAuthError("invalid_request", "No redirect_uri was provided.")
    if allowed and redirect_uri not in allowed:
        raise OAuthError("invalid_redirect_uri", f"Invalid redirect URI '{redirect_uri}'.")
    return redirect_uri


async def authorize_decision(request: web.Request) -> web.StreamResponse:
    sandbox = request.app[SANDBOX]
    form = await request.post()
    query = str(form.get("query", ""))
    try:
        params = _oauth_schema("OAuthAuthorizeUrlParams").coerce_fields(formdata.decode(query), "")
        redirect_uri = _check_authorize(sandbox, params)
    except (InvalidRequestError, OAuthError) as exc:
        return page("Stripe sandbox", f"<div class='card'>{escape(str(exc))}</div>", status=400)
    state_param = {"state": params["state"]} if "state" in params else {}
    if form.get("decision") != "allow":
        target = _with_query(
            redirect_uri,
            {
                "error": "access_denied",
                "error_description": "The user denied your request",
                **state_param,
            },
        )
        raise web.HTTPFound(target)
    state = sandbox.state
    choice = str(form.get("account", "new"))
    if choice == "new":
        name = str(form.get("business_name") or "") or "New sandbox account"
        account = new_account(
            state,
            account_id=f"acct_1{random_token(15)}",
            name=name,
            email=str(form.get("email") or "") or None,
            activated=False,
        )
    else:
        found = state.find(choice)
        if found is None or found.get("object") != "account" or choice == state.platform_id:
            return page("Stripe sandbox", "<div class='card'>Unknown account.</div>", status=400)
        account = found
    code = f"ac_{random_token(32)}"
    scope = params.get("scope", "read_write")
    state.oauth_codes[code] = {"account": account["id"], "scope": scope, "used": False}
    state.touch()
    raise web.HTTPFound(_with_query(redirect_uri, {"code": code, "scope": scope, **state_param}))


def _platform_auth(sandbox: Sandbox, request: web.Request, params: dict[str, Any]) -> None:
    header = request.headers.get("Authorization", "")
    key = header.removeprefix("Bearer ").strip() or str(params.pop("client_secret", ""))
    params.pop("client_secret", None)
    info = sandbox.state.keys.get(key)
    if info is None or info["account"] != sandbox.state.platform_id or info["kind"] != "secret":
        raise OAuthError("invalid_client", "Invalid API key provided for the platform.", 401)


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, indent=2), content_type="application/json", status=status
    )


async def token(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    state = sandbox.state
    try:
        raw = formdata.decode(await request.text())
        _platform_auth(sandbox, request, raw)
        params = _oauth_schema("OAuthTokenParams").coerce_fields(raw, "")
        if params["grant_type"] == "authorization_code":
            grant = state.oauth_codes.get(params.get("code", ""))
            if grant is None:
                raise OAuthError(
                    "invalid_grant", f"Authorization code does not exist: {params.get('code')}"
                )
            if grant["used"]:
                _revoke_tokens(state, grant["account"])
                raise OAuthError(
                    "invalid_grant",
                    "This authorization code has already been used. All tokens issued with "
                    "this code have been revoked.",
                )
            grant["used"] = True
            account_id, scope = grant["account"], grant["scope"]
        else:
            refresh = state.keys.get(params.get("refresh_token", ""))
            if refresh is None or refresh["kind"] != "refresh":
                raise OAuthError("invalid_grant", "Invalid refresh token.")
            account_id, scope = refresh["account"], params.get("scope", "read_write")
    except InvalidRequestError as exc:
        return _json(OAuthError("invalid_request", exc.message).body(), 400)
    except OAuthError as exc:
        return _json(exc.body(), exc.status)
    account = state.objects[account_id]
    access_token = f"sk_test_{random_token(40)}"
    refresh_token = f"rt_{random_token(40)}"
    state.keys[access_token] = {"account": account_id, "kind": "secret", "oauth": "1"}
    state.keys[refresh_token] = {"account": account_id, "kind": "refresh", "oauth": "1"}
    newly = not account["_connected"]
    account["_connected"] = True
    state.touch()
    if newly:
        emit(state, account_id, "account.application.authorized", _application(sandbox))
    return _json(
        {
            "access_token": access_token,
            "livemode": False,
            "refresh_token": refresh_token,
            "scope": scope,
            "stripe_publishable_key": account["_publishable_key"],
            "stripe_user_id": account_id,
            "token_type": "bearer",
        }
    )


def _application(sandbox: Sandbox) -> StripeObject:
    return {
        "id": sandbox.config.client_id,
        "object": "application",
        "name": sandbox.config.platform_name,
    }


def _revoke_tokens(state: State, account_id: str) -> None:
    for key, info in list(state.keys.items()):
        if info["account"] == account_id and info.get("oauth"):
            del state.keys[key]


async def deauthorize(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    state = sandbox.state
    try:
        raw = formdata.decode(await request.text())
        _platform_auth(sandbox, request, raw)
        params = _oauth_schema("OAuthDeauthorizeParams").coerce_fields(raw, "")
        if params.get("client_id", sandbox.config.client_id) != sandbox.config.client_id:
            raise OAuthError("invalid_client", f"No such application: '{params['client_id']}'")
        account = state.find(params["stripe_user_id"])
        if account is None or account.get("object") != "account" or not account["_connected"]:
            raise OAuthError(
                "invalid_client",
                f"This application is not connected to stripe account "
                f"{params['stripe_user_id']}, or that account does not exist.",
                401,
            )
    except InvalidRequestError as exc:
        return _json(OAuthError("invalid_request", exc.message).body(), 400)
    except OAuthError as exc:
        return _json(exc.body(), exc.status)
    account["_connected"] = False
    _revoke_tokens(state, account["id"])
    state.touch()
    emit(state, account["id"], "account.application.deauthorized", _application(sandbox))
    return _json({"stripe_user_id": account["id"]})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/oauth/authorize", authorize_page),
        web.post("/oauth/authorize", authorize_decision),
        web.post("/oauth/token", token),
        web.post("/oauth/deauthorize", deauthorize),
    ]
