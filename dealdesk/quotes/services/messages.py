"""Quote rules in the seller's words: what stops a quote from taking payments or going online."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.utils.translation import gettext as _

from dealdesk.catalog.labels import billing_label
from dealdesk.lib.money import stripe_amount_ok
from dealdesk.lib.pricing import price_lines
from dealdesk.payments.selectors import PaymentReadiness
from dealdesk.quotes import rules
from dealdesk.quotes.models import Quote, QuoteLine


def frequency_message(clash: rules.FrequencyClash) -> str:
    """R10 in the seller's words, naming the clashing lines."""
    items = ", ".join(
        _("“%(name)s” (%(billing)s)") % {"name": name, "billing": billing_label(recurrence)}
        for name, recurrence in clash.clashing
    )
    return _(
        "To take payments, all recurring items must be billed on one schedule. "
        "These items are not billed “%(expected)s” like the others: %(items)s. Change "
        "their billing or remove them, or leave payments off."
    ) % {"expected": billing_label(clash.expected), "items": items}


def frequency_problem(lines: Iterable[QuoteLine]) -> str:
    clash = rules.frequency_clash([(line.name, line.recurrence) for line in lines])
    return frequency_message(clash) if clash else ""


def publish_problems(
    *,
    quote: Quote,
    lines: Sequence[QuoteLine],
    now: datetime,
    readiness: PaymentReadiness | None,
) -> list[str]:
    """Everything that stops a quote from being published, as messages (empty: go ahead)."""
    problems = []
    if not lines:
        problems.append(_("Add at least one line item."))
    if quote.is_expired(now):
        problems.append(_("The expiration date has passed. Choose a later date."))
    if quote.payment_enabled:
        if readiness is not None and not readiness.can_accept_payments:
            problems.append(readiness.reason)
        problem = frequency_problem(lines)
        if problem:
            problems.append(problem)
        if lines:
            totals = price_lines([line.as_line_input() for line in lines], quote.currency)
            amounts = [totals.due_today, *(a.total for _, a in totals.recurring)]
            if not all(stripe_amount_ok(amount, quote.currency) for amount in amounts):
                problems.append(
                    _("Stripe charges %(currency)s only in multiples of 10 of its smallest unit.")
                    % {"currency": quote.currency}
                )
    return problems
