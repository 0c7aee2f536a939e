"""Faults on demand: the next N matching API requests fail as a network or Stripe can.

Modes:
- `500`: Stripe's `api_error` (the `stripe` library raises `APIError` and, with
  `max_network_retries`, retries it);
- `429`: Stripe's rate limit (`RateLimitError`, not retried by the library);
- `timeout`: the request is held for `seconds` without being run, then the
  connection is closed; a client with a shorter timeout sees a timeout;
- `drop_after_commit`: the request runs completely (objects created, the result
  stored under its `Idempotency-Key`), then the connection is closed without a
  response. A retry with the same key gets the stored result.

Faults live in the sandbox's state (a reset clears them) and are never saved
in a snapshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MODES = ("500", "429", "timeout", "drop_after_commit")
METHODS = ("GET", "POST", "DELETE")
# Longer than the stripe library's default 80 s client timeout.
DEFAULT_HOLD_SECONDS = 90.0
MAX_HOLD_SECONDS = 600.0
MAX_COUNT = 1000


class FaultSpecError(ValueError):
    """A fault request that cannot be honoured (answered with a 400)."""


@dataclass
class Fault:
    method: str
    # `/v1/…`; `*` stands for one path segment, e.g. `/v1/payment_intents/*/confirm`.
    path: str
    mode: str
    remaining: int
    seconds: float | None = None
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        parts = (re.escape(part) for part in self.path.split("*"))
        self._pattern = re.compile("[^/]+".join(parts))

    def matches(self, method: str, path: str) -> bool:
        return method.upper() == self.method and self._pattern.fullmatch(path) is not None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "mode": self.mode,
            "count": self.remaining,
        }
        if self.seconds is not None:
            data["seconds"] = self.seconds
        return data


def parse(data: dict[str, Any]) -> Fault:
    """A fault from the JSON of `POST /_sandbox/faults`."""
    method = str(data.get("method", "")).upper()
    if method not in METHODS:
        raise FaultSpecError(f"method must be one of {', '.join(METHODS)}")
    path = data.get("path")
    if not isinstance(path, str) or not path.startswith("/v1/"):
        raise FaultSpecError("path must be an API path starting with /v1/ (`*` = one segment)")
    mode = str(data.get("mode", ""))
    if mode not in MODES:
        raise FaultSpecError(f"mode must be one of {', '.join(MODES)}")
    count = data.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        raise FaultSpecError(f"count must be a whole number from 1 to {MAX_COUNT}")
    seconds: float | None = None
    if mode == "timeout":
        seconds = data.get("seconds", DEFAULT_HOLD_SECONDS)
        if (
            not isinstance(seconds, int | float)
            or isinstance(seconds, bool)
            or not 0 < seconds <= MAX_HOLD_SECONDS
        ):
            raise FaultSpecError(f"seconds must be more than 0 and at most {MAX_HOLD_SECONDS:g}")
        seconds = float(seconds)
    elif "seconds" in data:
        raise FaultSpecError("seconds only applies to mode timeout")
    return Fault(method, path, mode, count, seconds)


def take(faults: list[Fault], method: str, path: str) -> Fault | None:
    """The first fault matching this request, counting it down (gone when used up)."""
    for fault in faults:
        if fault.matches(method, path):
            fault.remaining -= 1
            if fault.remaining == 0:
                faults.remove(fault)
            return fault
    return None
