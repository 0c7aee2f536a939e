"""Catching up on events Stripe could not deliver (the app was down, the URL unreachable).

Stripe keeps retrying a failed delivery for three days, but a catch-up does not have to
wait: it lists each live connection's undelivered events and stores the missing ones
through the same path as the webhook, so each is stored and processed once.
"""

from __future__ import annotations

from dataclasses import dataclass

from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import ConnectionStatus, StripeConnection
from dealdesk.payments.tasks import events_kick
from dealdesk.payments.webhooks import webhook_store
from dealdesk.workspaces.models import Workspace


@dataclass(frozen=True)
class CatchUp:
    """One connected account's catch-up: events Stripe listed, how many were new here."""

    account_id: str
    listed: int
    stored: int
    error: str = ""


def events_catch_up(*, workspace: Workspace | None = None) -> list[CatchUp]:
    """List undelivered events of every live connection (of one workspace, if given) and
    store and queue the ones not stored yet."""
    connections = StripeConnection.objects.filter(status=ConnectionStatus.CONNECTED)
    if workspace is not None:
        connections = connections.filter(workspace=workspace)
    return [
        _catch_up_account(account_id)
        for account_id in connections.order_by("pk").values_list("account_id", flat=True)
    ]


def _catch_up_account(account_id: str) -> CatchUp:
    listed = stored = 0
    error = ""
    try:
        for event in gateway.undelivered_events(account_id=account_id):
            listed += 1
            if webhook_store(event=event) is not None:  # one statement, committed
                stored += 1
    except gateway.StripeGatewayError as failure:
        error = failure.message
    if stored:
        events_kick()  # one drain for all of them, as for a burst of webhooks
    return CatchUp(account_id, listed, stored, error=error)
