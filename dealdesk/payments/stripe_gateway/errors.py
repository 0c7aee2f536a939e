"""Stripe errors turned into DealDesk's own, with messages a seller or buyer can act on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import stripe
from django.utils.translation import gettext as _

logger = logging.getLogger("dealdesk.payments.stripe")


class StripeGatewayError(Exception):
    """A Stripe call failed. ``message`` is safe to show; details go to the log."""

    def __init__(self, message: str, *, code: str = "", request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id


class StripeUnavailable(StripeGatewayError):
    """Stripe could not be reached or refused our credentials: try again later."""


class StripeRefused(StripeGatewayError):
    """Stripe understood the request and said no (invalid code, missing object, …)."""


class AccountNotConnected(StripeRefused):
    """The account no longer grants our platform access."""


@contextmanager
def translated_errors(action: str) -> Iterator[None]:
    """Turn ``stripe.StripeError`` raised inside into our exceptions, logging the request id."""
    try:
        yield
    except stripe.oauth_error.OAuthError as error:
        _log(action, error)
        code = str(getattr(error, "code", "") or "")
        if code == "invalid_client":
            raise AccountNotConnected(
                _("This Stripe account is no longer connected to DealDesk."), code=code
            ) from error
        raise StripeRefused(
            _("Stripe did not accept the connection (%(detail)s). Please try connecting again.")
            % {"detail": str(getattr(error, "user_message", "") or code or "error")},
            code=code,
        ) from error
    except (stripe.AuthenticationError, stripe.PermissionError) as error:
        _log(action, error)
        if _revoked_access(error):
            raise AccountNotConnected(
                _("This Stripe account is no longer connected to DealDesk."),
                code=str(error.code or ""),
                request_id=error.request_id,
            ) from error
        raise StripeUnavailable(
            _("DealDesk's Stripe credentials were refused. Ask your administrator to check them."),
            code=str(error.code or ""),
            request_id=error.request_id,
        ) from error
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
        _log(action, error)
        raise StripeUnavailable(
            _("Stripe could not be reached just now. Please try again in a moment."),
            code=str(error.code or ""),
            request_id=error.request_id,
        ) from error
    except stripe.StripeError as error:
        _log(action, error)
        raise StripeRefused(
            _("Stripe refused the request: %(detail)s")
            % {"detail": error.user_message or _("unknown error")},
            code=str(error.code or ""),
            request_id=error.request_id,
        ) from error


def _revoked_access(error: stripe.StripeError) -> bool:
    # Stripe answers 401/403 on a connected account that revoked our access.
    text = str(error.user_message or "").lower()
    return "does not have access to account" in text or "not connected" in text


def _log(action: str, error: stripe.StripeError) -> None:
    logger.warning(
        "Stripe %s failed: %s (http=%s code=%s request_id=%s)",
        action,
        type(error).__name__,
        error.http_status,
        error.code,
        error.request_id,
    )


def decline_message(*, code: str, decline_code: str = "") -> str:
    """Stripe's decline and error codes in words a buyer can act on (never the seller's)."""
    reasons = {
        "insufficient_funds": _("Your card has insufficient funds. Try another card."),
        "expired_card": _("Your card has expired. Check the expiration date or use another card."),
        "incorrect_cvc": _("The card's security code is incorrect. Check it and try again."),
        "incorrect_number": _("The card number is incorrect. Check it and try again."),
        "processing_error": _(
            "An error occurred while processing your card. Try again in a moment."
        ),
        "authentication_required": _(
            "Your bank asked to confirm this payment, and it was not confirmed. Try again."
        ),
        "payment_intent_authentication_failure": _(
            "Your bank could not confirm this payment. Try again or use another card."
        ),
        "lost_card": _("Your card was declined. Try another card."),
        "stolen_card": _("Your card was declined. Try another card."),
    }
    for key in (decline_code, code):
        if key in reasons:
            return reasons[key]
    return _("Your card was declined. Try another card or contact your bank.")
