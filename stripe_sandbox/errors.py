"""Stripe-shaped API errors.

Each error knows its HTTP status and renders the JSON body that the `stripe`
library turns into its own exception classes (`InvalidRequestError`,
`CardError`, `IdempotencyError`, `AuthenticationError`, `PermissionError`).
"""

from __future__ import annotations

from typing import Any


class StripeApiError(Exception):
    status = 400
    error_type = "api_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.extra = extra or {}
        if status is not None:
            self.status = status

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.error_type}
        if self.param is not None:
            error["param"] = self.param
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        error.update(self.extra)
        return {"error": error}


class InvalidRequestError(StripeApiError):
    error_type = "invalid_request_error"


class NotFoundError(InvalidRequestError):
    """404 `resource_missing`, also used for objects of another account."""

    status = 404

    def __init__(self, object_name: str, object_id: str, param: str = "id") -> None:
        super().__init__(
            f"No such {object_name}: '{object_id}'", param=param, code="resource_missing"
        )


class AuthenticationError(InvalidRequestError):
    status = 401


class PermissionDeniedError(InvalidRequestError):
    status = 403


class RateLimitError(InvalidRequestError):
    """429 `rate_limit`: the `stripe` library raises `RateLimitError`."""

    status = 429

    def __init__(self) -> None:
        super().__init__(
            "Request rate limit exceeded. You can learn more about rate limits here "
            "https://stripe.com/docs/rate-limits.",
            code="rate_limit",
        )


class IdempotencyError(StripeApiError):
    error_type = "idempotency_error"


class CardError(StripeApiError):
    status = 402
    error_type = "card_error"


class OAuthError(Exception):
    """OAuth endpoints answer `{"error": "<code>", "error_description": …}`."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "error_description": self.description}


def refuse_unsupported(
    params: dict[str, Any], names: set[str], where: str, prefix: str = ""
) -> None:
    """Parameters Stripe accepts but the sandbox does not model: refuse, never ignore.

    `prefix` names a nested hash, e.g. `items[0]` gives `items[0][tax_rates]`."""
    for name in sorted(names & set(params)):
        param = f"{prefix}[{name}]" if prefix else name
        raise InvalidRequestError(
            f"The Stripe sandbox does not support `{param}` on {where}; use real Stripe test "
            "mode for this.",
            param=param,
        )
