"""Accounts: the platform and the sellers' (Standard) accounts it connects to."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.context import Ctx
from stripe_sandbox.errors import PermissionDeniedError
from stripe_sandbox.events import changed, emit
from stripe_sandbox.ids import random_token
from stripe_sandbox.render import paginate, present
from stripe_sandbox.routing import Route
from stripe_sandbox.store import State, StripeObject

# What Stripe asks a new Standard account for before it may charge.
ONBOARDING_DUE = [
    "business_profile.mcc",
    "business_profile.url",
    "external_account",
    "representative.first_name",
    "representative.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]


def _requirements(due: list[str]) -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": [],
    }


def new_account(
    state: State,
    *,
    account_id: str,
    name: str,
    email: str | None,
    activated: bool,
    country: str = "US",
    currency: str = "usd",
    secret_key: str | None = None,
    publishable_key: str | None = None,
) -> StripeObject:
    """Create an account with its own API keys (returned by OAuth as the access token)."""
    secret_key = secret_key or f"sk_test_{random_token(32)}"
    publishable_key = publishable_key or f"pk_test_{random_token(32)}"
    account: StripeObject = {
        "id": account_id,
        "object": "account",
        "business_profile": {
            "mcc": "7372" if activated else None,
            "name": name,
            "support_email": email,
            "url": "https://example.com" if activated else None,
        },
        "business_type": "company",
        "capabilities": {},
        "charges_enabled": False,
        "controller": {"is_controller": False, "type": "account"},
        "country": country,
        "created": state.now(),
        "default_currency": currency,
        "details_submitted": False,
        "email": email,
        "future_requirements": _requirements([]),
        "metadata": {},
        "payouts_enabled": False,
        "requirements": _requirements(ONBOARDING_DUE),
        "settings": {
            "dashboard": {"display_name": name, "timezone": "Etc/UTC"},
            "payments": {"statement_descriptor": name.upper()[:22]},
        },
        "tos_acceptance": {"date": None},
        "type": "standard",
        "_connected": False,
        "_secret_key": secret_key,
        "_publishable_key": publishable_key,
    }
    _set_activated(account, activated, state.now())
    state.add(account, account_id)
    state.keys[secret_key] = {"account": account_id, "kind": "secret"}
    state.keys[publishable_key] = {"account": account_id, "kind": "publishable"}
    return account


def _set_activated(account: StripeObject, activated: bool, now: int) -> None:
    account.update(
        {
            "charges_enabled": activated,
            "payouts_enabled": activated,
            "details_submitted": activated,
            "requirements": _requirements([] if activated else ONBOARDING_DUE),
            "capabilities": (
                {"card_payments": "active", "transfers": "active"}
                if activated
                else {"card_payments": "inactive", "transfers": "inactive"}
            ),
            "tos_acceptance": {"date": now if activated else None},
        }
    )
    if activated:
        account["business_profile"]["mcc"] = account["business_profile"]["mcc"] or "7372"
        account["business_profile"]["url"] = (
            account["business_profile"]["url"] or "https://example.com"
        )


def activate(state: State, account: StripeObject) -> StripeObject:
    """Finish onboarding: charges enabled, requirements met; sends `account.updated`."""
    before = present(state, account)
    _set_activated(account, True, state.now())
    state.touch()
    emit(state, account["id"], "account.updated", account, changed(before, present(state, account)))
    return account


def visible_account(ctx: Ctx, account_id: str) -> StripeObject:
    account = ctx.state.find(account_id)
    allowed = (
        account is not None
        and account.get("object") == "account"
        and (account_id == ctx.account or (ctx.is_platform and account.get("_connected")))
    )
    if account is None or not allowed:
        raise PermissionDeniedError(
            "The provided key does not have access to account "
            f"'{account_id}' (or that account does not exist). Application access may have "
            "been revoked.",
            code="account_invalid",
        )
    return account


def retrieve(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return visible_account(ctx, ids["account"])


def retrieve_current(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    return visible_account(ctx, ctx.account)


def list_accounts(ctx: Ctx, params: dict[str, Any], ids: dict[str, str]) -> StripeObject:
    items = [
        a
        for a in ctx.state.every("account")
        if ctx.is_platform and a.get("_connected") and a["id"] != ctx.account
    ]
    items.sort(key=lambda a: a["created"], reverse=True)
    return paginate(items, params, "/v1/accounts")


ROUTES = [
    Route("get", "/v1/account", "AccountRetrieveCurrentParams", retrieve_current),
    Route("get", "/v1/accounts", "AccountListParams", list_accounts),
    Route("get", "/v1/accounts/{account}", "AccountRetrieveParams", retrieve),
]
