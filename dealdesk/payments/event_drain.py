"""New Stripe events, processed in batches by a drain instead of one task each.

A drain claims pending events oldest first, a batch at a time, with SELECT ... FOR UPDATE
SKIP LOCKED: drains on several workers take different batches, and an event claimed by
one is no longer pending when another gets to it, so none runs twice. Events without a
handler are marked ignored in the claim itself; the others are claimed (``processing``,
with a lease) and run one by one as ``event_process`` runs them. What a drain leaves (it
died, or it stopped at its limit) is picked up by the next drain or the sweeper.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F

from dealdesk.lib.clock import utcnow
from dealdesk.payments.event_processing import event_run_claimed, lease
from dealdesk.payments.models import WebhookEvent, WebhookStatus
from dealdesk.payments.webhooks import Handler, handler_for

# A drain claims this many pending events at a time (one lease for the batch: small enough
# that a batch of handlers calling Stripe ends well within it) and stops after
# DRAIN_MAX_EVENTS, leaving the rest to a run queued behind the other tasks.
DRAIN_BATCH = 50
DRAIN_MAX_EVENTS = 1000


@dataclass(frozen=True)
class Claimed:
    """One batch taken by ``events_claim_pending``: the events this worker now holds, each
    with its handler (attempt number in ``attempts``), and how many were marked ignored."""

    handled: list[tuple[WebhookEvent, Handler]]
    ignored: int

    def __len__(self) -> int:
        return len(self.handled) + self.ignored


def events_claim_pending(*, limit: int = DRAIN_BATCH) -> Claimed:
    """Take up to ``limit`` pending events, oldest first: those without a handler are
    ignored at once, the others claimed for this worker.

    Rows another worker is claiming right now are skipped, not waited for (SKIP LOCKED), and
    a row claimed meanwhile is no longer pending when its lock is released. SQLite has no
    row locks; its transactions take the write lock at BEGIN (settings), which serializes
    the claims instead.
    """
    now = utcnow()
    locked_until = now + lease()
    with transaction.atomic():
        events = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(status=WebhookStatus.PENDING)
            .order_by("received_at", "pk")[:limit]
        )
        handled: list[tuple[WebhookEvent, Handler]] = []
        ignored: list[int] = []
        for event in events:
            handler = handler_for(event)
            if handler is None:
                ignored.append(event.pk)
            else:
                handled.append((event, handler))
        done = {"error": "", "locked_until": None, "next_attempt_at": None}
        changed = 0
        if ignored:
            changed += WebhookEvent.objects.filter(
                pk__in=ignored, status=WebhookStatus.PENDING
            ).update(
                status=WebhookStatus.IGNORED,
                attempts=F("attempts") + 1,
                processed_at=now,
                **done,
            )
        if handled:
            changed += WebhookEvent.objects.filter(
                pk__in=[event.pk for event, _ in handled], status=WebhookStatus.PENDING
            ).update(
                status=WebhookStatus.PROCESSING,
                attempts=F("attempts") + 1,
                locked_until=locked_until,
                next_attempt_at=None,
            )
        if changed != len(events):  # cannot happen with the locks above; claim nothing
            raise RuntimeError("pending Stripe events changed while being claimed")
    for event, _ in handled:
        event.status = WebhookStatus.PROCESSING
        event.attempts += 1
        event.locked_until = locked_until
    return Claimed(handled=handled, ignored=len(ignored))


@dataclass
class Drained:
    """What one ``events_drain`` did: how many events ended in which status, the failed ones
    with when each is due again, and whether it stopped at its limit with work maybe left."""

    results: Counter[str] = field(default_factory=Counter)
    retries: list[tuple[int, datetime]] = field(default_factory=list)
    more: bool = False


def events_drain(*, batch: int | None = None, max_events: int | None = None) -> Drained:
    """Process pending events, oldest first, until none is left or ``max_events`` (default
    DRAIN_MAX_EVENTS) were taken, ``batch`` (DRAIN_BATCH) at a time."""
    batch = batch or DRAIN_BATCH
    max_events = max_events or DRAIN_MAX_EVENTS
    drained = Drained()
    taken = 0
    while taken < max_events:
        claimed = events_claim_pending(limit=min(batch, max_events - taken))
        if not claimed:
            return drained
        taken += len(claimed)
        if claimed.ignored:
            drained.results[WebhookStatus.IGNORED] += claimed.ignored
        for event, handler in claimed.handled:
            outcome = event_run_claimed(event, attempt=event.attempts, handler=handler)
            if outcome.ran:
                drained.results[outcome.status] += 1
            if outcome.retry_at is not None:
                drained.retries.append((event.pk, outcome.retry_at))
    drained.more = True
    return drained
