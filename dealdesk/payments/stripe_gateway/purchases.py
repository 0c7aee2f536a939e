"""Charging a quote on the seller's connected account (R3, R11, R12): the only Stripe calls.

Every call acts on the connected account (direct charges) and carries an
idempotency key made from our own ids (``purchase:<reference>:customer`` …), so
a retried request — by the library after a lost response, or by the buyer —
returns the first result instead of making a second customer, intent or
subscription. Nothing here touches the database: callers store what comes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote_plus

import stripe

from dealdesk.payments.charge_plan import ChargeKind, ChargePlan, tax_rate_percentage
from dealdesk.payments.stripe_gateway.client import stripe_client
from dealdesk.payments.stripe_gateway.errors import decline_message, translated_errors

# PaymentIntent statuses in which the buyer can still pay (another card, 3-D Secure).
PAYABLE = frozenset({"requires_payment_method", "requires_confirmation", "requires_action"})


@dataclass(frozen=True)
class BillingDetails:
    name: str
    email: str
    company: str
    address: Mapping[str, str]  # Stripe's fields: line1, line2, city, state, postal_code, country


@dataclass(frozen=True)
class Charge:
    """What the buyer's browser needs to pay, and the ids to settle it by."""

    payment_intent_id: str
    client_secret: str
    subscription_id: str = ""
    invoice_id: str = ""
    amount: int = 0  # the PaymentIntent's amount: what the buyer pays today


@dataclass(frozen=True)
class PaymentState:
    """Stripe's word on a PaymentIntent."""

    status: str
    amount: int
    amount_received: int
    currency: str  # upper case
    card_brand: str
    card_last4: str
    failure_code: str  # decline code when there is one, else the error code
    failure_message: str  # in plain words for the buyer

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def payable(self) -> bool:
        return self.status in PAYABLE

    @property
    def failed(self) -> bool:
        return self.payable and bool(self.failure_code)


def _options(key: str) -> Any:
    return {"idempotency_key": key}


def _json(
    client: stripe.StripeClient, method: str, path: str, params: Mapping[str, Any]
) -> Mapping[str, Any]:
    """Stripe's answer as the JSON it is, for the purchase path's two large answers.

    The library would build a StripeObject for every nested object of them (about 70 for
    a subscription with its first invoice, a few ms of CPU per purchase) of which a few
    fields are read. Transport, retries, idempotency keys and errors are the library's
    as for every other call.
    """
    response = client.raw_request(method, path, **params)
    return cast(Mapping[str, Any], response.data)


def _field(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]…``, None where Stripe sent null or left a field out."""
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _customer_params(billing: BillingDetails, metadata: Mapping[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {"name": billing.name, "email": billing.email}
    # Stripe refuses empty strings ("parameter_invalid_empty"): send only what was given.
    params["metadata"] = {k: v for k, v in {**metadata, "company": billing.company}.items() if v}
    address = {key: value for key, value in billing.address.items() if value}
    if address:
        params["address"] = address
    if billing.company:
        params["description"] = billing.company
    return params


def create_customer(
    *, account_id: str, reference: str, billing: BillingDetails, metadata: Mapping[str, str]
) -> str:
    """The buyer as a Customer on the seller's account; the purchase's one customer."""
    with translated_errors("customer create"):
        customer = stripe_client(account_id=account_id).v1.customers.create(
            cast(Any, _customer_params(billing, metadata)),
            _options(f"purchase:{reference}:customer"),
        )
    return str(customer.id)


def create_product(*, account_id: str, key: str, name: str) -> str:
    """A Product for one kind of quote line, made once per account (callers cache the id)."""
    with translated_errors("product create"):
        product = stripe_client(account_id=account_id).v1.products.create(
            {"name": name[:250], "metadata": {"dealdesk_key": key}},
            _options(f"account:{account_id}:product:{key}"),
        )
    return str(product.id)


def create_tax_rate(*, account_id: str, basis_points: int) -> str:
    """An inclusive TaxRate (it shows the quote's tax, never adds any: see charge_plan)."""
    percentage = tax_rate_percentage(basis_points)
    with translated_errors("tax rate create"):
        rate = stripe_client(account_id=account_id).v1.tax_rates.create(
            {
                "display_name": "Tax",
                "percentage": float(percentage),
                "inclusive": True,
                "metadata": {"dealdesk_basis_points": str(basis_points)},
            },
            _options(f"account:{account_id}:tax_rate:{basis_points}:inclusive"),
        )
    return str(rate.id)


def create_charge(
    *,
    account_id: str,
    reference: str,
    plan: ChargePlan,
    customer_id: str,
    product_ids: Mapping[str, str],
    tax_rate_ids: Mapping[int, str] | None,
    description: str,
    metadata: Mapping[str, str],
) -> Charge:
    """A PaymentIntent (one-time only) or a subscription (any recurring line) for the plan."""
    client = stripe_client(account_id=account_id)
    if plan.kind is ChargeKind.PAYMENT:
        with translated_errors("payment intent create"):
            intent = client.v1.payment_intents.create(
                {
                    "amount": plan.due_today,
                    "currency": plan.currency.lower(),
                    "customer": customer_id,
                    "automatic_payment_methods": {"enabled": True},
                    "description": description[:1000],
                    "metadata": dict(metadata),
                },
                _options(f"purchase:{reference}:payment_intent"),
            )
        return Charge(
            payment_intent_id=str(intent.id),
            client_secret=str(intent.client_secret),
            amount=int(intent.amount),
        )
    with translated_errors("subscription create"):
        subscription = _json(
            client,
            "post",
            "/v1/subscriptions",
            {
                "customer": customer_id,
                "items": plan.subscription_items(product_ids, tax_rate_ids),
                "add_invoice_items": plan.add_invoice_items(product_ids, tax_rate_ids),
                # Billed from today, indefinitely (R11, R12): no cancel_at, no trial.
                "payment_behavior": "default_incomplete",
                "payment_settings": {"save_default_payment_method": "on_subscription"},
                "description": description[:500],
                "metadata": dict(metadata),
                "expand": ["latest_invoice.confirmation_secret", "latest_invoice.payments"],
                **_options(f"purchase:{reference}:subscription"),
            },
        )
    invoice = _field(subscription, "latest_invoice")
    client_secret = _field(invoice, "confirmation_secret", "client_secret")
    if not client_secret:
        raise ValueError("Stripe returned a subscription without a payable first invoice.")
    return Charge(
        payment_intent_id=_invoice_payment_intent(invoice, str(client_secret)),
        client_secret=str(client_secret),
        subscription_id=str(subscription["id"]),
        invoice_id=str(invoice["id"]),
        amount=int(invoice["amount_due"]),
    )


def _invoice_payment_intent(invoice: Mapping[str, Any], client_secret: str) -> str:
    """The first invoice's PaymentIntent (since basil: its ``payments``, not ``payment_intent``)."""
    for payment in _field(invoice, "payments", "data") or []:
        intent = _field(payment, "payment", "payment_intent")
        if intent:
            return str(intent) if isinstance(intent, str) else str(intent["id"])
    # A PaymentIntent's client secret is "<intent id>_secret_<…>".
    return client_secret.split("_secret_")[0]


def update_customer(
    *, account_id: str, customer_id: str, billing: BillingDetails, key: str
) -> None:
    """New billing details for a purchase that is being reused."""
    params = _customer_params(billing, {})
    params.pop("metadata")
    with translated_errors("customer update"):
        stripe_client(account_id=account_id).v1.customers.update(
            customer_id, cast(Any, params), _options(key)
        )


def payment_state(*, account_id: str, payment_intent_id: str) -> PaymentState:
    """Read the PaymentIntent (and its latest charge's card) from Stripe, never the browser."""
    with translated_errors("payment intent retrieve"):
        intent = _json(
            stripe_client(account_id=account_id),
            "get",
            f"/v1/payment_intents/{quote_plus(payment_intent_id)}",
            {"expand": ["latest_charge"]},
        )
    card = _field(intent, "latest_charge", "payment_method_details", "card")
    brand, last4 = str(_field(card, "brand") or ""), str(_field(card, "last4") or "")
    error = _field(intent, "last_payment_error")
    code = message = ""
    if error is not None and intent["status"] in PAYABLE:
        error_code = str(_field(error, "code") or "")
        decline_code = str(_field(error, "decline_code") or "")
        code = decline_code or error_code or "card_declined"
        message = decline_message(code=error_code, decline_code=decline_code)
    return PaymentState(
        status=str(intent["status"]),
        amount=int(intent["amount"]),
        amount_received=int(intent.get("amount_received") or 0),
        currency=str(intent["currency"]).upper(),
        card_brand=brand,
        card_last4=last4,
        failure_code=code,
        failure_message=message,
    )


def cancel_charge(
    *,
    account_id: str,
    reference: str,
    payment_intent_id: str,
    subscription_id: str,
    invoice_id: str,
) -> None:
    """Cancel an unpaid attempt so that it can never be paid (a new attempt replaces it).

    Raises StripeRefused when Stripe will not cancel it, e.g. because it was paid.
    """
    client = stripe_client(account_id=account_id)
    if subscription_id:
        # Void the first invoice first: Stripe refuses that once it is paid, whereas
        # cancelling the subscription would succeed and keep the money.
        if invoice_id:
            with translated_errors("invoice void"):
                client.v1.invoices.void_invoice(
                    invoice_id, {}, _options(f"purchase:{reference}:void_invoice")
                )
        with translated_errors("subscription cancel"):
            client.v1.subscriptions.cancel(
                subscription_id, {}, _options(f"purchase:{reference}:cancel_subscription")
            )
        return
    with translated_errors("payment intent cancel"):
        client.v1.payment_intents.cancel(
            payment_intent_id,
            {"cancellation_reason": "abandoned"},
            _options(f"purchase:{reference}:cancel_payment_intent"),
        )
