"""Run a sandbox inside a test process (in a background thread, on a free port).

    with SandboxThread() as sandbox:
        client = sandbox.client()            # a stripe.StripeClient for the platform
        seller = sandbox.connect(DEMO_ACTIVE_ACCOUNT)   # OAuth, then a scoped client

Everything goes through HTTP, exactly as the application talks to Stripe.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import urllib.parse
import urllib.request
from dataclasses import replace
from types import TracebackType
from typing import Any

import stripe
from aiohttp import web

from stripe_sandbox.config import SandboxConfig


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class SandboxThread:
    def __init__(self, config: SandboxConfig | None = None) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        self.config = replace(config or SandboxConfig(), host="127.0.0.1", port=port)
        self.url = self.config.base_url()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> SandboxThread:
        from stripe_sandbox.server import create_app

        self._thread.start()
        runner = web.AppRunner(create_app(self.config), access_log=None)
        self._runner = runner

        async def serve() -> None:
            await runner.setup()
            await web.SockSite(runner, self._sock).start()

        asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._sock.close()

    def __enter__(self) -> SandboxThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- helpers over HTTP -----------------------------------------------

    def client(self, api_key: str | None = None, **kwargs: Any) -> stripe.StripeClient:
        base = {"api": self.url, "connect": self.url, "files": self.url}
        return stripe.StripeClient(
            api_key or self.config.platform_secret_key,
            base_addresses=base,  # type: ignore[arg-type]
            client_id=self.config.client_id,
            **kwargs,
        )

    def admin(
        self, path: str, data: dict[str, Any] | None = None, *, method: str | None = None
    ) -> Any:
        """POST (with data) or GET (or `method`) a `/_sandbox/…` endpoint; returns its JSON."""
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 - always our own loopback URL
            f"{self.url}/_sandbox/{path}",
            data=body,
            headers={"Content-Type": "application/json"},
            method=method or ("POST" if data is not None else "GET"),
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return json.load(response)

    def fault(
        self, method: str, path: str, mode: str, count: int = 1, *, seconds: float | None = None
    ) -> list[dict[str, Any]]:
        """Make the next `count` API requests matching `method` and `path` (`*` = one path
        segment) fail: mode `500`, `429`, `timeout` (held `seconds`, then dropped) or
        `drop_after_commit` (run, then the connection dropped). The faults now active."""
        spec: dict[str, Any] = {"method": method, "path": path, "mode": mode, "count": count}
        if seconds is not None:
            spec["seconds"] = seconds
        return list(self.admin("faults", spec)["faults"])

    def clear_faults(self) -> None:
        self.admin("faults", method="DELETE")

    def reset(self) -> None:
        self.admin("reset", {})

    def advance(self, seconds: int) -> int:
        return int(self.admin("clock/advance", {"seconds": seconds})["now"])

    def authorize(
        self, account: str, *, decision: str = "allow", state: str = "xyz"
    ) -> dict[str, str]:
        """Walk the OAuth authorize page as a browser would; the redirect's query."""
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "scope": "read_write",
                "redirect_uri": "http://127.0.0.1:9/callback",
                "state": state,
            }
        )
        form = urllib.parse.urlencode(
            {"query": query, "account": account, "decision": decision}
        ).encode()
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"{self.url}/oauth/authorize", data=form, timeout=10)
        except urllib.error.HTTPError as redirect:
            location = redirect.headers["Location"]
            return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
        raise AssertionError("the authorize form did not redirect")

    def connect(self, account: str) -> stripe.StripeClient:
        """Connect `account` to the platform; a platform client scoped to it."""
        code = self.authorize(account)["code"]
        token = self.client().oauth.token({"grant_type": "authorization_code", "code": code})
        return self.client(stripe_account=token.stripe_user_id)
