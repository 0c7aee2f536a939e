"""The seller's Stripe account for purchase tests: the sandbox's activated demo account."""

from typing import Any

import pytest
import stripe

from dealdesk.payments.models import StripeConnection
from dealdesk.workspaces.models import Workspace
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT


@pytest.fixture
def northwind(stripe_sandbox: Any) -> stripe.StripeClient:
    """The seller's side of the sandbox: a platform client acting on the connected account."""
    client: stripe.StripeClient = stripe_sandbox.connect(DEMO_ACTIVE_ACCOUNT)
    return client


@pytest.fixture
def connected(acme: Workspace, northwind: stripe.StripeClient) -> StripeConnection:
    """Acme is connected to it and Stripe says it can accept charges (R2)."""
    return StripeConnection.objects.create(
        workspace=acme, account_id=DEMO_ACTIVE_ACCOUNT, charges_enabled=True
    )
