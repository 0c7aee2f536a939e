"""What a request handler knows: the state, the acting account and the request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stripe_sandbox.config import SandboxConfig
from stripe_sandbox.errors import InvalidRequestError
from stripe_sandbox.store import State, StripeObject


@dataclass
class Ctx:
    state: State
    config: SandboxConfig
    # The account whose objects this request reads and writes.
    account: str
    # "secret", "publishable" (Stripe.js) or "system" (clock, admin).
    key_kind: str = "system"
    request_id: str | None = None
    idempotency_key: str | None = None

    def now(self) -> int:
        return self.state.now()

    @property
    def is_platform(self) -> bool:
        return self.account == self.state.platform_id

    def get(self, object_id: str, object_name: str, param: str = "id") -> StripeObject:
        return self.state.get(object_id, self.account, object_name, param)

    def get_intent(self, intent_id: str, object_name: str, params: dict[str, Any]) -> StripeObject:
        """A payment or setup intent. Stripe.js (publishable key) may only touch an intent
        whose client secret it holds."""
        intent = self.get(intent_id, object_name, "intent")
        if (
            self.key_kind == "publishable"
            and params.get("client_secret") != intent["client_secret"]
        ):
            name = object_name.replace("_", " ").title().replace(" ", "")
            raise InvalidRequestError(
                "The client_secret provided does not match the client_secret associated with "
                f"the {name}.",
                param="client_secret",
            )
        return intent

    def add(self, obj: StripeObject) -> StripeObject:
        return self.state.add(obj, self.account)

    def emit(
        self, event_type: str, obj: StripeObject, previous: dict[str, Any] | None = None
    ) -> StripeObject:
        from stripe_sandbox.events import emit

        request = {"id": self.request_id, "idempotency_key": self.idempotency_key}
        return emit(self.state, self.account, event_type, obj, previous, request)

    def for_account(self, account: str) -> Ctx:
        return Ctx(self.state, self.config, account, "system")
