"""Webhook delivery: signed POSTs to registered endpoints, retried with backoff.

Deliveries are records in the state (so a snapshot keeps pending ones); a
background task sends those that are due. The signature is Stripe's:
`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.payload">`, keyed
with the endpoint's whole `whsec_…` secret, on wall-clock time (receivers
check it against their own clock, not the sandbox's).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import aiohttp

from stripe_sandbox.config import SandboxConfig
from stripe_sandbox.ids import new_id
from stripe_sandbox.render import public
from stripe_sandbox.store import State, StripeObject

log = logging.getLogger(__name__)


def sign(payload: str, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def endpoints_for(state: State, event: StripeObject) -> list[StripeObject]:
    """Which endpoints hear an event, following Stripe's account/Connect split."""
    account = event["_account"]
    source = state.find(account) or {}
    via_connect = account != state.platform_id and (
        source.get("_connected") or event["type"].startswith("account.application.")
    )
    targets = []
    for endpoint in state.every("webhook_endpoint"):
        if endpoint["status"] != "enabled":
            continue
        wanted = endpoint["enabled_events"]
        if "*" not in wanted and event["type"] not in wanted:
            continue
        owner = endpoint["_account"]
        if (
            endpoint["_listen_all"]
            or (owner == account and not endpoint["_connect"])
            or (owner == state.platform_id and endpoint["_connect"] and via_connect)
        ):
            targets.append(endpoint)
    return targets


class WebhookDispatcher:
    def __init__(self, state: State, config: SandboxConfig) -> None:
        self.state = state
        self.config = config
        self._wakeup: asyncio.Event | None = None
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[str] = set()
        self._sending: set[asyncio.Task[None]] = set()

    def attach(self, state: State) -> None:
        """Listen to a (new) state's events, e.g. after a reset."""
        self.state = state
        state.listeners.append(self.on_event)

    def on_event(self, event: StripeObject) -> None:
        targets = endpoints_for(self.state, event)
        for endpoint in targets:
            delivery_id = new_id("whdel")
            self.state.deliveries[delivery_id] = {
                "id": delivery_id,
                "event": event["id"],
                "event_type": event["type"],
                "endpoint": endpoint["id"],
                "url": endpoint["url"],
                "attempts": 0,
                "status": "pending",
                "created": time.time(),
                "next_attempt_at": time.time(),
                "last_status": None,
                "last_error": None,
            }
        event["pending_webhooks"] = len(targets)
        if targets:
            self.wake()

    def wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    async def start(self) -> None:
        self._wakeup = asyncio.Event()
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.config.webhook_timeout)
        )
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._sending):
            task.cancel()
        if self._session is not None:
            await self._session.close()

    def retry_now(self) -> int:
        """Make every pending delivery due immediately (admin endpoint)."""
        pending = [d for d in self.state.deliveries.values() if d["status"] == "pending"]
        for delivery in pending:
            delivery["next_attempt_at"] = time.time()
        self.wake()
        return len(pending)

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            now = time.time()
            next_due: float | None = None
            for delivery in list(self.state.deliveries.values()):
                if delivery["status"] != "pending" or delivery["id"] in self._in_flight:
                    continue
                if delivery["next_attempt_at"] <= now:
                    self._in_flight.add(delivery["id"])
                    task = asyncio.create_task(self._deliver(delivery))
                    self._sending.add(task)
                    task.add_done_callback(self._sending.discard)
                else:
                    due = delivery["next_attempt_at"]
                    next_due = due if next_due is None else min(next_due, due)
            timeout = 5.0 if next_due is None else max(0.0, min(5.0, next_due - now))
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout)

    async def _deliver(self, delivery: dict[str, Any]) -> None:
        try:
            await self._attempt(delivery)
        finally:
            self._in_flight.discard(delivery["id"])
            self.state.touch()
            self.wake()

    async def _attempt(self, delivery: dict[str, Any]) -> None:
        state = self.state
        event = state.find(delivery["event"])
        endpoint = state.find(delivery["endpoint"])
        if event is None or endpoint is None or endpoint["status"] != "enabled":
            delivery["status"] = "abandoned"
            return
        payload = json.dumps(public(event), indent=2)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(payload, endpoint["_secret"], int(time.time())),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        delivery["attempts"] += 1
        ok = False
        assert self._session is not None
        try:
            async with self._session.post(
                endpoint["url"], data=payload.encode(), headers=headers
            ) as response:
                delivery["last_status"] = response.status
                delivery["last_error"] = None
                ok = 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            delivery["last_status"] = None
            delivery["last_error"] = f"{type(exc).__name__}: {exc}"
        if ok:
            delivery["status"] = "succeeded"
        else:
            exponent = min(delivery["attempts"] - 1, 30)
            backoff = min(
                self.config.webhook_retry_base * 2**exponent, self.config.webhook_retry_cap
            )
            next_attempt = time.time() + backoff
            first_try = delivery.get("created", delivery["next_attempt_at"])
            if next_attempt - first_try > self.config.webhook_retry_window:
                delivery["status"] = "failed"
                log.warning("webhook %s to %s failed for good", event["id"], endpoint["url"])
            else:
                delivery["next_attempt_at"] = next_attempt
        if delivery["status"] != "pending":
            event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
