"""Why a buyer's payment did not start or a seller's cancel did not happen.

Messages in ``PurchaseRefused`` are for the buyer: no seller wording.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class PurchaseRefused(Exception):
    """The buyer cannot pay this quote now; nothing was charged. ``message`` is for the buyer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PaymentProviderUnavailable(Exception):
    """Stripe could not be reached; nothing was charged and starting again is safe."""

    def __init__(self) -> None:
        self.message = _("We could not reach the payment provider; nothing was charged. Try again.")
        super().__init__(self.message)


class PaidMeanwhile(Exception):
    """Stripe took (or is taking) the buyer's money for an attempt the seller wanted to cancel.

    The payment is recorded before this is raised; ``processing`` means Stripe has not
    finished yet (nothing to record so far).
    """

    def __init__(self, *, processing: bool) -> None:
        super().__init__("processing" if processing else "paid")
        self.processing = processing


def paid_refusal(succeeded: bool) -> PurchaseRefused:
    """The buyer's answer when Stripe has taken (or is taking) the payment already."""
    if succeeded:
        return PurchaseRefused("paid", _("This quote has already been paid."))
    return PurchaseRefused(
        "processing", _("Your payment is being processed. Reload this page in a few minutes.")
    )


def setup_refusal() -> PurchaseRefused:
    return PurchaseRefused(
        "stripe_refused",
        _("The payment could not be set up. Nothing was charged. Please contact the seller."),
    )
