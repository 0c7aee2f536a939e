"""One running sandbox: its state, settings, webhook dispatcher and ticker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import web

from stripe_sandbox import billing, billing_views
from stripe_sandbox.config import SandboxConfig
from stripe_sandbox.renewals import process_due
from stripe_sandbox.seed import seed
from stripe_sandbox.store import State, read_snapshot, write_snapshot
from stripe_sandbox.webhooks import WebhookDispatcher

log = logging.getLogger(__name__)

# Idempotency keys are kept at least 24 hours, as on Stripe.
IDEMPOTENCY_TTL = 24 * 3600


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        billing.install()
        billing_views.install()
        self.config = config
        state = read_snapshot(config.snapshot) if config.snapshot else None
        if state is None:
            state = State()
            seed(state, config)
        self.state = state
        self.dispatcher = WebhookDispatcher(state, config)
        self.dispatcher.attach(state)
        self._ticker: asyncio.Task[None] | None = None

    def reset(self) -> None:
        """Back to the start-up seed (objects, events, keys, clock, deliveries)."""
        state = State()
        seed(state, self.config)
        state.dirty = True
        self.state = state
        self.dispatcher.attach(state)

    def tick(self) -> None:
        """Time-driven work; also called right after the clock is advanced."""
        process_due(self.state, self.config)
        cutoff = self.state.now() - IDEMPOTENCY_TTL
        expired = [k for k, v in self.state.idempotency.items() if v["created"] < cutoff]
        for key in expired:
            del self.state.idempotency[key]

    def save(self) -> None:
        if self.config.snapshot is not None and self.state.dirty:
            write_snapshot(self.state, self.config.snapshot)

    async def start(self) -> None:
        await self.dispatcher.start()
        self._ticker = asyncio.create_task(self._tick_forever())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self.dispatcher.stop()
        self.save()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.tick_seconds)
            started = time.monotonic()
            try:
                self.tick()
                self.save()
            except Exception:
                log.exception("sandbox tick failed")
            log.debug("tick took %.3fs", time.monotonic() - started)


SANDBOX = web.AppKey("sandbox", Sandbox)
