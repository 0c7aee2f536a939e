"""Actions on the workspace's Stripe connection (R1, R2, R4).

Stripe is called outside database transactions; the result is recorded in a short
transaction of its own afterwards.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import ConnectionStatus, StripeConnection
from dealdesk.payments.selectors import stripe_connection
from dealdesk.workspaces.models import User, Workspace
from dealdesk.workspaces.services import audit_record

logger = logging.getLogger("dealdesk.payments.connect")

OAUTH_STATE_SESSION_KEY = "stripe_oauth_state"
OAUTH_STATE_LIFETIME_SECONDS = 600


class ConnectError(Exception):
    """Connecting failed; ``message`` tells the admin what happened and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def oauth_redirect_uri() -> str:
    return settings.DEALDESK_BASE_URL + reverse("payments:stripe_callback")


def connect_start(*, session: Any, workspace: Workspace, user: User) -> str:
    """Remember a fresh single-use ``state`` in the admin's session; return Stripe's URL."""
    state = secrets.token_urlsafe(32)
    session[OAUTH_STATE_SESSION_KEY] = {
        "state": state,
        "workspace_id": workspace.pk,
        "user_id": user.pk,
        "expires_at": time.time() + OAUTH_STATE_LIFETIME_SECONDS,
    }
    return gateway.authorize_url(
        state=state,
        redirect_uri=oauth_redirect_uri(),
        email=user.email,
        business_name=workspace.name,
    )


def _consume_state(*, session: Any, workspace: Workspace, user: User, state: str) -> None:
    """The state must be ours, this admin's, this workspace's, fresh and unused."""
    expected = session.pop(OAUTH_STATE_SESSION_KEY, None)
    valid = (
        isinstance(expected, dict)
        and bool(state)
        and secrets.compare_digest(str(expected.get("state", "")), state)
        and expected.get("workspace_id") == workspace.pk
        and expected.get("user_id") == user.pk
        and float(expected.get("expires_at", 0)) > time.time()
    )
    if not valid:
        raise ConnectError(
            _(
                "This Stripe connection attempt is not valid any more (it expired, was "
                "already used, or did not start here). Please click Connect with Stripe again."
            )
        )


def connect_complete(
    *, session: Any, workspace: Workspace, user: User, params: dict[str, str]
) -> StripeConnection:
    """Finish the OAuth round trip from Stripe's redirect. Stores nothing on any failure."""
    _consume_state(session=session, workspace=workspace, user=user, state=params.get("state", ""))
    if params.get("error"):
        if params["error"] == "access_denied":
            raise ConnectError(_("You declined access in Stripe, so nothing was connected."))
        raise ConnectError(
            _("Stripe reported a problem: %(detail)s")
            % {"detail": params.get("error_description") or params["error"]}
        )
    code = params.get("code", "")
    if not code:
        raise ConnectError(_("Stripe did not send an authorization code. Please try again."))
    if stripe_connection(workspace) is not None:
        raise ConnectError(_("A Stripe account is already connected. Disconnect it first."))
    try:
        account = gateway.exchange_code(code=code)
    except gateway.StripeGatewayError as error:
        raise ConnectError(error.message) from error
    if _connected_elsewhere(account_id=account.account_id, workspace=workspace):
        # Stripe gives our platform one access per account, shared by every workspace
        # that "connects" it: deauthorizing here would cut off the workspace that owns it.
        logger.warning(
            "Workspace %s tried to connect %s, which another workspace holds",
            workspace.pk,
            account.account_id,
        )
        raise ConnectError(_account_taken_message())
    try:
        status = gateway.account_status(account_id=account.account_id)
    except gateway.StripeGatewayError as error:
        raise ConnectError(error.message) from error
    try:
        with transaction.atomic():
            connection = StripeConnection.objects.create(
                workspace=workspace,
                account_id=account.account_id,
                livemode=account.livemode,
                scope=account.scope,
                publishable_key=account.publishable_key,
                connected_by=user,
                **_status_fields(status),
            )
            audit_record(
                workspace=workspace,
                actor=user,
                action="stripe.connected",
                target=account.account_id,
                details={"livemode": account.livemode, "charges_enabled": status.charges_enabled},
            )
    except IntegrityError as error:  # a second tab, or another workspace, finished first
        if _connected_elsewhere(account_id=account.account_id, workspace=workspace):
            raise ConnectError(_account_taken_message()) from error
        raise ConnectError(_("A Stripe account is already connected.")) from error
    return connection


def _connected_elsewhere(*, account_id: str, workspace: Workspace) -> bool:
    return (
        StripeConnection.objects.filter(account_id=account_id, status=ConnectionStatus.CONNECTED)
        .exclude(workspace=workspace)
        .exists()
    )


def _account_taken_message() -> str:
    return _(
        "This Stripe account is already connected to another DealDesk workspace, so it was "
        "not connected here. Connect a different Stripe account, or disconnect it in the "
        "other workspace first."
    )


def _status_fields(status: gateway.AccountStatus) -> dict[str, Any]:
    return {
        "account_name": status.display_name,
        "charges_enabled": status.charges_enabled,
        "details_submitted": status.details_submitted,
        "requirements_due": list(status.requirements_due),
        "disabled_reason": status.disabled_reason,
        "checked_at": timezone.now(),
    }


def connection_recheck(*, connection: StripeConnection, user: User | None) -> StripeConnection:
    """Read activation again from Stripe (R2). A revoked account is marked revoked (R4)."""
    try:
        status = gateway.account_status(account_id=connection.account_id)
    except gateway.AccountNotConnected:
        _revoke(pk=connection.pk)
    else:
        _record_status(status=status, user=user, action="stripe.rechecked", pk=connection.pk)
    connection.refresh_from_db()
    return connection


def connection_record_status(
    *, status: gateway.AccountStatus, user: User | None, action: str
) -> None:
    """Store what Stripe says about an account on the one live connection that holds it."""
    _record_status(status=status, user=user, action=action, account_id=status.account_id)


def _record_status(
    *, status: gateway.AccountStatus, user: User | None, action: str, **lookup: Any
) -> None:
    with transaction.atomic():
        connection = _locked_live_connection(**lookup)
        if connection is None:
            return
        for field, value in _status_fields(status).items():
            setattr(connection, field, value)
        connection.save()
        audit_record(
            workspace=connection.workspace,
            actor=user,
            action=action,
            target=connection.account_id,
            details={"charges_enabled": status.charges_enabled},
        )


def _locked_live_connection(**lookup: Any) -> StripeConnection | None:
    """The live connection matching ``lookup``, row-locked.

    Looked up by account id there is at most one, whichever workspace holds it: the
    database allows one live connection per Stripe account.
    """
    return (
        StripeConnection.objects.select_for_update()
        .filter(status=ConnectionStatus.CONNECTED, **lookup)
        .first()
    )


@dataclass(frozen=True)
class DisconnectResult:
    revoked_at_stripe: bool


def connection_disconnect(*, connection: StripeConnection, user: User) -> DisconnectResult:
    """Revoke our access at Stripe, then mark the connection disconnected (R4)."""
    already_gone = False
    try:
        gateway.deauthorize(account_id=connection.account_id)
    except gateway.AccountNotConnected:
        already_gone = True  # the seller revoked it in Stripe already; still disconnect here
    except gateway.StripeGatewayError as error:
        raise ConnectError(error.message) from error
    with transaction.atomic():
        updated = StripeConnection.objects.filter(
            pk=connection.pk, status=ConnectionStatus.CONNECTED
        ).update(status=ConnectionStatus.DISCONNECTED, ended_at=timezone.now())
        if updated:
            audit_record(
                workspace=connection.workspace,
                actor=user,
                action="stripe.disconnected",
                target=connection.account_id,
            )
    return DisconnectResult(revoked_at_stripe=not already_gone)


def connection_revoked(*, account_id: str, revoked_at: datetime | None = None) -> bool:
    """The seller revoked access on Stripe's side (webhook or a refused call): mark the
    one live connection holding the account. False when none does.

    Stripe delivers events late and out of order: a revocation from before the live
    connection was made ended an earlier one (say, before a reconnect) and is ignored.
    """
    return _revoke(account_id=account_id, revoked_at=revoked_at)


def _revoke(*, revoked_at: datetime | None = None, **lookup: Any) -> bool:
    with transaction.atomic():
        connection = _locked_live_connection(**lookup)
        if connection is None:
            return False
        # Stripe's timestamps are whole seconds: within the connecting second, revoke.
        if revoked_at is not None and revoked_at < connection.connected_at.replace(microsecond=0):
            return False
        connection.status = ConnectionStatus.REVOKED
        connection.ended_at = timezone.now()
        connection.save(update_fields=["status", "ended_at"])
        audit_record(
            workspace=connection.workspace,
            actor=None,
            action="stripe.revoked",
            target=connection.account_id,
        )
    return True
