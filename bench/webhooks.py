"""Part 3: signed Stripe events posted by concurrent clients, against one INSERT and a 200.

Events are signed with the app's webhook secret just before the run and each is sent
once (wrk with bench/webhooks.lua); the task worker drains them meanwhile (one queued
task per burst, see dealdesk/payments/tasks.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from bench import stack
from bench.report import Section, Target, ms, rate, ratio
from dealdesk.lib import kick
from dealdesk.payments.models import WebhookEvent, WebhookStatus
from dealdesk.payments.tasks import drain_flag_name

SCRIPT = Path(__file__).with_name("webhooks.lua")
EVENTS = 12_000  # more than either run gets through in its time
CONNECTIONS = 16
PROCESS_TIMEOUT = 120
RESENT = 50  # events delivered a second time after the run


def _write_events(path: Path, prefix: str, count: int = EVENTS) -> None:
    now = int(time.time())
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            event = {
                "id": f"evt_{prefix}_{n:06d}",
                "object": "event",
                "api_version": "2025-06-30.basil",
                "created": now,
                "type": "customer.created",
                "account": "acct_bench_webhooks",
                "livemode": False,
                "data": {"object": {"id": f"cus_{prefix}_{n:06d}", "object": "customer"}},
            }
            body = json.dumps(event, separators=(",", ":"))
            # Stripe's scheme: HMAC-SHA256 of "<timestamp>.<body>" with the endpoint secret.
            signature = hmac.new(
                settings.STRIPE_WEBHOOK_SECRET.encode(), f"{now}.{body}".encode(), hashlib.sha256
            ).hexdigest()
            out.write(f"t={now},v1={signature}\t{body}\n")


def _post(path: str, events: Path, seconds: int) -> tuple[stack.Load, int, int]:
    load = stack.wrk(
        path,
        seconds=seconds,
        connections=CONNECTIONS,
        script=SCRIPT,
        env={"BENCH_EVENTS_FILE": str(events)},
        warmup=False,
    )
    assert stack.LAST_OUTPUT is not None
    counted = re.search(r"accepted=(\d+) refused=(\d+)", stack.LAST_OUTPUT)
    assert counted, stack.LAST_OUTPUT
    return load, int(counted[1]), int(counted[2])


def _baseline_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_webhook_baseline")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _wait_processed() -> float:
    started = time.monotonic()
    pending = (WebhookStatus.PENDING, WebhookStatus.PROCESSING)
    while WebhookEvent.objects.filter(status__in=pending).exists():
        if time.monotonic() - started > PROCESS_TIMEOUT:
            break
        time.sleep(0.2)
    return time.monotonic() - started


def _resend(events: Path, count: int) -> int:
    """Deliver some events again, as Stripe does: each is answered 200 and stored once."""
    answered = 0
    for line in events.read_text(encoding="utf-8").splitlines()[:count]:
        signature, _, body = line.partition("\t")
        request = urllib.request.Request(
            f"http://{stack.HOST}:{stack.APP_PORT}/stripe/webhook/",
            data=body.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            answered += response.status == 200
    return answered


def _statements_per_event(events: Path) -> list[list[str]]:
    """The SQL each of two accepted events costs, counted in-process (fresh event ids, the
    task worker stopped): the first queues the drain, the second finds it queued."""
    statements = []
    client = Client(HTTP_HOST=stack.HOST)
    for line in events.read_text(encoding="utf-8").splitlines()[-2:]:
        signature, _, body = line.partition("\t")
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/stripe/webhook/",
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature,
            )
        assert response.status_code == 200, response.status_code
        statements.append([query["sql"].split(" ")[0] for query in captured.captured_queries])
    return statements


def measure(seconds: int) -> Section:
    app_events, base_events = stack.VAR / "events-app.txt", stack.VAR / "events-baseline.txt"
    warm_event = stack.VAR / "events-warm.txt"
    _write_events(app_events, "app")
    _write_events(base_events, "base")
    _write_events(warm_event, "warm", count=1)
    # A drain flag left in Redis by an earlier run (its database dropped with the drain it
    # had queued) would hold this run's first drain back for up to a minute.
    kick.clear(cache, drain_flag_name())
    with stack.gunicorn(), stack.db_worker():
        stack.warm("/accounts/login/")
        baseline, base_accepted, _ = _post("/bench/webhook/", base_events, seconds)
        # The worker starts with gunicorn and may still be loading: one event processed
        # first, so the times below are the drain's, not the worker's start.
        _resend(warm_event, 1)
        _wait_processed()
        app, accepted, refused = _post("/stripe/webhook/", app_events, seconds)
        drained_after = _wait_processed()
        rows_before_resend = WebhookEvent.objects.count()
        resent_ids = [f"evt_app_{n:06d}" for n in range(RESENT)]
        # Stripe retries what it got no 200 for: an event whose connection failed in wrk
        # was never answered, and is stored by its re-delivery.
        stored_before = WebhookEvent.objects.filter(stripe_event_id__in=resent_ids).count()
        resent_accepted = _resend(app_events, RESENT)
        _wait_processed()
    rows = WebhookEvent.objects.count()
    distinct = WebhookEvent.objects.aggregate(n=Count("stripe_event_id", distinct=True))["n"]
    unprocessed = WebhookEvent.objects.exclude(status=WebhookStatus.IGNORED).count()
    delays = sorted(
        (processed - received).total_seconds() * 1000
        for received, processed in WebhookEvent.objects.exclude(processed_at=None).values_list(
            "received_at", "processed_at"
        )
        if processed is not None
    )

    tasks = DBTaskResult.objects.count()
    first, then = _statements_per_event(app_events)  # the last events: never sent by wrk
    kick.clear(cache, drain_flag_name())  # the drain queued there never runs

    def pct(q: float) -> float:
        return delays[min(len(delays) - 1, int(q * len(delays)))] if delays else float("nan")

    lost = accepted - rows if accepted > rows else 0
    ratio_value = app.rate / baseline.rate if baseline.rate else 0.0
    section = Section(
        "3. Webhook intake",
        ["endpoint", "accepted/s", "p50", "p99", "answered 200", "refused", "rows"],
        rows=[
            [
                "/stripe/webhook/",
                rate(app.rate),
                ms(app.p50_ms),
                ms(app.p99_ms),
                str(accepted),
                str(refused),
                str(rows),
            ],
            [
                "baseline (one INSERT)",
                rate(baseline.rate),
                ms(baseline.p50_ms),
                ms(baseline.p99_ms),
                str(base_accepted),
                "0",
                str(_baseline_rows()),
            ],
        ],
    )
    section.targets = [
        Target("accepted events/s ≥ 0.6 of the baseline", ratio(ratio_value), ratio_value >= 0.6),
        Target(
            "no event lost or stored twice",
            f"{accepted} answered 200, {rows} rows, {distinct} distinct ids, "
            f"{resent_accepted} of {RESENT} re-deliveries answered 200, "
            f"{rows - rows_before_resend} of them stored (the {RESENT - stored_before} "
            "never answered before)",
            lost == 0
            and rows == distinct
            and resent_accepted == RESENT
            and rows - rows_before_resend == RESENT - stored_before,
        ),
        Target(
            "every stored event processed",
            f"{unprocessed} not processed",
            unprocessed == 0,
        ),
    ]
    section.notes.append(
        f"{CONNECTIONS} concurrent clients, each event signed and sent once, for {seconds} s; "
        "a task worker (`db_worker`) drains them meanwhile: a new event queues a drain task "
        "unless one is queued already, and each drain claims pending events in batches "
        f"({tasks} tasks for {rows} events). The type is one without a handler (stored, then "
        "marked ignored), so processing is one UPDATE per batch, in the claim. "
        f"Received to processed: p50 {ms(pct(0.5))}, p99 {ms(pct(0.99))}; the last event was "
        f"processed {drained_after:.1f} s after the load stopped. Rows may exceed the 200s "
        "counted by wrk by the requests in flight when it stopped, and by the one event sent "
        "before the load to wait for the worker to start. "
        f"SQL per accepted event: {len(then)} ({', '.join(then)}), and {len(first)} "
        f"({', '.join(first)}) for the one that queues the drain; the baseline: 1. "
        f"wrk counted {app.errors} failed connections or non-200 answers for the app, "
        f"{baseline.errors} for the baseline."
    )
    return section
