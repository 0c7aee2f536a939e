from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connection

# The test holds this PostgreSQL advisory lock to keep a handler waiting mid-run.
BLOCKING_LOCK_KEY = 4242


def counted(event: dict[str, Any]) -> None:
    """One audit entry per run: the tests count them per event."""
    from dealdesk.workspaces.models import AuditEntry

    AuditEntry.objects.create(
        workspace_id=event["data"]["object"]["workspace"], action="test.counted", target=event["id"]
    )


def blocking(event: dict[str, Any]) -> None:
    """Waits for the test's advisory lock, then does what ``counted`` does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BLOCKING_LOCK_KEY])
    counted(event)


class WorkerHandlersConfig(AppConfig):
    name = "dealdesk.payments.tests.workers"
    label = "payments_test_workers"

    def ready(self) -> None:
        from dealdesk.payments.webhooks import HANDLERS

        HANDLERS["test.counted"] = counted
        HANDLERS["test.blocking"] = blocking
