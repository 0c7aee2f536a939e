"""The demo workspace comes connected to the local Stripe sandbox's activated account.

The connection is made the way an admin makes it (R1): the app's own
``connect_start`` builds the authorize URL, the sandbox's authorize page is
answered with "Allow access" for the demo account (what the admin clicks), and
the app's ``connect_complete`` exchanges the code with the sandbox. So the
sandbox, too, records the platform as authorized for that account.

Only against the sandbox: real Stripe needs a person to sign in, and the sandbox
answers ``/_sandbox/config``, which Stripe does not.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

from dealdesk.payments.services import ConnectError, connect_complete, connect_start
from dealdesk.workspaces.models import User, Workspace
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT

logger = logging.getLogger("dealdesk.demo")

TIMEOUT_SECONDS = 10


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the redirect goes to our callback, which is not served yet


def _sandbox_answers() -> bool:
    url = settings.STRIPE_API_BASE.rstrip("/") + "/_sandbox/config"
    if not url.startswith(("http://127.0.0.1", "http://localhost")):
        return False  # the sandbox runs on this machine; never probe anything else
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - loopback http, checked above
            return "client_id" in json.load(response)
    except (OSError, ValueError):
        return False


def _allow_access(authorize_url: str, account_id: str) -> dict[str, str]:
    """Answer the sandbox's authorize page with "Allow access to this account"."""
    parts = urllib.parse.urlsplit(authorize_url)
    form = urllib.parse.urlencode(
        {"query": parts.query, "account": account_id, "decision": "allow"}
    ).encode()
    target = urllib.parse.urlunsplit(parts._replace(query=""))
    try:
        urllib.request.build_opener(_NoRedirect).open(target, data=form, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as answer:
        if answer.code in (302, 303) and answer.headers.get("Location"):
            query = urllib.parse.urlsplit(answer.headers["Location"]).query
            return dict(urllib.parse.parse_qsl(query))
        raise
    raise ConnectError("The sandbox's authorize page did not redirect back.")


def connect_demo_account(
    *, workspace: Workspace, admin: User, account_id: str = DEMO_ACTIVE_ACCOUNT
) -> str:
    """Connect ``workspace`` to the sandbox's ``account_id`` through the real OAuth round trip.

    Returns why it is not connected, for the demo's printout; empty once connected.
    """
    if not _sandbox_answers():
        return f"no Stripe sandbox answers at {settings.STRIPE_API_BASE}"
    session: dict[str, Any] = {}
    try:
        url = connect_start(session=session, workspace=workspace, user=admin)
        params = _allow_access(url, account_id)
        connect_complete(session=session, workspace=workspace, user=admin, params=params)
    except (ConnectError, OSError) as error:
        logger.warning("The demo workspace was not connected to Stripe: %s", error)
        return str(getattr(error, "message", error))
    return ""
