"""The only package that imports ``stripe``. Everything else calls these functions."""

from dealdesk.payments.stripe_gateway.connect import (
    AccountStatus,
    ConnectedAccount,
    account_status,
    authorize_url,
    dashboard_url,
    deauthorize,
    exchange_code,
    status_from_account,
)
from dealdesk.payments.stripe_gateway.dashboard import dashboard_object_url
from dealdesk.payments.stripe_gateway.errors import (
    AccountNotConnected,
    StripeGatewayError,
    StripeRefused,
    StripeUnavailable,
)
from dealdesk.payments.stripe_gateway.events import undelivered_events
from dealdesk.payments.stripe_gateway.webhooks import (
    InvalidEvent,
    InvalidSignature,
    NotAnEvent,
    verified_event,
)

__all__ = [
    "AccountNotConnected",
    "AccountStatus",
    "ConnectedAccount",
    "InvalidEvent",
    "InvalidSignature",
    "NotAnEvent",
    "StripeGatewayError",
    "StripeRefused",
    "StripeUnavailable",
    "account_status",
    "authorize_url",
    "dashboard_object_url",
    "dashboard_url",
    "deauthorize",
    "exchange_code",
    "status_from_account",
    "undelivered_events",
    "verified_event",
]
