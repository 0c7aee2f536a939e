"""Purchases: a buyer pays a published quote from its page (R3, R9, R12, R13), exactly once.

Callers use this package as one API (``from dealdesk.payments.purchases import
purchase_settle``); the modules behind it are split by concept:

- ``start``: claim an attempt, then create or continue its charge on Stripe;
- ``charge``: Stripe's customer and intent or subscription for a claimed attempt;
- ``refusals``: why a buyer may not pay now, and the charge plan Stripe receives;
- ``settle``: record what Stripe says (never the browser) about the payment;
- ``cancel``: make an unpaid attempt unpayable when the seller takes the quote offline;
- ``billing``, ``errors``: the buyer's details, and the exceptions with buyer-safe messages.
"""

from dealdesk.payments.purchases.billing import Billing
from dealdesk.payments.purchases.cancel import purchase_cancel
from dealdesk.payments.purchases.errors import (
    PaidMeanwhile,
    PaymentProviderUnavailable,
    PurchaseRefused,
)
from dealdesk.payments.purchases.refusals import quote_charge_plan
from dealdesk.payments.purchases.settle import purchase_settle
from dealdesk.payments.purchases.start import purchase_start

__all__ = [
    "Billing",
    "PaidMeanwhile",
    "PaymentProviderUnavailable",
    "PurchaseRefused",
    "purchase_cancel",
    "purchase_settle",
    "purchase_start",
    "quote_charge_plan",
]
