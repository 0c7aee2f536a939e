"""The dashboard's buttons act as a seller does in Stripe's: cancel a subscription, refund a
payment. Each sends the events Stripe sends for it."""

from __future__ import annotations

import urllib.request

import stripe

from stripe_sandbox.testing import SandboxThread


def _paid_intent(client: stripe.StripeClient) -> stripe.PaymentIntent:
    return client.v1.payment_intents.create(
        {"amount": 5000, "currency": "eur", "payment_method": "pm_card_visa", "confirm": True}
    )


def test_cancel_button_cancels_the_subscription_and_sends_deleted(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    customer = northwind.v1.customers.create({"email": "carol@example.com"})
    product = northwind.v1.products.create({"name": "Plan"})
    sub = northwind.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [
                {
                    "price_data": {
                        "product": product.id,
                        "currency": "eur",
                        "unit_amount": 900,
                        "recurring": {"interval": "month"},
                    }
                }
            ],
            "payment_behavior": "default_incomplete",
        }
    )
    page = urllib.request.urlopen(f"{sandbox.url}/", timeout=10).read().decode()
    assert f"/_sandbox/subscriptions/{sub.id}/cancel" in page

    canceled = sandbox.admin(f"subscriptions/{sub.id}/cancel", {})

    assert canceled["status"] == "canceled"
    assert northwind.v1.subscriptions.retrieve(sub.id).status == "canceled"
    events = northwind.v1.events.list({"type": "customer.subscription.deleted"}).data
    assert [e.data.object["id"] for e in events] == [sub.id]


def test_refund_button_refunds_in_part_then_in_whole(
    sandbox: SandboxThread, northwind: stripe.StripeClient
) -> None:
    intent = _paid_intent(northwind)
    charge = str(intent.latest_charge)
    page = urllib.request.urlopen(f"{sandbox.url}/", timeout=10).read().decode()
    assert f"/_sandbox/charges/{charge}/refund" in page

    sandbox.admin(f"charges/{charge}/refund", {"amount": 1000})
    sandbox.admin(f"charges/{charge}/refund", {})

    refunds = northwind.v1.refunds.list({"charge": charge}).data
    assert sorted(r.amount for r in refunds) == [1000, 4000]
    assert northwind.v1.charges.retrieve(charge).refunded is True
    assert len(northwind.v1.events.list({"type": "charge.refunded"}).data) == 2
    page = urllib.request.urlopen(f"{sandbox.url}/", timeout=10).read().decode()
    assert f"/_sandbox/charges/{charge}/refund" not in page
