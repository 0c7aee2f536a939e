"""Stored Stripe events and what each one does here. Handlers are idempotent and
tolerate any order: they read current state from Stripe instead of trusting the
event's snapshot where order matters.

``HANDLERS`` maps an event type to its handler; ``event_processing`` runs them (once per
event, in a transaction, with retries). Types without a handler are stored as ignored."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Value, When

from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import ConnectionStatus, StripeConnection, WebhookEvent
from dealdesk.payments.services import connection_record_status, connection_revoked
from dealdesk.payments.sync import SYNC_HANDLERS
from dealdesk.payments.sync.lookup import event_time

logger = logging.getLogger("dealdesk.payments.webhooks")


def webhook_store(*, event: dict[str, Any]) -> WebhookEvent | None:
    """Store a verified event once. Returns None when Stripe re-delivered a known event."""
    account_id = str(event.get("account") or "")
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(
                stripe_event_id=str(event["id"]),
                type=str(event.get("type", "")),
                account_id=account_id,
                workspace_id=_owning_workspace_id(account_id),
                livemode=bool(event.get("livemode", False)),
                payload=event,
            )
    except IntegrityError:
        return None


def _owning_workspace_id(account_id: str) -> int | None:
    """The workspace whose connection owns the account: the live one, else the latest.

    A deauthorization Stripe sends after the seller disconnected still belongs to them.
    """
    if not account_id:
        return None
    live_first = Case(
        When(status=ConnectionStatus.CONNECTED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    workspace_id: int | None = (
        StripeConnection.objects.filter(account_id=account_id)
        .order_by(live_first, "-connected_at", "-pk")
        .values_list("workspace_id", flat=True)
        .first()
    )
    return workspace_id


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
    or an event of a connected account that no workspace owns."""
    if event.type in OWNED_ACCOUNT_TYPES and _owning_workspace_id(event.account_id) is None:
        return None
    return HANDLERS.get(event.type)
