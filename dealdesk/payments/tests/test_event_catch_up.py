"""Issue item 1, catch-up: events Stripe could not deliver are fetched and stored once."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
import stripe
from django.core.management import CommandError, call_command

from dealdesk.payments.models import StripeConnection, WebhookEvent, WebhookStatus
from dealdesk.payments.stripe_gateway import events as gateway_events
from dealdesk.payments.webhooks import webhook_store
from dealdesk.workspaces.models import Workspace
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreachable_endpoint(stripe_sandbox: Any) -> None:
    """The platform's Connect webhook points at an address where nothing listens."""
    stripe_sandbox.client().v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/stripe/webhook/", "enabled_events": ["*"], "connect": True}
    )


def _catch_up(*args: str) -> str:
    out = StringIO()
    call_command("stripe_events_catch_up", *args, stdout=out)
    return out.getvalue()


def test_catch_up_stores_and_processes_the_missed_events_once(
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    unreachable_endpoint: None,
    acme: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gateway_events, "PAGE_SIZE", 2)  # three events: two pages
    customers = [northwind.v1.customers.create({"email": f"c{n}@example.com"}) for n in range(3)]
    missed = northwind.v1.events.list({"delivery_success": False}).data
    assert len(missed) == 3

    first = _catch_up()  # stores them, then queues one drain (run at once in tests)
    second = _catch_up()

    assert f"{DEMO_ACTIVE_ACCOUNT}: 3 undelivered, 3 new" in first
    assert f"{DEMO_ACTIVE_ACCOUNT}: 3 undelivered, 0 new" in second
    rows = WebhookEvent.objects.order_by("stripe_event_id")
    assert sorted(row.stripe_event_id for row in rows) == sorted(e.id for e in missed)
    for row in rows:
        assert row.workspace == acme
        assert row.account_id == DEMO_ACTIVE_ACCOUNT
        assert row.status == WebhookStatus.IGNORED  # processed: no handler for customers
        assert row.attempts == 1
    stored_customers = {row.payload["data"]["object"]["id"] for row in rows}
    assert stored_customers == {customer.id for customer in customers}


def test_catch_up_queues_one_drain_for_all_the_events_it_stored(
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    unreachable_endpoint: None,
    settings: Any,
) -> None:
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    for n in range(3):
        northwind.v1.customers.create({"email": f"c{n}@example.com"})

    assert "3 new" in _catch_up()

    queued = [result.task.name for result in default_task_backend.results]  # type: ignore[attr-defined]
    assert queued == ["process_pending_webhook_events"]
    assert WebhookEvent.objects.filter(status=WebhookStatus.PENDING).count() == 3


def test_catch_up_skips_events_the_webhook_already_stored(
    connected: StripeConnection, northwind: stripe.StripeClient, unreachable_endpoint: None
) -> None:
    northwind.v1.customers.create({"email": "first@example.com"})
    northwind.v1.customers.create({"email": "second@example.com"})
    delivered = northwind.v1.events.list({"delivery_success": False}).data[0]
    webhook_store(event=delivered.to_dict(for_json=True))

    assert f"{DEMO_ACTIVE_ACCOUNT}: 2 undelivered, 1 new" in _catch_up()
    assert WebhookEvent.objects.count() == 2


def test_catch_up_lists_no_event_that_stripe_delivered(
    connected: StripeConnection, northwind: stripe.StripeClient
) -> None:
    """No webhook endpoint failed, so nothing is missing."""
    northwind.v1.customers.create({"email": "x@example.com"})

    assert f"{DEMO_ACTIVE_ACCOUNT}: 0 undelivered, 0 new" in _catch_up()
    assert not WebhookEvent.objects.exists()


def test_catch_up_for_one_workspace_leaves_the_others_alone(
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    unreachable_endpoint: None,
    umbrella: Workspace,
) -> None:
    northwind.v1.customers.create({"email": "x@example.com"})

    assert "No connected Stripe account." in _catch_up("--workspace", str(umbrella.pk))
    assert not WebhookEvent.objects.exists()


def test_catch_up_for_an_unknown_workspace_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="No workspace with id 999999"):
        _catch_up("--workspace", "999999")


def test_catch_up_reports_an_account_stripe_refuses_and_goes_on(
    stripe_sandbox: Any, connected: StripeConnection, umbrella: Workspace
) -> None:
    """A connection whose access was revoked in Stripe, not yet noticed here."""
    StripeConnection.objects.create(workspace=umbrella, account_id="acct_1DemoPending0000")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("stripe_events_catch_up", stdout=StringIO(), stderr=err)

    assert "acct_1DemoPending0000: 0 undelivered, 0 new; stopped:" in err.getvalue()
