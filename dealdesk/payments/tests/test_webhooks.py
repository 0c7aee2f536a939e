"""Webhooks from the outside: forged, stale, replayed and real-signed events."""

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dealdesk.payments.event_processing import event_process
from dealdesk.payments.models import ConnectionStatus, StripeConnection, WebhookEvent, WebhookStatus
from dealdesk.payments.tests.signing import deauthorized_body, event_body, post_signed
from dealdesk.payments.webhooks import HANDLERS, handler_for, webhook_store
from dealdesk.workspaces.models import AuditEntry, Workspace
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT

pytestmark = pytest.mark.django_db

TOLERANCE = 300  # seconds either side of now, Stripe's default


@pytest.fixture
def connection(acme: Workspace) -> StripeConnection:
    return StripeConnection.objects.create(
        workspace=acme, account_id="acct_seller", charges_enabled=True
    )


def test_forged_signature_is_rejected_and_nothing_stored(client: Client) -> None:
    response = post_signed(client, deauthorized_body("acct_seller"), secret="whsec_attacker")

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_missing_signature_is_rejected(client: Client) -> None:
    response = client.post(
        reverse("payments:stripe_webhook"),
        data=deauthorized_body("acct_seller"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_signature_older_than_the_tolerance_is_rejected(client: Client) -> None:
    response = post_signed(
        client, deauthorized_body("acct_seller"), timestamp=int(time.time()) - TOLERANCE - 30
    )

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_signature_from_beyond_the_tolerance_in_the_future_is_rejected(client: Client) -> None:
    response = post_signed(
        client, deauthorized_body("acct_seller"), timestamp=int(time.time()) + TOLERANCE + 30
    )

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("offset", [-(TOLERANCE - 30), TOLERANCE - 30], ids=["past", "future"])
def test_signature_within_the_tolerance_either_way_is_accepted(
    client: Client, offset: int, django_capture_on_commit_callbacks: Any
) -> None:
    """Clocks drift both ways: a few minutes either side of now is fine."""
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(
            client, deauthorized_body("acct_seller"), timestamp=int(time.time()) + offset
        )

    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1


NOT_EVENTS = {
    "array": "[]",
    "null": "null",
    "string": '"evt_1"',
    "number": "42",
    "true": "true",
    "object without id": json.dumps({"object": "event", "type": "account.updated"}),
    "object without type": json.dumps({"id": "evt_1", "object": "event"}),
    "id not a string": json.dumps({"id": 7, "type": "account.updated"}),
    "empty id": json.dumps({"id": "", "type": "account.updated"}),
    "type not a string": json.dumps({"id": "evt_1", "type": ["account.updated"]}),
    "account not a string": json.dumps({"id": "evt_1", "type": "x", "account": {"id": "a"}}),
    "id too long to be Stripe's": json.dumps({"id": "evt_" + "9" * 300, "type": "x"}),
    "type too long": json.dumps({"id": "evt_1", "type": "x" * 200}),
    "NUL character in a value": json.dumps(
        {"id": "evt_1", "type": "x", "data": {"object": {"name": "a\u0000b"}}}
    ),
    "NUL character in a key": json.dumps(
        {"id": "evt_1", "type": "x", "data": {"object": {"a\u0000b": 1}}}
    ),
    "not JSON": "{not json",
    "nested too deep to parse": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("payload", NOT_EVENTS.values(), ids=NOT_EVENTS.keys())
def test_correctly_signed_body_that_is_not_an_event_is_a_400(
    client: Client, payload: str, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_signed(client, payload)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert callbacks == []


def test_r4_deauthorized_webhook_marks_connection_revoked(
    client: Client,
    connection: StripeConnection,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, deauthorized_body("acct_seller"))

    assert response.status_code == 200
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    event = WebhookEvent.objects.get()
    assert event.status == WebhookStatus.PROCESSED
    assert AuditEntry.objects.filter(action="stripe.revoked", actor=None).count() == 1


def test_replayed_event_is_stored_and_processed_once(
    client: Client,
    connection: StripeConnection,
    django_capture_on_commit_callbacks: Any,
) -> None:
    payload = deauthorized_body("acct_seller")
    with django_capture_on_commit_callbacks(execute=True):
        first = post_signed(client, payload)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = post_signed(client, payload)

    assert first.status_code == second.status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert callbacks == []
    assert AuditEntry.objects.filter(action="stripe.revoked").count() == 1


def test_deauthorization_of_another_platforms_app_is_ignored(
    client: Client,
    connection: StripeConnection,
    django_capture_on_commit_callbacks: Any,
) -> None:
    payload = event_body(
        "account.application.deauthorized",
        "acct_seller",
        {"id": "ca_someone_else", "object": "application"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, payload)

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED


def test_unknown_event_types_are_stored_as_ignored(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, event_body("balance.available", "acct_x", {"id": "bal"}))

    assert WebhookEvent.objects.get().status == WebhookStatus.IGNORED


def test_r4_after_revocation_the_reason_says_access_was_revoked(
    client: Client,
    acme: Workspace,
    connection: StripeConnection,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from dealdesk.payments.selectors import payment_readiness

    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, deauthorized_body("acct_seller"))

    readiness = payment_readiness(acme)
    assert not readiness.can_accept_payments
    assert "revoked in Stripe" in readiness.reason


def test_a_5_mb_body_is_refused_before_it_is_read_and_nothing_stored(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """Even correctly signed: anyone can post to the URL, and no Stripe event is that big."""
    padding = "x" * (5 * 1024 * 1024)
    payload = event_body("account.updated", "acct_seller", {"id": "acct_seller", "pad": padding})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_signed(client, payload)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert callbacks == []


def test_a_payload_signed_with_another_endpoints_secret_is_rejected(client: Client) -> None:
    """A real Stripe secret, but not ours: e.g. another endpoint's deliveries replayed here."""
    response = post_signed(
        client, deauthorized_body("acct_seller"), secret="whsec_another_real_endpoint_secret"
    )

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


# --- Storing: one statement, the payload as sent, the owning workspace ---------------------


def test_a_new_event_is_stored_in_one_statement_with_its_payload_as_sent(
    django_assert_num_queries: Any,
) -> None:
    event = {
        "id": "evt_payload",
        "object": "event",
        "type": "customer.updated",
        "account": "acct_x",
        "livemode": True,
        "created": 1_767_000_000,
        "data": {
            "object": {"name": "Müller & Søn “GmbH” 😀", "amount": 2**53 + 1, "ratio": 0.1},
            "previous_attributes": {"metadata": {}, "tags": [None, True, "a\\b"]},
        },
    }

    with django_assert_num_queries(1):
        stored = webhook_store(event=json.loads(json.dumps(event)))

    assert stored is not None
    row = WebhookEvent.objects.get()
    assert row.pk == stored.pk
    assert row.payload == event
    assert (row.stripe_event_id, row.type, row.account_id, row.livemode) == (
        "evt_payload",
        "customer.updated",
        "acct_x",
        True,
    )
    assert (row.status, row.attempts, row.error, row.workspace_id) == ("pending", 0, "", None)
    assert row.received_at == stored.received_at
    assert (row.processed_at, row.locked_until, row.next_attempt_at) == (None, None, None)


def test_a_redelivery_is_answered_by_the_same_one_statement_and_changes_nothing(
    django_assert_num_queries: Any,
) -> None:
    event = {"id": "evt_twice", "type": "customer.updated", "account": "acct_x"}
    first = webhook_store(event=event)
    assert first is not None

    with django_assert_num_queries(1):
        again = webhook_store(event={**event, "type": "tampered.copy"})

    assert again is None
    assert list(WebhookEvent.objects.values_list("pk", "type")) == [(first.pk, "customer.updated")]


def test_a_stored_event_belongs_to_the_live_connection_else_the_latest_else_nobody(
    client: Client, acme: Workspace, umbrella: Workspace
) -> None:
    long_ago = timezone.now() - timedelta(days=30)
    # acct_moved: Umbrella's connection is newer but ended; Acme's older one is live.
    StripeConnection.objects.create(workspace=acme, account_id="acct_moved", connected_at=long_ago)
    StripeConnection.objects.create(
        workspace=umbrella,
        account_id="acct_moved",
        status=ConnectionStatus.DISCONNECTED,
        connected_at=long_ago + timedelta(days=1),
    )
    # acct_revoked: only ended connections; the latest one owns it.
    StripeConnection.objects.create(
        workspace=umbrella,
        account_id="acct_revoked",
        status=ConnectionStatus.REVOKED,
        connected_at=long_ago + timedelta(days=2),
    )
    StripeConnection.objects.create(
        workspace=acme,
        account_id="acct_revoked",
        status=ConnectionStatus.DISCONNECTED,
        connected_at=long_ago,
    )

    for n, account in enumerate(["acct_moved", "acct_revoked", "acct_nobody", ""]):
        body = event_body("customer.updated", account, {"id": "cus_1"}, event_id=f"evt_{n}")
        assert post_signed(client, body).status_code == 200

    owners = dict(WebhookEvent.objects.values_list("account_id", "workspace_id"))
    assert owners == {
        "acct_moved": acme.pk,
        "acct_revoked": umbrella.pk,
        "acct_nobody": None,
        "": None,  # a platform event: no account, no workspace
    }


def test_an_owned_event_finds_its_handler_without_looking_the_owner_up_again(
    connection: StripeConnection, django_assert_num_queries: Any
) -> None:
    stored = webhook_store(event=json.loads(deauthorized_body("acct_seller")))
    assert stored is not None and stored.workspace_id == connection.workspace_id

    with django_assert_num_queries(0):
        handler = handler_for(stored)

    assert handler is HANDLERS["account.application.deauthorized"]


def test_an_event_of_an_account_nobody_connected_is_ignored(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, deauthorized_body("acct_nobody"))

    assert WebhookEvent.objects.get().status == WebhookStatus.IGNORED


def test_r2_account_updated_that_arrived_before_its_connection_was_saved_is_still_applied(
    client: Client, acme: Workspace, northwind: Any
) -> None:
    """Stripe sends account.updated while the seller is still on its OAuth page: stored
    without an owner, it is processed for the connection saved meanwhile, and then
    belongs to that workspace."""
    snapshot = {"id": DEMO_ACTIVE_ACCOUNT, "object": "account"}
    post_signed(client, event_body("account.updated", DEMO_ACTIVE_ACCOUNT, snapshot, "evt_early"))
    assert WebhookEvent.objects.get().workspace_id is None
    connection = StripeConnection.objects.create(
        workspace=acme, account_id=DEMO_ACTIVE_ACCOUNT, charges_enabled=False
    )

    outcome = event_process(event_pk=WebhookEvent.objects.get().pk)

    assert outcome.status == WebhookStatus.PROCESSED
    connection.refresh_from_db()
    assert connection.charges_enabled
    assert WebhookEvent.objects.get().workspace == acme  # listed on its events page now
