"""``manage.py stripe_events_process [--loop]``: the sweeper that loses no Stripe event.

Runs what the task queue should have run by now: retries that are due, events whose
worker died (lease expired), pending events whose task was lost. With ``--loop`` it keeps
doing so, and ``--catch-up-every`` also fetches the events Stripe could not deliver.
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from dealdesk.payments.event_catch_up import events_catch_up
from dealdesk.payments.event_processing import events_sweep


class Command(BaseCommand):
    help = (
        "Process the Stripe events that are due: retries, events left by a worker that "
        "stopped, events whose task was lost. --loop keeps running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running until stopped")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="seconds between sweeps (with --loop)"
        )
        parser.add_argument(
            "--catch-up-every",
            type=float,
            default=0.0,
            help="with --loop, also fetch undelivered events from Stripe this often (seconds)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["loop"]:
            self._sweep()
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        catch_up_every = options["catch_up_every"]
        next_catch_up = time.monotonic()
        while not stop.is_set():
            close_old_connections()
            if catch_up_every > 0 and time.monotonic() >= next_catch_up:
                self._catch_up()
                next_catch_up = time.monotonic() + catch_up_every
            self._sweep()
            close_old_connections()
            stop.wait(options["interval"])

    def _sweep(self) -> None:
        results = events_sweep()
        if results:
            summary = ", ".join(f"{count} {status}" for status, count in sorted(results.items()))
            self.stdout.write(f"Stripe events: {summary}")

    def _catch_up(self) -> None:
        for report in events_catch_up():
            if report.error:
                self.stderr.write(f"Catch-up {report.account_id}: {report.error}")
            elif report.stored:
                self.stdout.write(f"Catch-up {report.account_id}: {report.stored} new events")
