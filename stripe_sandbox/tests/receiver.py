"""A tiny local webhook receiver for tests: records requests, can fail on purpose."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class Delivery:
    body: str
    signature: str
    status: int


@dataclass
class WebhookReceiver:
    # Answer 500 to this many requests before accepting them.
    fail_first: int = 0
    deliveries: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                status = 500 if receiver.fail_first > 0 else 200
                receiver.fail_first -= 1
                receiver.deliveries.append(
                    Delivery(body, self.headers.get("Stripe-Signature", ""), status)
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/stripe/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> list[Delivery]:
        """Wait until some recorded deliveries satisfy `predicate`; returns them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.deliveries):
                return list(self.deliveries)
            time.sleep(0.02)
        raise AssertionError(f"webhooks not received in time: {len(self.deliveries)} so far")
