"""A loopback proxy in front of the Stripe sandbox that logs every API call the app makes:
method, path with ids replaced by {id}, and how long the app waited for the answer."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

_ID = re.compile(r"^[a-z]+_(?=[a-z]*[0-9A-Z])[A-Za-z0-9]+$")  # cus_Nx4…, not payment_intents
_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass(frozen=True)
class Call:
    endpoint: str
    started: float
    seconds: float


@dataclass
class StripeProxy:
    upstream: str
    port: int
    calls: list[Call] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    @staticmethod
    def endpoint(method: str, path: str) -> str:
        parts = ["{id}" if _ID.match(part) else part for part in path.split("/")]
        return f"{method} {'/'.join(parts)}"

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        started = time.monotonic()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            data=await request.read(),
            headers=headers,
            allow_redirects=False,
        ) as upstream:
            body = await upstream.read()
            reply_headers = {
                k: v
                for k, v in upstream.headers.items()
                if k.lower() not in _HOP and k.lower() != "content-encoding"
            }
            status = upstream.status
        self.calls.append(
            Call(self.endpoint(request.method, request.path), started, time.monotonic() - started)
        )
        return web.Response(body=body, status=status, headers=reply_headers)

    def start(self) -> StripeProxy:
        thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        thread.start()

        async def serve() -> None:
            self._session = aiohttp.ClientSession(auto_decompress=False)
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._forward)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

        asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            if self._session is not None:
                await self._session.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def __enter__(self) -> StripeProxy:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def since(self, mark: int) -> list[Call]:
        return self.calls[mark:]

    @staticmethod
    def by_endpoint(calls: list[Call]) -> Counter[str]:
        return Counter(call.endpoint for call in calls)
