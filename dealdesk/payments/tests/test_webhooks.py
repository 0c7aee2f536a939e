"""Webhooks from the outside: forged, stale, replayed and real-signed events."""

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import stripe
from django.conf import settings
from django.test import Client
from django.urls import reverse

from dealdesk.payments.models import ConnectionStatus, StripeConnection, WebhookEvent, WebhookStatus
from dealdesk.workspaces.models import AuditEntry, Workspace

pytestmark = pytest.mark.django_db

Post = Callable[..., Any]


def _event(event_type: str, account: str, obj: dict[str, Any], event_id: str = "evt_1") -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "account": account,
            "livemode": False,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    )


def _post(
    client: Client, payload: str, secret: str | None = None, timestamp: int | None = None
) -> Any:
    header = stripe.WebhookSignature.generate_signature_header(
        payload, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp
    )
    return client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


def _deauthorized(account: str = "acct_seller", event_id: str = "evt_1") -> str:
    return _event(
        "account.application.deauthorized",
        account,
        {"id": settings.STRIPE_CLIENT_ID, "object": "application"},
        event_id,
    )


@pytest.fixture
def connection(acme: Workspace) -> StripeConnection:
    return StripeConnection.objects.create(
        workspace=acme, account_id="acct_seller", charges_enabled=True
    )


def test_forged_signature_is_rejected_and_nothing_stored(client: Client) -> None:
    response = _post(client, _deauthorized(), secret="whsec_attacker")

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_missing_signature_is_rejected(client: Client) -> None:
    response = client.post(
        reverse("payments:stripe_webhook"), data=_deauthorized(), content_type="application/json"
    )
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_stale_signature_is_rejected(client: Client) -> None:
    response = _post(client, _deauthorized(), timestamp=int(time.time()) - 3600)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_r4_deauthorized_webhook_marks_connection_revoked(
    client: Client,
    connection: StripeConnection,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, _deauthorized())

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
    payload = _deauthorized()
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(client, payload)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = _post(client, payload)

    assert first.status_code == second.status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert callbacks == []
    assert AuditEntry.objects.filter(action="stripe.revoked").count() == 1


def test_deauthorization_of_another_platforms_app_is_ignored(
    client: Client,
    connection: StripeConnection,
    django_capture_on_commit_callbacks: Any,
) -> None:
    payload = _event(
        "account.application.deauthorized",
        "acct_seller",
        {"id": "ca_someone_else", "object": "application"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, payload)

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED


def test_unknown_event_types_are_stored_as_ignored(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _event("balance.available", "acct_x", {"id": "bal"}))

    assert WebhookEvent.objects.get().status == WebhookStatus.IGNORED


def test_r4_after_revocation_the_reason_says_access_was_revoked(
    client: Client,
    acme: Workspace,
    connection: StripeConnection,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from dealdesk.payments.selectors import payment_readiness

    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _deauthorized())

    readiness = payment_readiness(acme)
    assert not readiness.can_accept_payments
    assert "revoked in Stripe" in readiness.reason
