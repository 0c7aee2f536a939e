"""`python -m stripe_sandbox.bench [N]`: N PaymentIntent create+confirm calls.

Prints the rate of the first and the second half, to show that latency does
not grow with the amount of state.
"""

from __future__ import annotations

import sys
import time

from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT
from stripe_sandbox.testing import SandboxThread


def run(count: int) -> tuple[float, float]:
    """Rates (create+confirm pairs per second) of the first and second half."""
    with SandboxThread() as sandbox:
        seller = sandbox.connect(DEMO_ACTIVE_ACCOUNT)
        durations = []
        for _ in range(count):
            started = time.perf_counter()
            intent = seller.v1.payment_intents.create({"amount": 1999, "currency": "usd"})
            seller.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
            durations.append(time.perf_counter() - started)
    half = count // 2
    return half / sum(durations[:half]), (count - half) / sum(durations[half:])


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    first, second = run(count)
    print(f"{count} PaymentIntent create+confirm calls")
    print(f"first half:  {first:7.1f} per second")
    print(f"second half: {second:7.1f} per second")


if __name__ == "__main__":
    main()
