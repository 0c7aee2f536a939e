"""Stripe Connect: OAuth for an existing account (R1), its activation (R2), disconnect (R4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from dealdesk.payments.stripe_gateway.client import stripe_client
from dealdesk.payments.stripe_gateway.errors import translated_errors


@dataclass(frozen=True)
class ConnectedAccount:
    """What the code exchange tells us. The OAuth access and refresh tokens are not kept."""

    account_id: str
    livemode: bool
    scope: str
    publishable_key: str


@dataclass(frozen=True)
class AccountStatus:
    account_id: str
    display_name: str
    charges_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...]
    disabled_reason: str


def authorize_url(*, state: str, redirect_uri: str, email: str, business_name: str) -> str:
    """Stripe's authorize page for linking an existing account, read_write scope."""
    client = stripe_client()
    return client.oauth.authorize_url(
        {
            "response_type": "code",
            "scope": "read_write",
            "state": state,
            "redirect_uri": redirect_uri,
            "stripe_user": {"email": email, "business_name": business_name},
        }
    )


def exchange_code(*, code: str) -> ConnectedAccount:
    with translated_errors("oauth token exchange"):
        token = stripe_client().oauth.token({"grant_type": "authorization_code", "code": code})
    return ConnectedAccount(
        account_id=str(token.stripe_user_id),
        livemode=bool(token.livemode),
        scope=str(token.scope or ""),
        publishable_key=str(token.stripe_publishable_key or ""),
    )


def deauthorize(*, account_id: str) -> None:
    """Revoke our platform's access to the account."""
    with translated_errors("oauth deauthorize"):
        stripe_client().oauth.deauthorize(
            {"client_id": settings.STRIPE_CLIENT_ID, "stripe_user_id": account_id}
        )


def account_status(*, account_id: str) -> AccountStatus:
    """Read activation from Stripe, never from the user (R2)."""
    with translated_errors("account retrieve"):
        account = stripe_client().v1.accounts.retrieve(account_id)
    return status_from_account(account.to_dict())


def status_from_account(account: dict[str, Any]) -> AccountStatus:
    requirements = account.get("requirements") or {}
    profile = account.get("business_profile") or {}
    settings_dashboard = (account.get("settings") or {}).get("dashboard") or {}
    return AccountStatus(
        account_id=str(account["id"]),
        display_name=str(
            settings_dashboard.get("display_name")
            or profile.get("name")
            or account.get("email")
            or account["id"]
        ),
        charges_enabled=bool(account.get("charges_enabled")),
        details_submitted=bool(account.get("details_submitted")),
        requirements_due=tuple(str(item) for item in requirements.get("currently_due") or ()),
        disabled_reason=str(requirements.get("disabled_reason") or ""),
    )


def dashboard_url(*, account_id: str, livemode: bool) -> str:
    """Where the seller manages the account (and its receipt / notification settings, R5)."""
    base = settings.STRIPE_DASHBOARD_URL.rstrip("/")
    return f"{base}/{account_id}" if livemode else f"{base}/{account_id}/test"
