"""How billing objects render: a subscription's items, an item's price and plan,
and the invoice fields Stripe only includes when expanded."""

from __future__ import annotations

from typing import Any

from stripe_sandbox.render import INCLUDABLE, PRESENTERS, list_object, public
from stripe_sandbox.store import State, StripeObject


def _present_subscription(state: State, sub: StripeObject) -> StripeObject:
    out = public(sub)
    items = [state.objects[item_id] for item_id in sub["_items"]]
    out["items"] = list_object(state, items, f"/v1/subscription_items?subscription={sub['id']}")
    return out


def _present_item(state: State, item: StripeObject) -> StripeObject:
    out = public(item)
    price = state.objects[item["_price"]]
    out["price"] = public(price)
    out["plan"] = _plan(price)
    return out


def _plan(price: StripeObject) -> StripeObject:
    """The legacy `plan` view of a recurring price, still sent on subscription items."""
    recurring = price["recurring"] or {}
    return {
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "livemode": False,
        "metadata": price["metadata"],
        "meter": None,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": recurring.get("usage_type", "licensed"),
    }


def _confirmation_secret(state: State, invoice: StripeObject) -> Any:
    pi_id = invoice.get("_payment_intent")
    if not pi_id:
        return None
    return {"client_secret": state.objects[pi_id]["client_secret"], "type": "payment_intent"}


def _payments(state: State, invoice: StripeObject) -> Any:
    payments = [state.objects[p] for p in invoice.get("_payments", [])]
    return list_object(state, payments, f"/v1/invoice_payments?invoice={invoice['id']}")


def install() -> None:
    PRESENTERS["subscription"] = _present_subscription
    PRESENTERS["subscription_item"] = _present_item
    INCLUDABLE["invoice"] = {"confirmation_secret": _confirmation_secret, "payments": _payments}
