"""One background run for a burst of work, whichever worker on whichever host saw it.

Writers record their work durably first (a row, a counter in Redis), then ``kick``: the
first kick sets a flag in the shared cache and queues one run; later kicks see the flag
and queue nothing. The run calls ``clear`` *before* it drains, so work recorded after
the drain began finds the flag gone and queues the next run. No work is left without a
run after it, and a burst of a thousand items costs one queued task, not a thousand.

The flag expires after ``ttl`` seconds, so a run that was lost (a worker killed before
it started) holds nothing up for longer than that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class SharedCache(Protocol):
    """The part of Django's cache API used here (``django.core.cache.cache``)."""

    def add(self, key: str, value: object, timeout: float | None = ...) -> bool: ...

    def delete(self, key: str) -> bool: ...


def kick(cache: SharedCache, name: str, *, enqueue: Callable[[], None], ttl: int) -> bool:
    """Queue a run unless one is queued and has not started draining; True if queued."""
    return flag_was_set(cache, name, enqueue=enqueue, was_set=cache.add(flag(name), 1, ttl))


def flag_was_set(
    cache: SharedCache, name: str, *, enqueue: Callable[[], None], was_set: bool
) -> bool:
    """The second half of ``kick``, for callers that set ``flag(name)`` themselves (SET NX
    EX, in a Redis pipeline they send anyway): queue the run if their SET set it."""
    if not was_set:
        return False
    try:
        enqueue()
    except BaseException:
        cache.delete(flag(name))  # the next kick queues the run instead
        raise
    return True


def clear(cache: SharedCache, name: str) -> None:
    """Called by the run before it drains: work recorded from now on queues another run."""
    cache.delete(flag(name))


def flag(name: str) -> str:
    """The flag's cache key (before the cache's own prefix)."""
    return f"kick:{name}"
