"""New Stripe events are processed by one drain per burst, not one task per event.

The webhook stores the event in one statement and kicks a drain (a flag in the shared
Redis cache); the drain clears the flag, then claims pending events in batches until none
is left. These tests queue tasks with django-tasks' DummyBackend, so the queued runs can be
counted, and then run them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend

from dealdesk.lib import kick
from dealdesk.lib.clock import utcnow
from dealdesk.payments import event_drain
from dealdesk.payments import event_processing as engine
from dealdesk.payments.models import WebhookEvent, WebhookStatus
from dealdesk.payments.tasks import (
    drain_flag_name,
    process_pending_webhook_events,
    process_webhook_event,
)
from dealdesk.payments.tests.signing import event_body, post_signed
from dealdesk.payments.webhooks import HANDLERS

pytestmark = pytest.mark.django_db

Deliver = Callable[..., Any]


@pytest.fixture
def queue(settings: Any) -> DummyBackend:
    """Tasks are queued and kept, not run: the test counts them, then runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    return backend


def _queued(queue: DummyBackend, task: Any) -> int:
    return sum(1 for result in queue.results if result.task.func is task.func)


@pytest.fixture
def deliver(client: Client, django_capture_on_commit_callbacks: Any) -> Deliver:
    """Stripe delivers one signed event; the webhook's after-commit work runs."""

    def deliver(event_id: str, event_type: str = "balance.available") -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_signed(
                client, event_body(event_type, "acct_x", {"id": "obj"}, event_id=event_id)
            )
        assert response.status_code == 200
        return response

    return deliver


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs: list[str] = []
    monkeypatch.setitem(HANDLERS, "test.counts", lambda event: runs.append(event["id"]))
    return runs


def _statuses() -> dict[str, str]:
    return dict(WebhookEvent.objects.values_list("stripe_event_id", "status"))


def test_a_burst_of_events_queues_one_drain_that_processes_all_of_them_oldest_first(
    queue: DummyBackend, deliver: Deliver, counting: list[str]
) -> None:
    for n in range(10):
        deliver(f"evt_handled_{n}", "test.counts")
        deliver(f"evt_ignored_{n}")

    assert _queued(queue, process_pending_webhook_events) == 1
    assert _queued(queue, process_webhook_event) == 0
    assert set(_statuses().values()) == {WebhookStatus.PENDING}

    results = process_pending_webhook_events.call()

    assert results == {WebhookStatus.PROCESSED: 10, WebhookStatus.IGNORED: 10}
    assert counting == [f"evt_handled_{n}" for n in range(10)]
    rows = WebhookEvent.objects.all()
    assert {(row.status, row.attempts) for row in rows} == {
        (WebhookStatus.PROCESSED, 1),
        (WebhookStatus.IGNORED, 1),
    }
    assert all(row.processed_at is not None and row.locked_until is None for row in rows)
    assert _queued(queue, process_pending_webhook_events) == 1  # nothing left: no next run


def test_an_event_stored_after_the_drain_cleared_its_flag_queues_another_drain(
    queue: DummyBackend, deliver: Deliver
) -> None:
    deliver("evt_1")
    process_pending_webhook_events.call()
    deliver("evt_2")
    deliver("evt_3")

    assert _queued(queue, process_pending_webhook_events) == 2
    assert _statuses() == {
        "evt_1": WebhookStatus.IGNORED,
        "evt_2": WebhookStatus.PENDING,
        "evt_3": WebhookStatus.PENDING,
    }


def test_an_event_stored_while_the_drain_runs_is_drained_by_it_and_queues_the_next_run(
    queue: DummyBackend, deliver: Deliver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flag is cleared before draining: an event arriving meanwhile is never stranded."""
    monkeypatch.setitem(HANDLERS, "test.chains", lambda event: deliver("evt_during"))
    deliver("evt_first", "test.chains")

    results = process_pending_webhook_events.call()

    assert results == {WebhookStatus.PROCESSED: 1, WebhookStatus.IGNORED: 1}
    assert _statuses() == {"evt_first": WebhookStatus.PROCESSED, "evt_during": "ignored"}
    assert _queued(queue, process_pending_webhook_events) == 2


def test_a_redelivered_event_queues_no_drain(queue: DummyBackend, deliver: Deliver) -> None:
    deliver("evt_1")
    process_pending_webhook_events.call()
    deliver("evt_1")

    assert WebhookEvent.objects.count() == 1
    assert _queued(queue, process_pending_webhook_events) == 1


def test_a_drain_stops_at_its_limit_and_queues_the_rest_behind_other_tasks(
    queue: DummyBackend, deliver: Deliver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_drain, "DRAIN_BATCH", 2)
    monkeypatch.setattr(event_drain, "DRAIN_MAX_EVENTS", 3)
    for n in range(5):
        deliver(f"evt_{n}")

    assert process_pending_webhook_events.call() == {WebhookStatus.IGNORED: 3}
    assert _queued(queue, process_pending_webhook_events) == 2
    assert process_pending_webhook_events.call() == {WebhookStatus.IGNORED: 2}
    assert _queued(queue, process_pending_webhook_events) == 2
    assert set(_statuses().values()) == {WebhookStatus.IGNORED}


def test_a_failing_event_in_a_drain_gets_its_retry_queued_and_the_others_still_run(
    queue: DummyBackend, deliver: Deliver, counting: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(event: dict[str, Any]) -> None:
        raise RuntimeError("card network on fire")

    monkeypatch.setitem(HANDLERS, "test.fails", fails)
    deliver("evt_fails", "test.fails")
    deliver("evt_counts", "test.counts")

    results = process_pending_webhook_events.call()

    failed = WebhookEvent.objects.get(stripe_event_id="evt_fails")
    assert results == {WebhookStatus.FAILED: 1, WebhookStatus.PROCESSED: 1}
    assert (failed.status, failed.attempts) == (WebhookStatus.FAILED, 1)
    assert counting == ["evt_counts"]
    retries = [r for r in queue.results if r.task.func is process_webhook_event.func]
    assert [(r.args, r.task.run_after) for r in retries] == [([failed.pk], failed.next_attempt_at)]


def test_a_drain_leaves_events_it_does_not_own_alone(
    queue: DummyBackend, deliver: Deliver, counting: list[str]
) -> None:
    """Claimed by another worker, failed and waiting for its retry, finished: not pending."""
    for n in range(4):
        deliver(f"evt_{n}", "test.counts")
    assert engine.event_claim(event_pk=WebhookEvent.objects.get(stripe_event_id="evt_0").pk)
    WebhookEvent.objects.filter(stripe_event_id="evt_1").update(
        status=WebhookStatus.FAILED, attempts=1, next_attempt_at=utcnow() + timedelta(minutes=1)
    )
    WebhookEvent.objects.filter(stripe_event_id="evt_2").update(status=WebhookStatus.PROCESSED)

    assert process_pending_webhook_events.call() == {WebhookStatus.PROCESSED: 1}

    assert counting == ["evt_3"]
    assert _statuses()["evt_0"] == WebhookStatus.PROCESSING


def test_a_drain_takes_an_event_the_moment_it_is_stored_the_sweeper_only_after_a_minute(
    queue: DummyBackend, deliver: Deliver, counting: list[str]
) -> None:
    deliver("evt_1", "test.counts")

    assert engine.events_sweep() == {}
    assert counting == []
    assert process_pending_webhook_events.call() == {WebhookStatus.PROCESSED: 1}
    assert counting == ["evt_1"]


def test_when_no_drain_can_be_queued_the_event_is_stored_answered_200_and_swept_later(
    client: Client,
    settings: Any,
    deliver: Deliver,
    queue: DummyBackend,
    counting: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis is down: the flag cannot be set. The event is safe in its row; the sweeper
    (``manage.py stripe_events_process``) processes it once it has waited a minute."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        },
    }
    with caplog.at_level(logging.ERROR, logger="dealdesk.payments.events"):
        deliver("evt_1", "test.counts")

    assert "Could not queue processing of Stripe events" in caplog.text
    assert _queued(queue, process_pending_webhook_events) == 0
    event = WebhookEvent.objects.get()
    assert event.status == WebhookStatus.PENDING

    results = engine.events_sweep(now=utcnow() + engine.PENDING_GRACE)

    assert results == {WebhookStatus.PROCESSED: 1}
    assert counting == ["evt_1"]


def test_with_the_immediate_backend_of_the_tests_every_new_event_is_processed_at_once(
    deliver: Deliver, counting: list[str]
) -> None:
    deliver("evt_1", "test.counts")
    deliver("evt_2", "test.counts")

    assert counting == ["evt_1", "evt_2"]
    assert set(_statuses().values()) == {WebhookStatus.PROCESSED}


def test_a_queued_drain_of_another_database_on_the_same_redis_does_not_hold_this_one_back(
    queue: DummyBackend, deliver: Deliver
) -> None:
    other_database = {**connection.settings_dict, "NAME": "dealdesk_elsewhere"}
    kick.kick(cache, drain_flag_name(other_database), enqueue=lambda: None, ttl=60)
    deliver("evt_1")
    assert _queued(queue, process_pending_webhook_events) == 1

    kick.kick(cache, drain_flag_name(), enqueue=lambda: None, ttl=60)  # flag of this database
    deliver("evt_2")
    assert _queued(queue, process_pending_webhook_events) == 1
