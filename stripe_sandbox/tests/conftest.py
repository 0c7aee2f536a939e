"""A sandbox per test session, reset before every test.

Named actors: the platform (DealDesk), `northwind` (the activated demo
seller, connected) and `contoso` (the demo seller that is not activated).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from stripe_sandbox.config import SandboxConfig
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT
from stripe_sandbox.testing import SandboxThread


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxThread]:
    config = SandboxConfig(webhook_retry_base=0.05, tick_seconds=0.2)
    with SandboxThread(config) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(sandbox: SandboxThread) -> None:
    sandbox.reset()


@pytest.fixture
def platform(sandbox: SandboxThread) -> stripe.StripeClient:
    return sandbox.client()


@pytest.fixture
def northwind(sandbox: SandboxThread) -> stripe.StripeClient:
    return sandbox.connect(DEMO_ACTIVE_ACCOUNT)
