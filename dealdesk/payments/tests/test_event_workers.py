"""Issue item 1 with real processes: ``manage.py db_worker`` on the PostgreSQL queue.

The workers run against the test database (visible to them in a ``transaction=True``
test) with ``tests/workers/settings.py``, which registers handlers whose every run leaves
an audit entry, so each run of a handler can be counted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from dealdesk.payments.event_drain import events_claim_pending
from dealdesk.payments.models import WebhookEvent, WebhookStatus
from dealdesk.payments.tasks import process_pending_webhook_events, process_webhook_event
from dealdesk.payments.tests.workers.apps import BLOCKING_LOCK_KEY
from dealdesk.payments.webhooks import webhook_store
from dealdesk.workspaces.models import AuditEntry, Workspace

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
LEASE_SECONDS = 2
TIMEOUT = 120.0


@pytest.fixture
def queue_in_database(settings: Any) -> None:
    """Tasks go to the PostgreSQL queue, as in production, not run in this process."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _environment(name: str) -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}?application_name={name}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dealdesk.payments.tests.workers.settings",
        "DATABASE_URL": url,
        "DATABASE_CONN_MAX_AGE": "0",
        "STRIPE_EVENT_LEASE_SECONDS": str(LEASE_SECONDS),
    }


def _manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


@pytest.fixture
def start_worker() -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        worker = subprocess.Popen(
            _manage(
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.05",
                "--worker-id",
                name,
            ),
            env=_environment(name),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(worker)
        _wait_for(lambda: _connected(name) or worker.poll() is not None, f"{name} to start")
        assert worker.poll() is None, f"{name} exited with {worker.returncode}"
        return worker

    yield start
    for worker in started:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _connected(application_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _event(workspace: Workspace, event_type: str, n: int) -> WebhookEvent:
    stored = webhook_store(
        event={
            "id": f"evt_worker_{n:04d}",
            "object": "event",
            "type": event_type,
            "account": "acct_workers",
            "data": {"object": {"workspace": workspace.pk}},
        }
    )
    assert stored is not None
    return stored


def _runs(event: WebhookEvent) -> int:
    return AuditEntry.objects.filter(action="test.counted", target=event.stripe_event_id).count()


def test_two_db_workers_on_one_queue_run_each_of_200_events_exactly_once(
    acme: Workspace,
    queue_in_database: None,
    start_worker: Callable[[str], subprocess.Popen[bytes]],
) -> None:
    start_worker("dealdesk-worker-1")
    start_worker("dealdesk-worker-2")

    # Every event queued twice (a retried delivery, the sweeper, "Process again"...), all
    # at once: the two workers race for the same events.
    with transaction.atomic():
        events = [_event(acme, "test.counted", n) for n in range(200)]
        for event in events:
            process_webhook_event.enqueue(event.pk)
            process_webhook_event.enqueue(event.pk)

    _wait_for(lambda: not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists(), "400 tasks")

    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 400
    workers = {w for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) for w in ids}
    assert workers == {"dealdesk-worker-1", "dealdesk-worker-2"}
    rows = WebhookEvent.objects.all()
    assert {(row.status, row.attempts) for row in rows} == {(WebhookStatus.PROCESSED, 1)}
    counted = AuditEntry.objects.filter(action="test.counted")
    assert counted.count() == 200
    assert set(counted.values_list("target", flat=True)) == {e.stripe_event_id for e in events}


def test_a_worker_killed_mid_handler_leaves_the_event_to_be_processed_after_its_lease(
    acme: Workspace,
    queue_in_database: None,
    start_worker: Callable[[str], subprocess.Popen[bytes]],
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [BLOCKING_LOCK_KEY])
    try:
        event = _event(acme, "test.blocking", 1)
        process_webhook_event.enqueue(event.pk)
        worker = start_worker("dealdesk-worker-killed")
        _wait_for(lambda: _handler_waiting_for_lock(), "the handler to block on the lock")

        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

        event.refresh_from_db()
        assert (event.status, event.attempts) == (WebhookStatus.PROCESSING, 1)
        assert _runs(event) == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BLOCKING_LOCK_KEY])

    assert event.locked_until is not None
    time.sleep(max(0.0, (event.locked_until - _db_now()).total_seconds()) + 0.2)
    swept = subprocess.run(
        _manage("stripe_events_process"),
        env=_environment("dealdesk-sweeper"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )

    event.refresh_from_db()
    assert "1 processed" in swept.stdout
    assert (event.status, event.attempts, event.error) == (WebhookStatus.PROCESSED, 2, "")
    assert _runs(event) == 1  # the killed run left nothing behind


def _handler_waiting_for_lock() -> bool:
    return _handlers_waiting_for_lock() > 0


def _handlers_waiting_for_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _db_now() -> Any:
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        row = cursor.fetchone()
    assert row is not None
    return row[0]


def test_the_sweeper_loop_processes_what_is_due_and_stops_cleanly_on_sigterm(
    acme: Workspace,
) -> None:
    """Production runs it beside db_worker: nothing waits for a task that was lost."""
    lost = _event(acme, "test.counted", 1)  # stored, but its task never reached the queue
    WebhookEvent.objects.filter(pk=lost.pk).update(received_at=_db_now() - timedelta(minutes=2))
    sweeper = subprocess.Popen(
        _manage("stripe_events_process", "--loop", "--interval", "0.2"),
        env=_environment("dealdesk-sweeper-loop"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(
            lambda: WebhookEvent.objects.get(pk=lost.pk).status == WebhookStatus.PROCESSED,
            "the sweeper to process the event",
        )
    finally:
        sweeper.send_signal(signal.SIGTERM)
        out, err = sweeper.communicate(timeout=30)

    assert sweeper.returncode == 0, err
    assert "Stripe events: 1 processed" in out
    assert _runs(lost) == 1


def test_two_drains_on_two_db_workers_at_once_run_each_of_200_events_exactly_once(
    acme: Workspace,
    queue_in_database: None,
    start_worker: Callable[[str], subprocess.Popen[bytes]],
) -> None:
    """Each drain claims its own batches (SKIP LOCKED); the handlers wait on a lock the test
    holds until both drains are running one, so the two really run side by side."""
    events = [_event(acme, "test.blocking", n) for n in range(200)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [BLOCKING_LOCK_KEY])
    try:
        process_pending_webhook_events.enqueue()
        process_pending_webhook_events.enqueue()
        start_worker("dealdesk-drain-1")
        start_worker("dealdesk-drain-2")
        _wait_for(lambda: _handlers_waiting_for_lock() == 2, "both drains to run a handler")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BLOCKING_LOCK_KEY])

    _wait_for(lambda: not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists(), "drains")

    drains = list(DBTaskResult.objects.values_list("worker_ids", "return_value"))
    assert sorted(ids[0] for ids, _ in drains) == ["dealdesk-drain-1", "dealdesk-drain-2"]
    processed = [(done or {})[WebhookStatus.PROCESSED] for _, done in drains]
    assert all(count > 0 for count in processed) and sum(processed) == 200
    rows = WebhookEvent.objects.all()
    assert {(row.status, row.attempts) for row in rows} == {(WebhookStatus.PROCESSED, 1)}
    assert sorted(AuditEntry.objects.values_list("target", flat=True)) == sorted(
        e.stripe_event_id for e in events
    )


def test_a_drain_skips_the_events_another_drain_is_claiming_instead_of_waiting(
    acme: Workspace,
) -> None:
    events = [_event(acme, "test.counted", n) for n in range(6)]
    db = connection.settings_dict
    other = psycopg.connect(
        f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}", autocommit=False
    )
    try:  # the other drain is between its SELECT ... FOR UPDATE and its UPDATE
        other.execute(
            "SELECT id FROM payments_webhookevent ORDER BY received_at, id LIMIT 2 FOR UPDATE"
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # a wait fails the test, not hangs it
        claimed = events_claim_pending(limit=10)
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    # test.counted has no handler in this process: the four are ignored in the claim.
    assert (claimed.handled, claimed.ignored) == ([], 4)
    statuses = WebhookEvent.objects.order_by("received_at", "pk").values_list("pk", "status")
    assert list(statuses) == [(event.pk, "pending") for event in events[:2]] + [
        (event.pk, "ignored") for event in events[2:]
    ]
