"""Connecting a Stripe account (R1, R2, R4, R5), end to end against the local sandbox."""

import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
import stripe
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from dealdesk.payments.models import ConnectionStatus, StripeConnection
from dealdesk.payments.selectors import payment_readiness
from dealdesk.payments.services import OAUTH_STATE_SESSION_KEY
from dealdesk.payments.tests.signing import deauthorized_body, event_body, post_signed
from dealdesk.workspaces.models import AuditEntry, User, Workspace
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT, DEMO_PENDING_ACCOUNT

pytestmark = pytest.mark.django_db


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _start(client: Client) -> dict[str, str]:
    """Click "Connect with Stripe": returns the authorize URL's query parameters."""
    response = client.post(reverse("payments:stripe_connect"))
    assert response.status_code == 302
    url = urllib.parse.urlsplit(response["Location"])
    assert url.path == "/oauth/authorize"
    return dict(urllib.parse.parse_qsl(url.query))


def _decide(sandbox: Any, query: dict[str, str], account: str, decision: str) -> dict[str, str]:
    """Press Allow or Deny on the sandbox's authorize page; the redirect's parameters."""
    form = urllib.parse.urlencode(
        {"query": urllib.parse.urlencode(query), "account": account, "decision": decision}
    ).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"{sandbox.url}/oauth/authorize", data=form, timeout=10)
    except urllib.error.HTTPError as redirect:
        location = urllib.parse.urlsplit(redirect.headers["Location"])
        assert location.path == reverse("payments:stripe_callback")
        return dict(urllib.parse.parse_qsl(location.query))
    raise AssertionError("no redirect")


def _callback(client: Client, params: dict[str, str]) -> str:
    response = client.get(reverse("payments:stripe_callback"), params, follow=True)
    return response.content.decode()


def _connect(client: Client, sandbox: Any, account: str = DEMO_ACTIVE_ACCOUNT) -> str:
    return _callback(client, _decide(sandbox, _start(client), account, "allow"))


def test_r1_authorize_url_asks_read_write_with_state_and_prefill(
    alice_client: Client, alice: User, stripe_sandbox: Any
) -> None:
    query = _start(alice_client)

    assert query["response_type"] == "code"
    assert query["scope"] == "read_write"
    assert query["client_id"] == stripe_sandbox.config.client_id
    assert query["redirect_uri"].endswith(reverse("payments:stripe_callback"))
    assert len(query["state"]) >= 32
    assert query["stripe_user[email]"] == alice.email
    assert query["stripe_user[business_name]"] == "Acme GmbH"


def test_r1_full_oauth_round_trip_connects_activated_account(
    alice_client: Client, acme: Workspace, stripe_sandbox: Any
) -> None:
    page = _connect(alice_client, stripe_sandbox)

    connection = StripeConnection.objects.get(workspace=acme)
    assert connection.account_id == DEMO_ACTIVE_ACCOUNT
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.charges_enabled
    assert not connection.livemode
    assert "Ready to accept payments" in page
    assert payment_readiness(acme).can_accept_payments
    assert AuditEntry.objects.filter(workspace=acme, action="stripe.connected").exists()


def test_r1_denied_access_stores_nothing(alice_client: Client, stripe_sandbox: Any) -> None:
    params = _decide(stripe_sandbox, _start(alice_client), DEMO_ACTIVE_ACCOUNT, "deny")
    assert params["error"] == "access_denied"

    page = _callback(alice_client, params)

    assert "You declined access in Stripe" in page
    assert not StripeConnection.objects.exists()


def test_r1_tampered_state_is_refused(alice_client: Client, stripe_sandbox: Any) -> None:
    params = _decide(stripe_sandbox, _start(alice_client), DEMO_ACTIVE_ACCOUNT, "allow")

    page = _callback(alice_client, {**params, "state": params["state"] + "x"})

    assert "not valid any more" in page
    assert not StripeConnection.objects.exists()


def test_r1_missing_state_is_refused(alice_client: Client, stripe_sandbox: Any) -> None:
    params = _decide(stripe_sandbox, _start(alice_client), DEMO_ACTIVE_ACCOUNT, "allow")
    del params["state"]

    _callback(alice_client, params)

    assert not StripeConnection.objects.exists()


def test_r1_replayed_callback_is_refused(
    alice_client: Client, acme: Workspace, stripe_sandbox: Any
) -> None:
    params = _decide(stripe_sandbox, _start(alice_client), DEMO_ACTIVE_ACCOUNT, "allow")
    _callback(alice_client, params)
    alice_client.post(reverse("payments:stripe_disconnect"))

    page = _callback(alice_client, params)

    assert "not valid any more" in page
    assert not StripeConnection.objects.filter(status=ConnectionStatus.CONNECTED).exists()


def test_r1_expired_state_is_refused(alice_client: Client, stripe_sandbox: Any) -> None:
    params = _decide(stripe_sandbox, _start(alice_client), DEMO_ACTIVE_ACCOUNT, "allow")
    session = alice_client.session
    session[OAUTH_STATE_SESSION_KEY] = {**session[OAUTH_STATE_SESSION_KEY], "expires_at": 0}
    session.save()

    page = _callback(alice_client, params)

    assert "not valid any more" in page
    assert not StripeConnection.objects.exists()


def test_r1_state_from_another_session_is_refused(
    alice_client: Client, mallory_client: Client, stripe_sandbox: Any
) -> None:
    """Mallory cannot make Acme's admin finish a connection Mallory started."""
    params = _decide(stripe_sandbox, _start(mallory_client), DEMO_ACTIVE_ACCOUNT, "allow")
    _start(alice_client)

    _callback(alice_client, params)

    assert not StripeConnection.objects.exists()


def test_r1_failing_code_exchange_stores_nothing(alice_client: Client, stripe_sandbox: Any) -> None:
    params = _decide(stripe_sandbox, _start(alice_client), DEMO_ACTIVE_ACCOUNT, "allow")

    page = _callback(alice_client, {**params, "code": "ac_forged"})

    assert "Stripe did not accept the connection" in page
    assert not StripeConnection.objects.exists()


def test_r2_account_not_activated_blocks_payments_until_activated(
    alice_client: Client, acme: Workspace, stripe_sandbox: Any
) -> None:
    page = _connect(alice_client, stripe_sandbox, DEMO_PENDING_ACCOUNT)

    assert "Stripe needs more information" in page
    readiness = payment_readiness(acme)
    assert not readiness.can_accept_payments
    assert "Stripe needs more information" in readiness.reason
    assert readiness.connection is not None
    assert readiness.connection.requirements_due

    stripe_sandbox.admin(f"accounts/{DEMO_PENDING_ACCOUNT}/activate", {})
    response = alice_client.post(reverse("payments:stripe_recheck"), follow=True)

    assert "ready to accept payments" in response.content.decode()
    assert payment_readiness(acme).can_accept_payments
    assert AuditEntry.objects.filter(action="stripe.rechecked").exists()


def test_r4_disconnect_deauthorizes_at_stripe(
    alice_client: Client, acme: Workspace, stripe_sandbox: Any
) -> None:
    _connect(alice_client, stripe_sandbox)

    alice_client.post(reverse("payments:stripe_disconnect"))

    connection = StripeConnection.objects.get(workspace=acme)
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert not payment_readiness(acme).can_accept_payments
    platform = stripe_sandbox.client(stripe_account=DEMO_ACTIVE_ACCOUNT)
    with pytest.raises(stripe.StripeError):
        platform.v1.customers.create({"email": "after@disconnect.example"})
    assert AuditEntry.objects.filter(action="stripe.disconnected", actor__isnull=False).exists()


def test_r4_reconnecting_after_disconnect_works(
    alice_client: Client, acme: Workspace, stripe_sandbox: Any
) -> None:
    _connect(alice_client, stripe_sandbox)
    alice_client.post(reverse("payments:stripe_disconnect"))

    _connect(alice_client, stripe_sandbox, DEMO_PENDING_ACCOUNT)

    statuses = sorted(StripeConnection.objects.values_list("account_id", "status"))
    assert statuses == [
        (DEMO_ACTIVE_ACCOUNT, ConnectionStatus.DISCONNECTED),
        (DEMO_PENDING_ACCOUNT, ConnectionStatus.CONNECTED),
    ]


def test_r4_access_revoked_in_stripe_is_noticed_on_recheck(
    alice_client: Client, acme: Workspace, stripe_sandbox: Any
) -> None:
    _connect(alice_client, stripe_sandbox)
    stripe_sandbox.client().oauth.deauthorize(
        {"client_id": stripe_sandbox.config.client_id, "stripe_user_id": DEMO_ACTIVE_ACCOUNT}
    )

    response = alice_client.post(reverse("payments:stripe_recheck"), follow=True)

    assert StripeConnection.objects.get().status == ConnectionStatus.REVOKED
    assert "revoked" in response.content.decode()
    assert not payment_readiness(acme).can_accept_payments


def test_r5_integrations_page_explains_receipts_are_stripe_settings(
    bob_client: Client, stripe_sandbox: Any
) -> None:
    page = bob_client.get(reverse("payments:integrations")).content.decode()

    assert "Receipts and payment notifications" in page
    assert "settings of your Stripe account" in page


def test_seller_cannot_connect_recheck_or_disconnect(
    alice_client: Client, bob_client: Client, acme: Workspace, stripe_sandbox: Any
) -> None:
    assert bob_client.post(reverse("payments:stripe_connect")).status_code == 403
    _connect(alice_client, stripe_sandbox)

    for name in ["payments:stripe_recheck", "payments:stripe_disconnect"]:
        assert bob_client.post(reverse(name)).status_code == 403
    assert bob_client.get(reverse("payments:stripe_callback")).status_code == 403
    assert StripeConnection.objects.get().status == ConnectionStatus.CONNECTED
    page = bob_client.get(reverse("payments:integrations")).content.decode()
    assert "Only workspace admins can connect or disconnect Stripe." in page


def test_outsider_sees_nothing_of_another_workspaces_connection(
    alice_client: Client, mallory_client: Client, stripe_sandbox: Any
) -> None:
    _connect(alice_client, stripe_sandbox)

    page = mallory_client.get(reverse("payments:integrations")).content.decode()
    assert DEMO_ACTIVE_ACCOUNT not in page
    assert "No Stripe account is connected" in page

    mallory_client.post(reverse("payments:stripe_disconnect"))
    assert StripeConnection.objects.get().status == ConnectionStatus.CONNECTED


def test_r2_account_updated_webhook_rereads_activation_from_stripe(
    alice_client: Client,
    client: Client,
    acme: Workspace,
    stripe_sandbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _connect(alice_client, stripe_sandbox, DEMO_PENDING_ACCOUNT)
    stripe_sandbox.admin(f"accounts/{DEMO_PENDING_ACCOUNT}/activate", {})
    # The event's own snapshot claims "not activated": the handler trusts Stripe, not it.
    stale = {"id": DEMO_PENDING_ACCOUNT, "object": "account", "charges_enabled": False}

    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, event_body("account.updated", DEMO_PENDING_ACCOUNT, stale, "evt_upd"))

    assert payment_readiness(acme).can_accept_payments


# --- One Stripe account, one workspace -------------------------------------------------------


def test_r1_account_live_in_another_workspace_is_refused_and_stays_theirs(
    alice_client: Client,
    mallory_client: Client,
    acme: Workspace,
    umbrella: Workspace,
    stripe_sandbox: Any,
) -> None:
    """Mallory allows access to Acme's account in Stripe: nothing is stored for her, and
    Acme keeps its connection, at Stripe too (no deauthorize on her behalf)."""
    _connect(alice_client, stripe_sandbox)

    page = _connect(mallory_client, stripe_sandbox)
    mallory_client.post(reverse("payments:stripe_disconnect"))

    assert "already connected to another DealDesk workspace" in page
    assert not StripeConnection.objects.for_workspace(umbrella).exists()
    acme_connection = StripeConnection.objects.get(workspace=acme)
    assert acme_connection.status == ConnectionStatus.CONNECTED
    assert payment_readiness(acme).can_accept_payments
    on_account = stripe_sandbox.client(stripe_account=DEMO_ACTIVE_ACCOUNT)
    assert on_account.v1.customers.create({"email": "still@connected.example"}).id
    recheck = alice_client.post(reverse("payments:stripe_recheck"), follow=True)
    assert "ready to accept payments" in recheck.content.decode()


def test_r4_account_freed_by_disconnecting_can_move_and_revocation_ends_only_the_new_owner(
    alice_client: Client,
    mallory_client: Client,
    client: Client,
    acme: Workspace,
    umbrella: Workspace,
    stripe_sandbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _connect(alice_client, stripe_sandbox)
    alice_client.post(reverse("payments:stripe_disconnect"))
    _connect(mallory_client, stripe_sandbox)
    assert StripeConnection.objects.get(workspace=umbrella).is_connected

    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, deauthorized_body(DEMO_ACTIVE_ACCOUNT, "evt_moved"))

    assert StripeConnection.objects.get(workspace=umbrella).status == ConnectionStatus.REVOKED
    assert StripeConnection.objects.get(workspace=acme).status == ConnectionStatus.DISCONNECTED
    assert not AuditEntry.objects.filter(workspace=acme, action="stripe.revoked").exists()


def test_database_refuses_one_stripe_account_live_in_two_workspaces(
    acme: Workspace, umbrella: Workspace
) -> None:
    StripeConnection.objects.create(workspace=acme, account_id="acct_shared")
    StripeConnection.objects.create(
        workspace=umbrella, account_id="acct_shared", status=ConnectionStatus.DISCONNECTED
    )  # ended connections are history and may repeat

    with pytest.raises(IntegrityError), transaction.atomic():
        StripeConnection.objects.create(workspace=umbrella, account_id="acct_shared")


def test_r4_late_deauthorization_from_before_a_reconnect_leaves_the_new_connection(
    alice_client: Client,
    client: Client,
    acme: Workspace,
    stripe_sandbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Disconnecting makes Stripe send account.application.deauthorized; when it arrives
    after the admin connected the account again, the new connection stays."""
    _connect(alice_client, stripe_sandbox)
    alice_client.post(reverse("payments:stripe_disconnect"))
    _connect(alice_client, stripe_sandbox)
    reconnected = StripeConnection.objects.get(status=ConnectionStatus.CONNECTED)
    before_reconnecting = int(reconnected.connected_at.timestamp()) - 1

    with django_capture_on_commit_callbacks(execute=True):
        late = deauthorized_body(DEMO_ACTIVE_ACCOUNT, "evt_late", created=before_reconnecting)
        post_signed(client, late)

    assert payment_readiness(acme).can_accept_payments
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, deauthorized_body(DEMO_ACTIVE_ACCOUNT, "evt_now"))
    assert not payment_readiness(acme).can_accept_payments
