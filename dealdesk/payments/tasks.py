"""Background work, run by ``manage.py db_worker``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django_tasks import task

from dealdesk.cache import database_scoped
from dealdesk.lib import kick
from dealdesk.payments.event_drain import events_drain
from dealdesk.payments.event_processing import event_process

logger = logging.getLogger("dealdesk.payments.events")

# How long a queued drain holds back the next one: a drain lost before it started (its
# worker killed) delays new events by at most this; the sweeper covers them meanwhile.
DRAIN_FLAG_TTL = 60


@task()
def process_pending_webhook_events() -> dict[str, int]:
    """Process the stored events that are waiting, oldest first, until none is left.

    One run per burst of webhooks (see ``events_kick``). The flag is cleared before draining,
    so an event stored while this runs queues the next run; a run that stops at its limit
    queues the next one too, behind whatever else is waiting in the queue.
    """
    kick.clear(cache, drain_flag_name())
    drained = events_drain()
    for event_pk, retry_at in drained.retries:
        event_enqueue(event_pk, run_after=retry_at)
    if drained.more:
        events_kick()
    return {str(status): count for status, count in drained.results.items()}


def events_kick() -> None:
    """Queue a drain of the pending events, unless one is queued and has not started.

    Called once the event row is committed. A failure to queue (Redis or the queue
    unreachable) is logged, not raised: the event is stored, and the sweeper
    (``manage.py stripe_events_process``) processes it once it has waited a minute.
    """
    try:
        kick.kick(cache, drain_flag_name(), enqueue=_enqueue_drain, ttl=DRAIN_FLAG_TTL)
    except Exception:
        logger.exception("Could not queue processing of Stripe events; the sweeper will")


def _enqueue_drain() -> None:
    process_pending_webhook_events.enqueue()


def drain_flag_name(db: Mapping[str, Any] | None = None) -> str:
    """The name of the kick flag that says "a drain of this database's events is queued"."""
    return database_scoped("stripe-events", db)


@task()
def process_webhook_event(event_pk: int) -> str:
    """Process one stored Stripe event (retries, "Process again", catch-up); a failure queues
    its retry for when it is due."""
    outcome = event_process(event_pk=event_pk)
    if outcome.retry_at is not None:
        event_enqueue(event_pk, run_after=outcome.retry_at)
    return outcome.status


def event_enqueue(event_pk: int, *, run_after: datetime | None = None) -> None:
    """Queue processing of a stored event, now or at ``run_after``.

    A backend that cannot defer (the immediate one in tests) gets no deferred task: the
    sweeper (``manage.py stripe_events_process``) runs the retry when it is due, as it
    does for any task that was lost.
    """
    queued = process_webhook_event
    if run_after is not None:
        if not queued.get_backend().supports_defer:
            return
        queued = queued.using(run_after=run_after)
    queued.enqueue(event_pk)
