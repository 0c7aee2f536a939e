"""The kick: one queued run per burst, and never work left without a run after it."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from dealdesk.lib import kick


def test_a_burst_of_kicks_queues_one_run() -> None:
    queued: list[int] = []
    results = [
        kick.kick(cache, "drain", enqueue=lambda: queued.append(1), ttl=60) for _ in range(5)
    ]
    assert results == [True, False, False, False, False]
    assert queued == [1]


def test_work_recorded_after_the_run_cleared_the_flag_queues_the_next_run() -> None:
    queued: list[str] = []
    kick.kick(cache, "drain", enqueue=lambda: queued.append("first"), ttl=60)
    kick.clear(cache, "drain")  # the first run starts draining
    kick.kick(cache, "drain", enqueue=lambda: queued.append("second"), ttl=60)
    assert queued == ["first", "second"]


def test_names_do_not_share_a_flag() -> None:
    queued: list[str] = []
    kick.kick(cache, "events", enqueue=lambda: queued.append("events"), ttl=60)
    kick.kick(cache, "views", enqueue=lambda: queued.append("views"), ttl=60)
    assert queued == ["events", "views"]


def test_a_failed_enqueue_leaves_no_flag_behind() -> None:
    def broken() -> None:
        raise RuntimeError("queue down")

    with pytest.raises(RuntimeError):
        kick.kick(cache, "drain", enqueue=broken, ttl=60)
    queued: list[int] = []
    assert kick.kick(cache, "drain", enqueue=lambda: queued.append(1), ttl=60)
    assert queued == [1]
