"""Whether a buyer may pay a quote now (R13, R4, R2), and what Stripe would be asked for."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from dealdesk.payments.charge_plan import (
    ChargePlan,
    ChargePlanRefused,
    FrozenLine,
    RefusalCode,
    charge_plan,
)
from dealdesk.payments.models import StripeConnection
from dealdesk.payments.purchases.errors import PurchaseRefused
from dealdesk.payments.selectors import payment_readiness
from dealdesk.quotes import snapshots
from dealdesk.quotes.models import Quote, QuoteStatus

logger = logging.getLogger("dealdesk.payments.purchases")


def quote_charge_plan(quote: Quote) -> ChargePlan:
    """What Stripe receives for the published quote, from its frozen lines and totals."""
    lines = list(quote.lines.order_by("position", "pk"))
    prices = [line.frozen_price for line in lines]
    if not lines or any(price is None for price in prices):
        raise ChargePlanRefused(RefusalCode.TOTALS_MISMATCH, "The quote's lines are not frozen.")
    frozen = [
        FrozenLine(name=line.name, terms=line.as_line_input(), price=price)
        for line, price in zip(lines, prices, strict=True)
        if price is not None
    ]
    totals = snapshots.totals_from_json(quote.totals_snapshot, tuple(line.price for line in frozen))
    return charge_plan(lines=frozen, totals=totals, locale=quote.language)


def check_purchasable(
    quote: Quote, *, quote_version: int, now: datetime, paid: bool
) -> tuple[StripeConnection, ChargePlan]:
    """Every reason a buyer may not pay now (R13, R4, R2), checked on the locked row.

    ``paid``: whether one of the quote's purchases succeeded (the caller has read them).
    """
    contact = _("Please contact the seller.")
    if paid or quote.status == QuoteStatus.PAID:
        raise PurchaseRefused("paid", _("This quote has already been paid."))
    if quote.status == QuoteStatus.ARCHIVED:
        raise PurchaseRefused("archived", _("This quote is no longer available.") + " " + contact)
    if quote.status == QuoteStatus.RECALLED:
        raise PurchaseRefused(
            "recalled",
            _("The seller has withdrawn this quote, possibly to change it.") + " " + contact,
        )
    if quote.status != QuoteStatus.PUBLISHED:
        raise PurchaseRefused("unavailable", _("This quote cannot be paid online.") + " " + contact)
    if not quote.payment_enabled:
        raise PurchaseRefused("payment_off", _("This quote cannot be paid online.") + " " + contact)
    if quote.is_expired(now):
        expired_on = formats.date_format(quote.expires_on, "DATE_FORMAT")
        raise PurchaseRefused(
            "expired", _("This quote expired on %(date)s.") % {"date": expired_on} + " " + contact
        )
    if quote_version != quote.version:
        raise PurchaseRefused(
            "changed",
            _("This quote has changed since you opened it. Reload the page to see it as it is."),
        )
    readiness = payment_readiness(quote.workspace)
    connection = readiness.connection
    if connection is None or not readiness.can_accept_payments:
        raise PurchaseRefused(
            "revoked" if readiness.revoked else "account_not_ready",
            _("The seller cannot take online payments at the moment.") + " " + contact,
        )
    try:
        plan = quote_charge_plan(quote)
    except ChargePlanRefused as error:
        logger.warning("Quote %s cannot be charged: %s (%s)", quote.pk, error, error.code)
        message = _("This quote cannot be paid online.") + " " + contact
        raise PurchaseRefused("not_chargeable", message) from error
    return connection, plan
