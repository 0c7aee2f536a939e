"""Issue item 1: processing stored Stripe events cannot run twice or get lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from dealdesk.lib.clock import utcnow
from dealdesk.payments import event_processing as engine
from dealdesk.payments.models import ConnectionStatus, StripeConnection, WebhookEvent, WebhookStatus
from dealdesk.payments.tests.signing import deauthorized_body, post_signed
from dealdesk.payments.webhooks import HANDLERS, webhook_store
from dealdesk.workspaces.models import AuditEntry, Workspace

pytestmark = pytest.mark.django_db


class Boom(RuntimeError):
    pass


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch, acme: Workspace) -> list[str]:
    """A handler for ``test.fails`` that writes an audit entry, then raises."""
    runs: list[str] = []

    def handler(event: dict[str, Any]) -> None:
        runs.append(event["id"])
        AuditEntry.objects.create(workspace=acme, action="test.half_done", target=event["id"])
        raise Boom("card network on fire")

    monkeypatch.setitem(HANDLERS, "test.fails", handler)
    return runs


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs: list[str] = []
    monkeypatch.setitem(HANDLERS, "test.counts", lambda event: runs.append(event["id"]))
    return runs


def _stored(event_type: str, event_id: str = "evt_1", account: str = "acct_x") -> WebhookEvent:
    stored = webhook_store(event={"id": event_id, "type": event_type, "account": account})
    assert stored is not None
    return stored


def _run(event: WebhookEvent) -> engine.Outcome:
    return engine.event_process(event_pk=event.pk)


def test_backoff_is_1_5_30_minutes_then_2_hours_then_gives_up() -> None:
    delays = [engine.retry_delay(n) for n in range(1, 6)]
    assert delays == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        None,
    ]
    assert engine.MAX_ATTEMPTS == 5


def test_same_event_delivered_five_times_is_one_row_and_one_state_change(
    client: Client, acme: Workspace, django_capture_on_commit_callbacks: Any
) -> None:
    connection = StripeConnection.objects.create(
        workspace=acme, account_id="acct_seller", charges_enabled=True
    )
    payload = deauthorized_body("acct_seller")
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert post_signed(client, payload).status_code == 200

    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == (WebhookStatus.PROCESSED, 1)
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    assert AuditEntry.objects.filter(action="stripe.revoked").count() == 1


def test_a_failing_handler_leaves_nothing_half_done_and_keeps_its_traceback(
    failing: list[str],
) -> None:
    event = _stored("test.fails")
    before = utcnow()

    outcome = _run(event)

    event.refresh_from_db()
    assert outcome == engine.Outcome(
        status=WebhookStatus.FAILED, ran=True, retry_at=outcome.retry_at
    )
    assert event.status == WebhookStatus.FAILED
    assert event.attempts == 1
    assert "Traceback (most recent call last)" in event.error
    assert "Boom: card network on fire" in event.error
    assert event.next_attempt_at is not None
    assert before + timedelta(minutes=1) <= event.next_attempt_at <= utcnow() + timedelta(minutes=1)
    assert event.locked_until is None
    assert not AuditEntry.objects.filter(action="test.half_done").exists()  # rolled back


def test_a_failed_event_is_not_retried_before_its_backoff(failing: list[str]) -> None:
    event = _stored("test.fails")
    _run(event)

    assert _run(event) == engine.Outcome(status=WebhookStatus.FAILED, ran=False)
    assert engine.events_due() == []
    assert len(failing) == 1


def test_a_failed_event_is_retried_by_the_sweeper_once_due(
    failing: list[str], counting: list[str]
) -> None:
    event = _stored("test.fails")
    _run(event)
    WebhookEvent.objects.filter(pk=event.pk).update(type="test.counts")  # the fix shipped

    results = engine.events_sweep(now=utcnow() + timedelta(minutes=1, seconds=1))

    event.refresh_from_db()
    assert results == {WebhookStatus.PROCESSED: 1}
    assert (event.status, event.attempts, event.error) == (WebhookStatus.PROCESSED, 2, "")
    assert event.processed_at is not None
    assert counting == ["evt_1"]


def test_after_the_last_retry_the_event_is_dead_and_stays_so(failing: list[str]) -> None:
    event = _stored("test.fails")
    statuses = []
    for _ in range(engine.MAX_ATTEMPTS):
        WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=utcnow())
        statuses.append(_run(event).status)

    event.refresh_from_db()
    assert statuses == [WebhookStatus.FAILED] * 4 + [WebhookStatus.DEAD]
    assert (event.status, event.attempts, event.next_attempt_at) == (WebhookStatus.DEAD, 5, None)
    assert engine.events_due(now=utcnow() + timedelta(days=30)) == []
    assert _run(event).ran is False
    assert len(failing) == 5


def test_an_event_held_by_a_live_lease_is_not_run_again(counting: list[str]) -> None:
    event = _stored("test.counts")
    assert engine.event_claim(event_pk=event.pk) == 1  # another worker has it

    assert _run(event) == engine.Outcome(status=WebhookStatus.PROCESSING, ran=False)
    assert engine.events_due(now=utcnow() + timedelta(minutes=4)) == []
    assert counting == []


def test_an_expired_lease_is_claimed_again_and_processed(counting: list[str]) -> None:
    event = _stored("test.counts")
    engine.event_claim(event_pk=event.pk)  # that worker died
    later = utcnow() + engine.lease() + timedelta(seconds=1)

    assert engine.events_due(now=later) == [event.pk]
    results = engine.events_sweep(now=later)

    event.refresh_from_db()
    assert results == {WebhookStatus.PROCESSED: 1}
    assert (event.status, event.attempts, event.locked_until) == (WebhookStatus.PROCESSED, 2, None)
    assert counting == ["evt_1"]


def test_the_lease_is_a_setting(settings: Any) -> None:
    settings.STRIPE_EVENT_LEASE_SECONDS = 2
    event = _stored("test.counts")
    engine.event_claim(event_pk=event.pk)
    event.refresh_from_db()
    assert event.locked_until is not None
    assert event.locked_until - utcnow() <= timedelta(seconds=2)


def test_an_event_whose_every_attempt_killed_its_worker_is_given_up(counting: list[str]) -> None:
    event = _stored("test.counts")
    WebhookEvent.objects.filter(pk=event.pk).update(
        status=WebhookStatus.PROCESSING,
        attempts=engine.MAX_ATTEMPTS,
        locked_until=utcnow() - timedelta(seconds=1),
    )

    results = engine.events_sweep()

    event.refresh_from_db()
    assert results == {WebhookStatus.DEAD: 1}
    assert event.status == WebhookStatus.DEAD
    assert "worker stopping" in event.error
    assert counting == []


def test_a_pending_event_is_left_to_its_own_task_for_a_minute(counting: list[str]) -> None:
    event = _stored("test.counts")

    assert engine.events_due() == []
    assert engine.events_due(now=utcnow() + engine.PENDING_GRACE) == [event.pk]


def test_process_again_puts_a_dead_event_back_in_the_queue(
    failing: list[str], counting: list[str]
) -> None:
    event = _stored("test.fails")
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookStatus.DEAD, attempts=5)
    event.refresh_from_db()

    assert engine.event_process_again(event=event)
    assert not engine.event_process_again(event=event)  # already pending
    WebhookEvent.objects.filter(pk=event.pk).update(type="test.counts")
    assert _run(event).status == WebhookStatus.PROCESSED
    event.refresh_from_db()
    assert event.attempts == 6
    assert not engine.event_process_again(event=event)


def test_process_again_after_the_retries_ran_out_is_one_more_attempt(failing: list[str]) -> None:
    event = _stored("test.fails")
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookStatus.DEAD, attempts=5)
    event.refresh_from_db()
    engine.event_process_again(event=event)

    assert _run(event).status == WebhookStatus.DEAD


def test_sweeper_command_processes_what_is_due(counting: list[str]) -> None:
    event = _stored("test.counts")
    WebhookEvent.objects.filter(pk=event.pk).update(received_at=utcnow() - timedelta(minutes=2))

    call_command("stripe_events_process", verbosity=0)

    event.refresh_from_db()
    assert event.status == WebhookStatus.PROCESSED
    assert counting == ["evt_1"]


def test_events_belong_to_the_workspace_whose_connection_owns_the_account(
    acme: Workspace, umbrella: Workspace
) -> None:
    StripeConnection.objects.create(
        workspace=umbrella,
        account_id="acct_moved",
        status=ConnectionStatus.DISCONNECTED,
        connected_at=utcnow() - timedelta(days=9),
    )
    StripeConnection.objects.create(
        workspace=acme,
        account_id="acct_moved",
        connected_at=utcnow() - timedelta(days=10),
    )
    StripeConnection.objects.create(
        workspace=umbrella,
        account_id="acct_left",
        status=ConnectionStatus.DISCONNECTED,
    )

    assert _stored("x", "evt_a", "acct_moved").workspace == acme  # the live connection
    assert _stored("x", "evt_b", "acct_left").workspace == umbrella  # after disconnecting
    assert _stored("x", "evt_c", "acct_nobody").workspace is None
