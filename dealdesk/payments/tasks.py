"""Background work, run by ``manage.py db_worker``."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from dealdesk.payments.event_processing import event_process


@task()
def process_webhook_event(event_pk: int) -> str:
    """Process a stored Stripe event; a failure queues its retry for when it is due."""
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
