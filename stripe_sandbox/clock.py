"""The sandbox clock: wall time plus an offset that tests can advance.

Like Stripe's test clocks, advancing it makes time-based work happen
(renewals, `incomplete_expired`, `cancel_at`); unlike them it is global.
"""

from __future__ import annotations

import time


class SandboxClock:
    def __init__(self, offset: int = 0) -> None:
        self.offset = offset

    def now(self) -> int:
        return int(time.time()) + self.offset

    def advance(self, seconds: int) -> int:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self.offset += seconds
        return self.now()
