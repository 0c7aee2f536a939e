"""Stored Stripe events and what each one does here. Handlers are idempotent and
tolerate any order: they read current state from Stripe instead of trusting the
event's snapshot where order matters.

``HANDLERS`` maps an event type to its handler; ``event_processing`` runs them (once per
event, in a transaction, with retries). Types without a handler are stored as ignored."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import (
    ConnectionStatus,
    StripeConnection,
    WebhookEvent,
    WebhookStatus,
)
from dealdesk.payments.services import connection_record_status, connection_revoked
from dealdesk.payments.sync import SYNC_HANDLERS
from dealdesk.payments.sync.lookup import event_time

logger = logging.getLogger("dealdesk.payments.webhooks")


def webhook_store(*, event: dict[str, Any]) -> WebhookEvent | None:
    """Store a verified event once. Returns None when Stripe re-delivered a known event.

    One autocommit statement: the owning workspace is looked up inside the INSERT, and a
    re-delivery hits the unique event id and inserts nothing (no exception, no savepoint).
    """
    account_id = str(event.get("account") or "")
    values: dict[str, Any] = {
        "stripe_event_id": str(event["id"]),
        "type": str(event.get("type", "")),
        "account_id": account_id,
        "livemode": bool(event.get("livemode", False)),
        "payload": event,
        "status": WebhookStatus.PENDING,
        "error": "",
        "attempts": 0,
        "received_at": timezone.now(),
    }
    # Each value as the ORM would send it (the payload as JSON, the time for this database).
    params = [_FIELDS[name].get_db_prep_save(values[name], connection) for name in _COLUMNS]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [*params, *_owner_params(account_id)])
        row = cursor.fetchone()
    if row is None:
        return None
    stored = WebhookEvent(pk=row[0], workspace_id=row[1], **values)
    stored._state.adding = False
    stored._state.db = connection.alias
    return stored


_FIELDS = {field.name: field for field in WebhookEvent._meta.concrete_fields}
_COLUMNS = (
    "stripe_event_id",
    "type",
    "account_id",
    "livemode",
    "payload",
    "status",
    "error",
    "attempts",
    "received_at",
)


def _quoted(model: type[models.Model], name: str = "") -> str:
    """A table (or a field's column) as the models name it, quoted for PostgreSQL and SQLite."""
    meta = model._meta
    if not name:
        return f'"{meta.db_table}"'
    field = cast("models.Field[Any, Any]", meta.get_field(name))  # concrete fields only
    return f'"{field.column}"'


# The workspace whose connection owns an account: the live one, else the latest. One
# definition for the INSERT below and for the check at processing time.
_C = StripeConnection
_OWNER_SQL = (
    f"SELECT {_quoted(_C, 'workspace')} FROM {_quoted(_C)} "  # noqa: S608 (names from models)
    f"WHERE {_quoted(_C, 'account_id')} = %s "
    f"ORDER BY CASE WHEN {_quoted(_C, 'status')} = %s THEN 0 ELSE 1 END, "
    f"{_quoted(_C, 'connected_at')} DESC, {_quoted(_C, 'id')} DESC LIMIT 1"
)

# PostgreSQL and SQLite (>= 3.35, the demo's) both know ON CONFLICT ... DO NOTHING and
# RETURNING: a known event id inserts nothing and returns no row.
_E = WebhookEvent
_COLUMN_LIST = ", ".join(_quoted(_E, name) for name in (*_COLUMNS, "workspace"))
_INSERT_SQL = (
    f"INSERT INTO {_quoted(_E)} ({_COLUMN_LIST}) "  # noqa: S608 (names from models)
    f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}, ({_OWNER_SQL})) "
    f"ON CONFLICT ({_quoted(_E, 'stripe_event_id')}) DO NOTHING "
    f"RETURNING {_quoted(_E, 'id')}, {_quoted(_E, 'workspace')}"
)


def _owner_params(account_id: str) -> list[Any]:
    # No account (a platform event): NULL matches no row.
    return [account_id or None, ConnectionStatus.CONNECTED.value]


def _owning_workspace_id(account_id: str) -> int | None:
    """The workspace whose connection owns the account: the live one, else the latest.

    A deauthorization Stripe sends after the seller disconnected still belongs to them.
    """
    if not account_id:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({_OWNER_SQL})", _owner_params(account_id))
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _account_updated(event: dict[str, Any]) -> None:
    account_id = str(event.get("account") or event["data"]["object"]["id"])
    try:
        status = gateway.account_status(account_id=account_id)
    except gateway.AccountNotConnected:
        connection_revoked(account_id=account_id)
        return
    connection_record_status(status=status, user=None, action="stripe.account_updated")


def _application_deauthorized(event: dict[str, Any]) -> None:
    application = event["data"]["object"].get("id")
    if application and application != settings.STRIPE_CLIENT_ID:
        return  # another platform's app was removed from that account, not ours
    connection_revoked(account_id=str(event["account"]), revoked_at=event_time(event))


Handler = Callable[[dict[str, Any]], None]

HANDLERS: dict[str, Handler] = {
    "account.updated": _account_updated,
    "account.application.deauthorized": _application_deauthorized,
    **SYNC_HANDLERS,
}


# Handlers about a connected account's own objects: nothing to do for an account that no
# workspace has (ever) connected, whatever the event claims.
OWNED_ACCOUNT_TYPES = frozenset(
    {"account.updated", "account.application.deauthorized", *SYNC_HANDLERS}
)


def handler_for(event: WebhookEvent) -> Handler | None:
    """The stored event's handler, or None to store it as ignored: a type we do not handle,
    or an event of a connected account that no workspace owns.

    The owner was resolved on arrival. An event without one may have come before its
    account's connection was saved (Stripe sends account.updated while the seller is still
    on the OAuth page): it is asked again now, and set on ``event`` for the processing
    to record, so the event shows on that workspace's events page too."""
    handler = HANDLERS.get(event.type)
    if handler is None or event.type not in OWNED_ACCOUNT_TYPES:
        return handler
    if event.workspace_id is None:
        event.workspace_id = _owning_workspace_id(event.account_id)
        if event.workspace_id is None:
            return None
    return handler
