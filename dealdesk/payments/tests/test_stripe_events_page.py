"""Issue item 5, operations: the workspace's Stripe events page and the operator's admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.factories import UserFactory
from dealdesk.lib.clock import utcnow
from dealdesk.payments.event_retry import event_retry
from dealdesk.payments.models import StripeConnection, WebhookEvent, WebhookStatus
from dealdesk.workspaces.models import Workspace

pytestmark = pytest.mark.django_db

EVENTS_URL = reverse("payments:stripe_events")


def _event(workspace: Workspace | None, event_id: str, **fields: Any) -> WebhookEvent:
    return WebhookEvent.objects.create(
        stripe_event_id=event_id,
        type=fields.pop("type", "balance.available"),
        account_id="acct_x",
        workspace=workspace,
        payload={"id": event_id, "type": "balance.available", "account": "acct_x"},
        **fields,
    )


def _again_url(event: WebhookEvent) -> str:
    return reverse("payments:stripe_event_process_again", args=[event.pk])


@pytest.fixture
def dead(acme: Workspace) -> WebhookEvent:
    return _event(
        acme,
        "evt_dead",
        status=WebhookStatus.DEAD,
        attempts=5,
        error="Traceback (most recent call last):\nBoom: card network on fire",
    )


def test_admin_sees_the_workspaces_events_with_status_attempts_and_error(
    alice_client: Client, acme: Workspace, umbrella: Workspace, dead: WebhookEvent
) -> None:
    _event(acme, "evt_ok", status=WebhookStatus.PROCESSED, attempts=1, processed_at=utcnow())
    _event(
        acme,
        "evt_retry",
        status=WebhookStatus.FAILED,
        attempts=2,
        next_attempt_at=utcnow() + timedelta(minutes=5),
    )
    _event(umbrella, "evt_umbrella_secret")
    _event(None, "evt_nobodys")

    response = alice_client.get(EVENTS_URL)

    assert response.status_code == 200
    html = response.content.decode()
    for shown in ("evt_ok", "evt_retry", "evt_dead", "Failed, gave up", "Failed, will retry"):
        assert shown in html
    assert "evt_umbrella_secret" not in html
    assert "evt_nobodys" not in html
    assert "<summary>Last error</summary>" in html
    assert "Boom: card network on fire" in html
    # Only failed events offer to be processed again.
    assert html.count("Process again<span") == 2


def test_events_can_be_filtered_by_status(
    alice_client: Client, acme: Workspace, dead: WebhookEvent
) -> None:
    _event(acme, "evt_ok", status=WebhookStatus.PROCESSED)

    html = alice_client.get(EVENTS_URL, {"status": "dead"}).content.decode()

    assert "evt_dead" in html
    assert "evt_ok" not in html


def test_a_seller_may_not_see_or_retry_events(bob_client: Client, dead: WebhookEvent) -> None:
    assert bob_client.get(EVENTS_URL).status_code == 403
    assert bob_client.post(_again_url(dead)).status_code == 403
    dead.refresh_from_db()
    assert dead.status == WebhookStatus.DEAD


def test_an_outsider_sees_none_of_the_events_and_cannot_retry_them(
    mallory_client: Client, dead: WebhookEvent
) -> None:
    html = mallory_client.get(EVENTS_URL).content.decode()
    assert "evt_dead" not in html
    assert mallory_client.post(_again_url(dead)).status_code == 404
    dead.refresh_from_db()
    assert dead.status == WebhookStatus.DEAD


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, dead: WebhookEvent) -> None:
    response = client.get(EVENTS_URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_process_again_runs_a_dead_event_once_more(
    alice_client: Client, dead: WebhookEvent, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(_again_url(dead), follow=True)

    dead.refresh_from_db()
    assert (dead.status, dead.attempts, dead.error) == (WebhookStatus.IGNORED, 6, "")
    assert "evt_dead will be processed again." in response.content.decode()


def test_process_again_leaves_an_event_that_did_not_fail_alone(
    alice_client: Client, acme: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    done = _event(acme, "evt_ok", status=WebhookStatus.PROCESSED, attempts=1)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = alice_client.post(_again_url(done), follow=True)

    done.refresh_from_db()
    assert (done.status, done.attempts) == (WebhookStatus.PROCESSED, 1)
    assert queued == []
    assert "nothing to do again" in response.content.decode()


def test_process_again_sends_only_failed_events_back_and_queues_each_once(
    acme: Workspace, dead: WebhookEvent, django_capture_on_commit_callbacks: Any
) -> None:
    """The one path behind the events page and Django admin's action."""
    failed = _event(acme, "evt_failed", status=WebhookStatus.FAILED, attempts=2)
    done = _event(acme, "evt_done", status=WebhookStatus.PROCESSED, attempts=1)

    with django_capture_on_commit_callbacks() as queued:
        assert event_retry(event=dead)
        assert event_retry(event=failed)
        assert not event_retry(event=dead)  # pending again already
        assert not event_retry(event=done)

    assert len(queued) == 2
    statuses = WebhookEvent.objects.filter(pk__in=[dead.pk, failed.pk, done.pk])
    assert dict(statuses.values_list("stripe_event_id", "status")) == {
        "evt_dead": WebhookStatus.PENDING,
        "evt_failed": WebhookStatus.PENDING,
        "evt_done": WebhookStatus.PROCESSED,
    }


def test_process_again_needs_the_csrf_token(alice: Any, dead: WebhookEvent) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post(_again_url(dead)).status_code == 403
    dead.refresh_from_db()
    assert dead.status == WebhookStatus.DEAD


def test_process_again_is_post_only(alice_client: Client, dead: WebhookEvent) -> None:
    assert alice_client.get(_again_url(dead)).status_code == 405


def test_integrations_page_links_admins_to_the_events(
    alice_client: Client, bob_client: Client
) -> None:
    assert EVENTS_URL in alice_client.get(reverse("payments:integrations")).content.decode()
    assert EVENTS_URL not in bob_client.get(reverse("payments:integrations")).content.decode()


def test_events_stored_from_a_webhook_appear_for_the_owning_workspace(
    alice_client: Client, acme: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    from dealdesk.payments.tests.signing import event_body, post_signed

    StripeConnection.objects.create(workspace=acme, account_id="acct_seller")
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(Client(), event_body("balance.available", "acct_seller", {"id": "b"}, "evt_in"))

    assert "evt_in" in alice_client.get(EVENTS_URL).content.decode()


# --- Django admin: the operator sees every workspace's events ------------------------------

ADMIN_EVENTS_URL = reverse("admin:payments_webhookevent_changelist")


@pytest.fixture
def operator_client(db: None) -> Client:
    operator = UserFactory.create(email="ops@dealdesk.example", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)
    return client


def test_operator_lists_every_workspaces_events_in_django_admin(
    operator_client: Client, dead: WebhookEvent, umbrella: Workspace
) -> None:
    _event(umbrella, "evt_umbrella")

    response = operator_client.get(ADMIN_EVENTS_URL, {"status__exact": "dead"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "balance.available" in html
    assert response.context["cl"].result_count == 1


def test_operator_processes_failed_events_again_from_django_admin(
    operator_client: Client, dead: WebhookEvent, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            ADMIN_EVENTS_URL, {"action": "process_again", "_selected_action": [dead.pk]}
        )

    assert response.status_code == 302
    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (WebhookStatus.IGNORED, 6)


def test_operator_is_told_how_many_of_the_selected_events_had_not_failed(
    operator_client: Client,
    acme: Workspace,
    dead: WebhookEvent,
    django_capture_on_commit_callbacks: Any,
) -> None:
    done = _event(acme, "evt_done", status=WebhookStatus.PROCESSED, attempts=1)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = operator_client.post(
            ADMIN_EVENTS_URL,
            {"action": "process_again", "_selected_action": [dead.pk, done.pk]},
            follow=True,
        )

    assert len(queued) == 1
    assert "1 event(s) queued to be processed again; 1 had not failed." in (
        response.content.decode()
    )
    done.refresh_from_db()
    assert (done.status, done.attempts) == (WebhookStatus.PROCESSED, 1)


def test_workspace_admins_are_not_operators(alice_client: Client, dead: WebhookEvent) -> None:
    response = alice_client.get(ADMIN_EVENTS_URL)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
