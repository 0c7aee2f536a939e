"""Webhooks from the outside: forged, stale, replayed and real-signed events."""

import json
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.payments.models import ConnectionStatus, StripeConnection, WebhookEvent, WebhookStatus
from dealdesk.payments.tests.signing import deauthorized_body, event_body, post_signed
from dealdesk.workspaces.models import AuditEntry, Workspace

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
