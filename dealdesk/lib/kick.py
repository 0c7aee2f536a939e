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
    if not cache.add(_flag(name), 1, ttl):  # one atomic SET NX EX in Redis
        return False
    try:
        enqueue()
    except BaseException:
        cache.delete(_flag(name))  # the next kick queues the run instead
        raise
    return True


def clear(cache: SharedCache, name: str) -> None:
    """Called by the run before it drains: work recorded from now on queues another run."""
    cache.delete(_flag(name))


def _flag(name: str) -> str:
    return f"kick:{name}"
