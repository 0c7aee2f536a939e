"""Buyers' visits: counted in Redis as they happen, written to their quotes in batches.

A page view must not wait on a row lock and a commit of its quote, so a visit is an
increment in one shared Redis hash (count, first and last time per quote). The first
visit of a burst queues ``quote_visits_flush`` (``lib.kick``) a few seconds later, which
moves everything counted so far into the quotes in one transaction. Sellers see a visit
on their pages once it has been flushed, normally within ``FLUSH_AFTER``.

If Redis cannot be reached the visit is written to the quote at once, as one statement.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest, Least
from redis import Redis, RedisError

from dealdesk.cache import database_scoped
from dealdesk.lib import clock, kick
from dealdesk.quotes.models import Quote

logger = logging.getLogger("dealdesk.quotes.visits")

FLUSH_AFTER = timedelta(seconds=5)
_FLAG_TTL = 60  # seconds: a lost flush holds later ones up no longer than this
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def visit_record(*, quote_id: int, now: datetime | None = None) -> None:
    """Count one buyer's visit of the quote."""
    now = now or clock.utcnow()
    try:
        client, pending = _redis(_pending())
        stamp = _micros(now)
        flush = _kick_name()
        # One round trip: the visit, and the flag that says a flush is queued.
        with client.pipeline(transaction=True) as pipe:
            pipe.hincrby(pending, f"{quote_id}:count", 1)
            pipe.hsetnx(pending, f"{quote_id}:first", stamp)
            pipe.hset(pending, f"{quote_id}:last", stamp)
            pipe.set(cache.make_and_validate_key(kick.flag(flush)), 1, nx=True, ex=_FLAG_TTL)
            *_, flag_set = pipe.execute()
        kick.flag_was_set(cache, flush, enqueue=_enqueue_flush, was_set=bool(flag_set))
    except RedisError:
        logger.warning("visit counter unavailable; writing the visit to the quote", exc_info=True)
        _add_visits(quote_id, count=1, first=now, last=now)


def visits_flush() -> int:
    """Write the visits counted so far into their quotes; returns how many quotes changed."""
    kick.clear(cache, _kick_name())  # before draining: visits from now on queue the next flush
    client, pending = _redis(_pending())
    taken = f"{pending}:{uuid.uuid4().hex}"
    try:
        client.rename(pending, taken)  # atomic: later visits start a new hash
    except RedisError as error:
        if "no such key" in str(error).lower():
            return 0
        raise
    fields = {_bytes(k): _bytes(v) for k, v in client.hgetall(taken).items()}
    visits = _by_quote(fields)
    try:
        with transaction.atomic():
            for quote_id, (count, first, last) in sorted(visits.items()):
                _add_visits(quote_id, count=count, first=first, last=last)
    except BaseException:
        _give_back(client, pending, fields)
        client.delete(taken)
        raise
    client.delete(taken)
    return len(visits)


def _add_visits(quote_id: int, *, count: int, first: datetime, last: datetime) -> None:
    Quote.objects.filter(pk=quote_id).update(
        view_count=F("view_count") + count,
        first_viewed_at=Least(Coalesce(F("first_viewed_at"), Value(first)), Value(first)),
        last_viewed_at=Greatest(Coalesce(F("last_viewed_at"), Value(last)), Value(last)),
    )


def _by_quote(fields: dict[bytes, bytes]) -> dict[int, tuple[int, datetime, datetime]]:
    values: dict[int, dict[str, int]] = defaultdict(dict)
    for field, value in fields.items():
        quote_id, _, name = field.decode().partition(":")
        values[int(quote_id)][name] = int(value)
    return {
        quote_id: (
            int(found["count"]),
            _EPOCH + timedelta(microseconds=found["first"]),
            _EPOCH + timedelta(microseconds=found["last"]),
        )
        for quote_id, found in values.items()
        if found.get("count")
    }


def _pending() -> str:
    # Named after the database: the hash holds quote ids, which another installation's
    # database (a test or bench run) sharing this Redis would repeat.
    return database_scoped("quote-visits:pending")


def _kick_name() -> str:
    return database_scoped("quote-visits")


def _micros(moment: datetime) -> int:
    """Exact, unlike a float timestamp."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _give_back(client: Redis, pending: str, fields: dict[bytes, bytes]) -> None:
    """A failed flush returns its visits to the pending hash; the next visit's flush
    writes them. Its first times are older than any counted since, its last ones not newer."""
    with client.pipeline(transaction=True) as pipe:
        for field, value in fields.items():
            if field.endswith(b":count"):
                pipe.hincrby(pending, field, int(value))
            elif field.endswith(b":first"):
                pipe.hset(pending, field, value)
            else:
                pipe.hsetnx(pending, field, value)
        pipe.execute()


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()  # Django's client: bytes


def _enqueue_flush() -> None:
    from dealdesk.quotes.tasks import quote_visits_flush  # the task module imports this one

    queued: Any = quote_visits_flush
    if queued.get_backend().supports_defer:
        queued = queued.using(run_after=clock.utcnow() + FLUSH_AFTER)
    queued.enqueue()


def _redis(name: str) -> tuple[Redis, str]:
    """The shared Redis behind the default cache, and ``name`` with the cache's key prefix
    (each test run has its own). Django's cache API has no hashes; its client has."""
    key = cache.make_and_validate_key(name)
    client: Redis = cache._cache.get_client(key, write=True)  # type: ignore[attr-defined]
    return client, key
