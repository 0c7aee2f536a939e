"""A purchase's payment timeline for the seller: what happened to its money, in time order.

Pure: built from a purchase whose subscription, renewals, refunds and disputes are already
loaded (selectors.purchase_summaries prefetches them), so it costs no query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from dealdesk.payments.models import (
    Purchase,
    PurchaseStatus,
    Refund,
    RefundReason,
    SubscriptionPaymentStatus,
    SubscriptionStatus,
)

if TYPE_CHECKING:
    from dealdesk.payments.models import Dispute, Subscription, SubscriptionPayment

FIRST_PAYMENT = "first"

# (object type as Stripe names it, object id) → its page in the dashboard
DashboardLink = Callable[[str, str], str]


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a purchase's money, linked to Stripe's dashboard."""

    kind: str  # payment, payment_failed, renewal, renewal_failed, refund, dispute, canceled…
    at: datetime | None
    title: str
    badge: str
    currency: str
    amount_minor: int | None = None
    detail: str = ""
    object_id: str = ""
    url: str = ""
    # The payment's key for a refund from DealDesk ("first" or "r<renewal id>"), when it is one.
    refund_key: str = ""
    pending: bool = False


def payment_key(renewal: SubscriptionPayment | None = None) -> str:
    return f"r{renewal.pk}" if renewal is not None else FIRST_PAYMENT


def _refunded(refunds: tuple[Refund, ...], payment_intent_id: str) -> int:
    return sum(
        r.amount_minor
        for r in refunds
        if r.counts and payment_intent_id and r.stripe_payment_intent_id == payment_intent_id
    )


def purchase_timeline(
    *,
    purchase: Purchase,
    subscription: Subscription | None,
    renewals: tuple[SubscriptionPayment, ...],
    refunds: tuple[Refund, ...],
    disputes: tuple[Dispute, ...],
    link: DashboardLink,
) -> tuple[TimelineEntry, ...]:
    """First payment, renewals, failures, refunds, disputes and cancellation, oldest first."""
    first = _first_payment_entry(purchase, refunds, link)
    entries: list[TimelineEntry] = [first] if first is not None else []
    for renewal in renewals:
        paid = renewal.status == SubscriptionPaymentStatus.PAID
        renewal_intent = renewal.stripe_payment_intent_id
        refundable = paid and (
            not renewal_intent or renewal.amount_minor > _refunded(refunds, renewal_intent)
        )
        entries.append(
            TimelineEntry(
                kind="renewal" if paid else "renewal_failed",
                at=(renewal.paid_at if paid else renewal.invoiced_at) or renewal.invoiced_at,
                title=_("Renewal paid") if paid else _("Renewal failed"),
                badge="success" if paid else "danger",
                currency=renewal.currency,
                amount_minor=renewal.amount_minor,
                detail="" if paid else renewal.failure_code,
                object_id=renewal.stripe_invoice_id,
                url=link("invoice", renewal.stripe_invoice_id),
                refund_key=payment_key(renewal) if refundable else "",
            )
        )
    entries += [_refund_entry(refund, link) for refund in refunds if refund.counts]
    for dispute in disputes:
        entries.append(
            TimelineEntry(
                kind="dispute",
                at=dispute.disputed_at,
                title=_("Disputed"),
                badge="danger",
                currency=dispute.currency,
                amount_minor=dispute.amount_minor,
                detail=" · ".join(filter(None, (dispute.reason, dispute.status))),
                object_id=dispute.stripe_dispute_id,
                url=link("dispute", dispute.stripe_dispute_id),
            )
        )
    if subscription is not None:
        entries += _subscription_entries(subscription, purchase.currency, link)
    # Oldest first; anything without a time (never expected) at the end, in insertion order.
    return tuple(sorted(entries, key=lambda e: (e.at is None, e.at.timestamp() if e.at else 0.0)))


def _first_payment_entry(
    purchase: Purchase, refunds: tuple[Refund, ...], link: DashboardLink
) -> TimelineEntry | None:
    """The purchase's own payment once it was taken or failed; none while under way."""
    paid = purchase.status == PurchaseStatus.SUCCEEDED
    if not paid and purchase.status != PurchaseStatus.FAILED:
        return None
    intent = purchase.stripe_payment_intent_id
    amount = (purchase.amount_paid_minor or 0) if paid else purchase.amount_due_today_minor
    return TimelineEntry(
        kind="payment" if paid else "payment_failed",
        at=purchase.paid_at if paid else purchase.updated_at,
        title=_("Paid") if paid else _("Payment failed"),
        badge="success" if paid else "danger",
        currency=purchase.currency,
        amount_minor=amount,
        detail="" if paid else purchase.failure_message or purchase.failure_code,
        object_id=intent,
        url=link("payment_intent", intent) if intent else "",
        refund_key=FIRST_PAYMENT if paid and amount > _refunded(refunds, intent) else "",
    )


def _refund_entry(refund: Refund, link: DashboardLink) -> TimelineEntry:
    # Stripe's dashboard shows a refund on the page of the payment it gave money back from.
    if refund.stripe_payment_intent_id:
        object_type, object_id = "payment_intent", refund.stripe_payment_intent_id
    else:
        object_type, object_id = "charge", refund.stripe_charge_id
    requested = refund.is_requested
    reason = RefundReason(refund.reason).label if refund.reason in RefundReason.values else ""
    return TimelineEntry(
        kind="refund",
        at=refund.refunded_at or refund.requested_at,
        title=_("Refund requested…") if requested else _("Refunded"),
        badge="neutral" if requested else "warning",
        currency=refund.currency,
        amount_minor=refund.amount_minor,
        detail=" · ".join(
            filter(
                None,
                (
                    str(reason) or refund.reason,
                    "" if requested or refund.status == "succeeded" else refund.status,
                    refund.note,
                ),
            )
        ),
        object_id=refund.stripe_refund_id,
        url=link(object_type, object_id) if object_id else "",
        pending=requested,
    )


def _subscription_entries(
    subscription: Subscription, currency: str, link: DashboardLink
) -> list[TimelineEntry]:
    sub_id = subscription.stripe_subscription_id
    entries = []
    if subscription.cancel_requested_at is not None:
        who = subscription.cancel_requested_by
        entries.append(
            TimelineEntry(
                kind="cancel_requested",
                at=subscription.cancel_requested_at,
                title=_("Cancellation requested…")
                if subscription.cancel_pending
                else _("Cancellation requested"),
                badge="neutral",
                currency=currency,
                detail=" · ".join(
                    filter(
                        None,
                        (
                            subscription.get_cancel_requested_display(),
                            who.get_full_name() or who.email if who is not None else "",
                        ),
                    )
                ),
                object_id=sub_id,
                url=link("subscription", sub_id),
                pending=subscription.cancel_pending,
            )
        )
    if subscription.status == SubscriptionStatus.CANCELED:
        entries.append(
            TimelineEntry(
                kind="canceled",
                at=subscription.canceled_at,
                title=_("Subscription cancelled"),
                badge="neutral",
                currency=currency,
                object_id=sub_id,
                url=link("subscription", sub_id),
            )
        )
    return entries
