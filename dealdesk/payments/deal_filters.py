"""Which deals are in which payment state, for the deal list's filter.

Each state is a condition over the deal's quotes' purchases (and their subscriptions),
evaluated by PostgreSQL inside the list's own query: filtering adds no query.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dealdesk.crm.models import Deal
from dealdesk.payments.models import (
    PURCHASE_IN_FLIGHT,
    Purchase,
    PurchaseStatus,
    SubscriptionStatus,
)

PAYMENT_STATUSES = (
    ("paid", _("Paid")),
    ("awaiting", _("Awaiting payment")),
    ("failed", _("Payment failed")),
    ("subscription_active", _("Subscription active")),
    ("subscription_past_due", _("Subscription past due")),
    ("subscription_canceled", _("Subscription cancelled")),
    ("none", _("No purchase")),
)


def _purchases(**conditions: object) -> Exists:
    return Exists(Purchase.objects.filter(quote__deal=OuterRef("pk"), **conditions))


def deals_by_payment_status(deals: QuerySet[Deal], status: str) -> QuerySet[Deal]:
    """``deals`` narrowed to one of PAYMENT_STATUSES (unknown values leave them as they are).

    Paid wins over the attempts that failed or wait before it: a deal whose quote was paid
    is "paid", not "failed", whatever earlier attempts did.
    """
    paid = _purchases(status=PurchaseStatus.SUCCEEDED)
    conditions = {
        "paid": Q(paid),
        "awaiting": Q(_purchases(status__in=PURCHASE_IN_FLIGHT)) & ~Q(paid),
        "failed": Q(_purchases(status=PurchaseStatus.FAILED)) & ~Q(paid),
        "subscription_active": Q(
            _purchases(
                subscription__status__in=(SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING)
            )
        ),
        "subscription_past_due": Q(
            _purchases(
                subscription__status__in=(SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID)
            )
        ),
        "subscription_canceled": Q(_purchases(subscription__status=SubscriptionStatus.CANCELED)),
        "none": ~Q(_purchases()),
    }
    condition = conditions.get(status)
    return deals.filter(condition) if condition is not None else deals
