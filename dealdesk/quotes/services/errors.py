"""Why a quote action was refused; ``str(error)`` is a message for the seller or buyer."""

from __future__ import annotations

from collections.abc import Sequence


class QuoteError(ValueError):
    """An action was refused; ``str(error)`` is a message for the seller or buyer."""


class DealHasNoLines(QuoteError):
    """R6: a quote is made from a deal's line items, so the deal needs at least one."""


class QuoteNotEditable(QuoteError):
    pass


class PaymentsUnavailable(QuoteError):
    """R2/R7: the workspace's Stripe account cannot take payments now."""


class FrequencyMismatch(QuoteError):
    """R10: with payment on, recurring lines must share one billing frequency."""


class PublishRefused(QuoteError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = list(problems)
