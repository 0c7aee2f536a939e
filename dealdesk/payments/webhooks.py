"""Stored Stripe events and what each one does here. Handlers are idempotent and
tolerate any order: they read current state from Stripe instead of trusting the
event's snapshot where order matters."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import WebhookEvent, WebhookStatus
from dealdesk.payments.services import connection_record_status, connection_revoked

logger = logging.getLogger("dealdesk.payments.webhooks")


def webhook_store(*, event: dict[str, Any]) -> WebhookEvent | None:
    """Store a verified event once. Returns None when Stripe re-delivered a known event."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(
                stripe_event_id=str(event["id"]),
                type=str(event.get("type", "")),
                account_id=str(event.get("account") or ""),
                livemode=bool(event.get("livemode", False)),
                payload=event,
            )
    except IntegrityError:
        return None


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
    connection_revoked(account_id=str(event["account"]), revoked_at=_created(event))


def _created(event: dict[str, Any]) -> datetime | None:
    """When Stripe says the event happened (``created``, Unix seconds), if it says."""
    created = event.get("created")
    if isinstance(created, int) and not isinstance(created, bool):
        try:
            return datetime.fromtimestamp(created, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


HANDLERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "account.updated": _account_updated,
    "account.application.deauthorized": _application_deauthorized,
}


def webhook_process(*, event_pk: int) -> WebhookStatus:
    """Run the handler for a stored event; record success or the error for a retry."""
    claimed = WebhookEvent.objects.filter(
        pk=event_pk, status__in=[WebhookStatus.PENDING, WebhookStatus.FAILED]
    ).update(attempts=F("attempts") + 1)
    row = WebhookEvent.objects.get(pk=event_pk)
    if not claimed:
        return WebhookStatus(row.status)
    handler = HANDLERS.get(row.type)
    try:
        if handler is not None:
            handler(row.payload)
    except Exception as error:
        logger.exception("Stripe event %s (%s) failed", row.stripe_event_id, row.type)
        row.status = WebhookStatus.FAILED
        row.error = f"{type(error).__name__}: {error}"
    else:
        row.status = WebhookStatus.PROCESSED if handler else WebhookStatus.IGNORED
        row.error = ""
    row.processed_at = timezone.now()
    row.save(update_fields=["status", "error", "processed_at"])
    return WebhookStatus(row.status)
