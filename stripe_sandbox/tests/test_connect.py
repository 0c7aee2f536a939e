"""Item 1: Connect OAuth, accounts, activation, deauthorization."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import stripe

from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT, DEMO_PENDING_ACCOUNT
from stripe_sandbox.testing import SandboxThread
from stripe_sandbox.tests.receiver import WebhookReceiver


@pytest.fixture
def receiver(platform: stripe.StripeClient) -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        platform.v1.webhook_endpoints.create(
            {"url": running.url, "enabled_events": ["*"], "connect": True}
        )
        yield running


def test_authorize_url_from_the_library_points_at_the_sandbox(sandbox: SandboxThread) -> None:
    url = sandbox.client().oauth.authorize_url({"scope": "read_write", "state": "s1"})
    assert url.startswith(f"{sandbox.url}/oauth/authorize?")
    assert "client_id=ca_sandbox_dealdesk" in url


def test_allow_redirects_with_code_and_state_and_token_exchange(sandbox: SandboxThread) -> None:
    answer = sandbox.authorize(DEMO_ACTIVE_ACCOUNT, state="csrf-123")
    assert answer["state"] == "csrf-123"
    assert answer["code"].startswith("ac_")
    token = sandbox.client().oauth.token(
        {"grant_type": "authorization_code", "code": answer["code"]}
    )
    assert token.stripe_user_id == DEMO_ACTIVE_ACCOUNT
    assert token.scope == "read_write"
    assert token.livemode is False
    assert token.access_token is not None and token.access_token.startswith("sk_test_")
    assert token.stripe_publishable_key is not None
    assert token.stripe_publishable_key.startswith("pk_test_")
    own = sandbox.client(token.access_token)
    assert own.v1.accounts.retrieve_current().id == DEMO_ACTIVE_ACCOUNT


def test_deny_redirects_with_access_denied(sandbox: SandboxThread) -> None:
    answer = sandbox.authorize(DEMO_ACTIVE_ACCOUNT, decision="deny", state="s2")
    assert answer == {
        "error": "access_denied",
        "error_description": "The user denied your request",
        "state": "s2",
    }


def test_a_code_works_only_once(sandbox: SandboxThread) -> None:
    code = sandbox.authorize(DEMO_ACTIVE_ACCOUNT)["code"]
    client = sandbox.client()
    client.oauth.token({"grant_type": "authorization_code", "code": code})
    with pytest.raises(stripe.oauth_error.InvalidGrantError):
        client.oauth.token({"grant_type": "authorization_code", "code": code})


def test_pending_account_is_not_activated_until_the_admin_activates_it(
    sandbox: SandboxThread, receiver: WebhookReceiver
) -> None:
    contoso = sandbox.connect(DEMO_PENDING_ACCOUNT)
    account = sandbox.client().v1.accounts.retrieve(DEMO_PENDING_ACCOUNT)
    assert account.charges_enabled is False
    assert account.details_submitted is False
    assert account.requirements is not None
    assert account.requirements.currently_due
    assert account.requirements.disabled_reason == "requirements.past_due"
    sandbox.admin(f"accounts/{DEMO_PENDING_ACCOUNT}/activate", {})
    account = contoso.v1.accounts.retrieve_current()
    assert account.charges_enabled is True
    assert account.requirements is not None and account.requirements.currently_due == []
    deliveries = receiver.wait_for(
        lambda d: any(json.loads(x.body)["type"] == "account.updated" for x in d)
    )
    updated = next(json.loads(d.body) for d in deliveries if "account.updated" in d.body)
    assert updated["account"] == DEMO_PENDING_ACCOUNT
    assert updated["data"]["previous_attributes"]["charges_enabled"] is False


def test_admin_creates_a_new_unactivated_account(sandbox: SandboxThread) -> None:
    created = sandbox.admin("accounts", {"name": "Fabrikam"})
    assert created["charges_enabled"] is False
    client = sandbox.connect(created["id"])
    assert client.v1.accounts.retrieve_current().business_profile.name == "Fabrikam"  # type: ignore[union-attr]


def test_deauthorize_sends_the_event_and_revokes_access(
    sandbox: SandboxThread, receiver: WebhookReceiver
) -> None:
    seller = sandbox.connect(DEMO_ACTIVE_ACCOUNT)
    result = sandbox.client().oauth.deauthorize({"stripe_user_id": DEMO_ACTIVE_ACCOUNT})
    assert result.stripe_user_id == DEMO_ACTIVE_ACCOUNT
    deliveries = receiver.wait_for(
        lambda d: any("account.application.deauthorized" in x.body for x in d)
    )
    event = next(
        json.loads(d.body) for d in deliveries if "account.application.deauthorized" in d.body
    )
    assert event["account"] == DEMO_ACTIVE_ACCOUNT
    assert event["data"]["object"]["object"] == "application"
    with pytest.raises(stripe.PermissionError):
        seller.v1.customers.list()


def test_unknown_client_id_shows_an_error_page(sandbox: SandboxThread) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{sandbox.url}/oauth/authorize?client_id=ca_other&scope=read_write")
    assert refused.value.code == 400


def test_refresh_token_gives_a_new_access_token(sandbox: SandboxThread) -> None:
    client = sandbox.client()
    code = sandbox.authorize(DEMO_ACTIVE_ACCOUNT)["code"]
    first = client.oauth.token({"grant_type": "authorization_code", "code": code})
    assert first.refresh_token is not None
    second = client.oauth.token(
        {"grant_type": "refresh_token", "refresh_token": first.refresh_token}
    )
    assert second.access_token not in (None, first.access_token)
    assert sandbox.client(second.access_token).v1.accounts.retrieve_current().id == (
        DEMO_ACTIVE_ACCOUNT
    )
