"""Processing stored Stripe events so that no handler runs twice and no event gets lost.

A worker first *claims* an event in one conditional UPDATE (``processing``, a lease in
``locked_until``, one more attempt); only the worker whose UPDATE matched runs the handler,
inside one transaction with the final status. A failure is recorded with its traceback and
retried after a backoff until the retries run out (``dead``). An event left ``processing`` by
a worker that died is claimed again once its lease has run out. The sweeper
(``manage.py stripe_events_process``) picks up whatever is due, so a lost task loses nothing.

New events are not processed one task each: ``event_drain`` claims them in batches.
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from dealdesk.lib.clock import utcnow
from dealdesk.payments.models import WebhookEvent, WebhookStatus
from dealdesk.payments.webhooks import Handler, handler_for

logger = logging.getLogger("dealdesk.payments.events")

# After the n-th failed attempt, wait RETRY_DELAYS[n-1]; after the last one, give up.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
ERROR_MAX_CHARS = 10_000
# A pending event no drain (or task) has claimed after this long was left without a run.
PENDING_GRACE = timedelta(minutes=1)
SWEEP_BATCH = 100
ABANDONED_ERROR = (
    "Every attempt ended with its worker stopping while it ran the handler "
    "(killed, out of memory or restarted); gave up."
)


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after the ``attempts``-th failed attempt; None: give up."""
    if 1 <= attempts <= len(RETRY_DELAYS):
        return RETRY_DELAYS[attempts - 1]
    return None


def lease() -> timedelta:
    """How long a claim holds an event before another worker may take it over."""
    return timedelta(seconds=settings.STRIPE_EVENT_LEASE_SECONDS)


@dataclass(frozen=True)
class Outcome:
    """What one call to ``event_process`` did: the event's status afterwards, whether this
    call ran the handler, and when a failed event is due again."""

    status: str
    ran: bool
    retry_at: datetime | None = None


def _claimable(now: datetime) -> Q:
    return (
        Q(status=WebhookStatus.PENDING)
        | Q(status=WebhookStatus.FAILED, next_attempt_at__lte=now)
        | Q(status=WebhookStatus.PROCESSING, locked_until__lte=now, attempts__lt=MAX_ATTEMPTS)
    )


def event_claim(*, event_pk: int, now: datetime | None = None) -> int | None:
    """Take the event for this worker; its attempt number, or None if it is not ours to run
    (another worker holds it, it is finished, or its retry is not due yet)."""
    now = now or utcnow()
    with transaction.atomic():
        claimed = (
            WebhookEvent.objects.filter(_claimable(now), pk=event_pk).update(
                status=WebhookStatus.PROCESSING,
                locked_until=now + lease(),
                next_attempt_at=None,
                attempts=F("attempts") + 1,
            )
            == 1
        )
        if not claimed:
            return None
        # The UPDATE's row lock is held until commit: this reads our own attempt number.
        attempt: int = WebhookEvent.objects.values_list("attempts", flat=True).get(pk=event_pk)
        return attempt


def event_process(*, event_pk: int, now: datetime | None = None) -> Outcome:
    """Claim the event and run its handler once; record success, or the error for a retry."""
    attempt = event_claim(event_pk=event_pk, now=now)
    if attempt is None:
        status = WebhookEvent.objects.values_list("status", flat=True).filter(pk=event_pk).first()
        return Outcome(status=status or "", ran=False)
    event = WebhookEvent.objects.get(pk=event_pk)
    return event_run_claimed(event, attempt=attempt, handler=handler_for(event))


def event_run_claimed(event: WebhookEvent, *, attempt: int, handler: Handler | None) -> Outcome:
    """Run the handler of an event this worker claimed (its ``attempt``-th attempt): in one
    transaction with its final status, or record the failure for a retry."""
    event_pk = event.pk
    done = WebhookStatus.PROCESSED if handler is not None else WebhookStatus.IGNORED
    try:
        with transaction.atomic():
            # Hold the row while the handler runs: a worker taking it over after the lease
            # waits for this one to finish (and then finds it done) instead of running alongside.
            still_ours = (
                WebhookEvent.objects.select_for_update()
                .filter(pk=event_pk, status=WebhookStatus.PROCESSING, attempts=attempt)
                .values_list("pk", flat=True)
                .first()
            )
            if still_ours is None:
                return Outcome(status=WebhookStatus.PROCESSING, ran=False)
            if handler is not None:
                handler(event.payload)
            WebhookEvent.objects.filter(pk=event_pk).update(
                status=done,
                error="",
                processed_at=utcnow(),
                locked_until=None,
                next_attempt_at=None,
                workspace_id=event.workspace_id,  # found by handler_for if it came late
            )
    except Exception:
        logger.exception("Stripe event %s (%s) failed", event.stripe_event_id, event.type)
        return _record_failure(event_pk=event_pk, attempt=attempt, error=traceback.format_exc())
    return Outcome(status=done, ran=True)


def _record_failure(*, event_pk: int, attempt: int, error: str) -> Outcome:
    delay = retry_delay(attempt)
    retry_at = utcnow() + delay if delay is not None else None
    status = WebhookStatus.FAILED if delay is not None else WebhookStatus.DEAD
    if len(error) > ERROR_MAX_CHARS:  # keep the end: it names the exception
        error = "…" + error[-(ERROR_MAX_CHARS - 1) :]
    WebhookEvent.objects.filter(
        pk=event_pk, status=WebhookStatus.PROCESSING, attempts=attempt
    ).update(status=status, error=error, locked_until=None, next_attempt_at=retry_at)
    return Outcome(status=status, ran=True, retry_at=retry_at)


def event_process_again(*, event: WebhookEvent) -> bool:
    """An operator asks for one more attempt of a failed event: back to pending.

    False when the event is not failed any more (processed meanwhile, or already queued).
    The caller enqueues it; if it fails again after its retries ran out, it is dead again.
    """
    return (
        WebhookEvent.objects.filter(
            pk=event.pk, status__in=[WebhookStatus.FAILED, WebhookStatus.DEAD]
        ).update(status=WebhookStatus.PENDING, next_attempt_at=None)
        == 1
    )


def events_due(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Events a worker should have processed by now: retries that are due, leases that ran
    out, and pending events whose drain (or task) was lost."""
    now = now or utcnow()
    due = (
        Q(status=WebhookStatus.PENDING, received_at__lte=now - PENDING_GRACE)
        | Q(status=WebhookStatus.FAILED, next_attempt_at__lte=now)
        | Q(status=WebhookStatus.PROCESSING, locked_until__lte=now, attempts__lt=MAX_ATTEMPTS)
    )
    return list(
        WebhookEvent.objects.filter(due)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def events_give_up_abandoned(*, now: datetime | None = None) -> int:
    """Events whose every attempt ended with the worker dying (e.g. killed while running the
    handler): dead, so an event that crashes its worker cannot take workers down forever."""
    now = now or utcnow()
    return WebhookEvent.objects.filter(
        status=WebhookStatus.PROCESSING, locked_until__lte=now, attempts__gte=MAX_ATTEMPTS
    ).update(status=WebhookStatus.DEAD, locked_until=None, error=ABANDONED_ERROR)


def events_sweep(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> Counter[str]:
    """Process what is due, in this process; how many events ended in which status.

    Without ``now`` each claim reads the clock afresh, so a long sweep's leases start when
    each event is claimed."""
    results: Counter[str] = Counter()
    given_up = events_give_up_abandoned(now=now)
    if given_up:
        results[WebhookStatus.DEAD] += given_up
    for event_pk in events_due(now=now, limit=limit):
        outcome = event_process(event_pk=event_pk, now=now)
        if outcome.ran:
            results[outcome.status] += 1
    return results
