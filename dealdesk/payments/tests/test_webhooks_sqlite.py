"""Webhook intake on the demo's embedded SQLite database (the suite itself runs on PostgreSQL).

Storing is one hand-written INSERT ... ON CONFLICT DO NOTHING RETURNING, and the drain claims
batches with SELECT ... FOR UPDATE SKIP LOCKED, which SQLite does not have: both are run here
in a child process on a SQLite file, configured as ``make demo`` configures it.
"""

from pathlib import Path

from dealdesk.tests.sqlite_child import run_on_sqlite

SCRIPT = r"""
import json
from datetime import timedelta

import sqlite3

import stripe
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from dealdesk.factories import WorkspaceFactory
from dealdesk.payments.event_drain import events_drain
from dealdesk.payments.models import ConnectionStatus, StripeConnection, WebhookEvent
from dealdesk.payments.webhooks import webhook_store

assert connection.vendor == "sqlite"
print("SQLITE", sqlite3.sqlite_version)
acme = WorkspaceFactory.create(name="Acme GmbH")
umbrella = WorkspaceFactory.create(name="Umbrella Corp")
long_ago = timezone.now() - timedelta(days=30)
StripeConnection.objects.create(workspace=acme, account_id="acct_moved", connected_at=long_ago)
StripeConnection.objects.create(
    workspace=umbrella,
    account_id="acct_moved",
    status=ConnectionStatus.DISCONNECTED,
    connected_at=long_ago + timedelta(days=1),
)
StripeConnection.objects.create(
    workspace=umbrella, account_id="acct_revoked", status=ConnectionStatus.REVOKED
)

payload = {
    "id": "evt_1",
    "type": "customer.updated",
    "account": "acct_moved",
    "data": {"object": {"name": "Müller 😀", "amount": 2**53 + 1, "tags": [None, True]}},
}
first = webhook_store(event=payload)
again = webhook_store(event=payload)
print("NEW", first is not None, "AGAIN", again)
row = WebhookEvent.objects.get()
print("SAME_ROW", row.pk == first.pk, "PAYLOAD", row.payload == payload)
webhook_store(event={"id": "evt_2", "type": "x", "account": "acct_revoked"})
webhook_store(event={"id": "evt_3", "type": "x", "account": "acct_nobody"})
webhook_store(event={"id": "evt_4", "type": "x"})
owners = dict(WebhookEvent.objects.values_list("stripe_event_id", "workspace_id"))
print("OWNERS", owners == {"evt_1": acme.pk, "evt_2": umbrella.pk, "evt_3": None, "evt_4": None})

body = json.dumps({"id": "evt_view", "object": "event", "type": "x", "account": "acct_moved"})
signature = stripe.WebhookSignature.generate_signature_header(body, settings.STRIPE_WEBHOOK_SECRET)
response = Client(HTTP_HOST="127.0.0.1").post(
    "/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
)
print("VIEW", response.status_code, WebhookEvent.objects.filter(stripe_event_id="evt_view").count())

drained = events_drain(batch=2)
print("DRAINED", {str(k): v for k, v in drained.results.items()}, drained.more)
print("LEFT", WebhookEvent.objects.exclude(status="ignored").count())
"""


def test_webhook_intake_and_the_drain_work_on_the_demos_sqlite(tmp_path: Path) -> None:
    out = run_on_sqlite(SCRIPT, tmp_path)

    assert "NEW True AGAIN None" in out
    assert "SAME_ROW True PAYLOAD True" in out
    assert "OWNERS True" in out
    assert "VIEW 200 1" in out
    assert "DRAINED {'ignored': 5} False" in out
    assert "LEFT 0" in out
