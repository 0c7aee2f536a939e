"""The purchase's own payment on its timeline: taken, failed, or not shown while under way.

Pure: the timeline is built from objects in memory, so these tests touch no database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dealdesk.payments.models import Purchase, PurchaseStatus, Refund
from dealdesk.payments.timeline import FIRST_PAYMENT, TimelineEntry, purchase_timeline

WHEN = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _link(object_type: str, object_id: str) -> str:
    return f"https://dashboard.example/{object_type}/{object_id}"


def _purchase(status: str, **fields: Any) -> Purchase:
    values: dict[str, Any] = {
        "status": status,
        "currency": "EUR",
        "amount_due_today_minor": 100_000,
        "stripe_payment_intent_id": "pi_1",
        **fields,
    }
    return Purchase(**values)


def _refund(amount_minor: int) -> Refund:
    return Refund(
        stripe_refund_id="re_1",
        stripe_payment_intent_id="pi_1",
        currency="EUR",
        amount_minor=amount_minor,
        status="succeeded",
        refunded_at=WHEN,
    )


def _timeline(purchase: Purchase, *refunds: Refund) -> tuple[TimelineEntry, ...]:
    return purchase_timeline(
        purchase=purchase,
        subscription=None,
        renewals=(),
        refunds=refunds,
        disputes=(),
        link=_link,
    )


def test_a_taken_payment_is_shown_paid_and_refundable_until_wholly_refunded() -> None:
    purchase = _purchase(PurchaseStatus.SUCCEEDED, amount_paid_minor=100_000, paid_at=WHEN)

    (entry,) = _timeline(purchase)
    assert (entry.kind, entry.title, entry.badge) == ("payment", "Paid", "success")
    assert (entry.at, entry.amount_minor, entry.detail) == (WHEN, 100_000, "")
    assert entry.url == _link("payment_intent", "pi_1")
    assert entry.refund_key == FIRST_PAYMENT

    partly = _timeline(purchase, _refund(99_999))
    assert [e.refund_key for e in partly if e.kind == "payment"] == [FIRST_PAYMENT]
    wholly = _timeline(purchase, _refund(100_000))
    assert [e.refund_key for e in wholly if e.kind == "payment"] == [""]


def test_a_failed_payment_shows_what_was_due_and_why_and_offers_no_refund() -> None:
    purchase = _purchase(
        PurchaseStatus.FAILED,
        failure_code="card_declined",
        failure_message="Your card was declined.",
        updated_at=WHEN,
    )

    (entry,) = _timeline(purchase)
    assert (entry.kind, entry.title, entry.badge) == ("payment_failed", "Payment failed", "danger")
    assert (entry.at, entry.amount_minor) == (WHEN, 100_000)
    assert entry.detail == "Your card was declined."
    assert entry.url == _link("payment_intent", "pi_1")
    assert entry.refund_key == ""

    purchase.failure_message = ""
    assert _timeline(purchase)[0].detail == "card_declined"


@pytest.mark.parametrize(
    "status",
    [PurchaseStatus.STARTED, PurchaseStatus.AWAITING_PAYMENT, PurchaseStatus.CANCELED],
)
def test_a_payment_under_way_or_canceled_has_no_entry(status: str) -> None:
    assert _timeline(_purchase(status, stripe_payment_intent_id="")) == ()


def test_a_payment_without_an_intent_yet_links_nowhere() -> None:
    purchase = _purchase(PurchaseStatus.FAILED, stripe_payment_intent_id="", updated_at=WHEN)

    assert _timeline(purchase)[0].url == ""
