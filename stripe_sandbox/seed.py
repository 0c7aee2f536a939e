"""The start-up state: the platform, two demo sellers, and an optional CLI webhook."""

from __future__ import annotations

from stripe_sandbox.config import PLATFORM_ACCOUNT, SandboxConfig
from stripe_sandbox.context import Ctx
from stripe_sandbox.resources.accounts import new_account
from stripe_sandbox.resources.events_api import new_endpoint
from stripe_sandbox.store import State

DEMO_ACTIVE_ACCOUNT = "acct_1DemoActive00000"
DEMO_ACTIVE_SECRET_KEY = "sk_test_demo_active_seller"
DEMO_ACTIVE_PUBLISHABLE_KEY = "pk_test_demo_active_seller"
DEMO_PENDING_ACCOUNT = "acct_1DemoPending0000"
DEMO_PENDING_SECRET_KEY = "sk_test_demo_pending_seller"
DEMO_PENDING_PUBLISHABLE_KEY = "pk_test_demo_pending_seller"


def seed(state: State, config: SandboxConfig) -> None:
    state.platform_id = PLATFORM_ACCOUNT
    new_account(
        state,
        account_id=PLATFORM_ACCOUNT,
        name=config.platform_name,
        email="platform@example.com",
        activated=True,
        secret_key=config.platform_secret_key,
        publishable_key=config.platform_publishable_key,
    )
    if config.seed_demo:
        new_account(
            state,
            account_id=DEMO_ACTIVE_ACCOUNT,
            name="Northwind Traders (demo)",
            email="seller@northwind.example",
            activated=True,
            secret_key=DEMO_ACTIVE_SECRET_KEY,
            publishable_key=DEMO_ACTIVE_PUBLISHABLE_KEY,
        )
        new_account(
            state,
            account_id=DEMO_PENDING_ACCOUNT,
            name="Contoso Design (demo, not activated)",
            email="seller@contoso.example",
            activated=False,
            secret_key=DEMO_PENDING_SECRET_KEY,
            publishable_key=DEMO_PENDING_PUBLISHABLE_KEY,
        )
    if config.webhook_url:
        new_endpoint(
            Ctx(state, config, PLATFORM_ACCOUNT),
            config.webhook_url,
            ["*"],
            connect=True,
            secret=config.webhook_secret,
            listen_all=True,
        )
    state.dirty = False
