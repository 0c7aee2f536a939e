"""Stripe's documented test cards and `pm_card_*` ids, and what each one does."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str
    message: str


GENERIC_DECLINE = Decline("card_declined", "generic_decline", "Your card was declined.")
DECLINES = {
    "generic_decline": GENERIC_DECLINE,
    "insufficient_funds": Decline(
        "card_declined", "insufficient_funds", "Your card has insufficient funds."
    ),
    "lost_card": Decline("card_declined", "lost_card", "Your card was declined."),
    "expired_card": Decline("expired_card", "expired_card", "Your card has expired."),
    "incorrect_cvc": Decline(
        "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."
    ),
    "processing_error": Decline(
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    # Attaching works; charging the saved card fails.
    "charge_customer_fail": GENERIC_DECLINE,
}
# Declines that only happen when charging: saving (attaching) such a card works.
ATTACHABLE_DECLINES = frozenset({"insufficient_funds", "charge_customer_fail"})
AUTHENTICATION_REQUIRED = Decline(
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)

# Behaviours: "success", a DECLINES key, "3ds_setup" (authenticate once, then
# off-session payments succeed) or "3ds_always".
TEST_CARDS: dict[str, tuple[str, str, str]] = {
    # number: (brand, funding, behaviour)
    "4242424242424242": ("visa", "credit", "success"),
    "4000056655665556": ("visa", "debit", "success"),
    "5555555555554444": ("mastercard", "credit", "success"),
    "2223003122003222": ("mastercard", "credit", "success"),
    "378282246310005": ("amex", "credit", "success"),
    "6011111111111117": ("discover", "credit", "success"),
    "4000000000000002": ("visa", "credit", "generic_decline"),
    "4000000000009995": ("visa", "credit", "insufficient_funds"),
    "4000000000009987": ("visa", "credit", "lost_card"),
    "4000000000000069": ("visa", "credit", "expired_card"),
    "4000000000000127": ("visa", "credit", "incorrect_cvc"),
    "4000000000000119": ("visa", "credit", "processing_error"),
    "4000000000000341": ("visa", "credit", "charge_customer_fail"),
    "4000002500003155": ("visa", "credit", "3ds_setup"),
    "4000002760003184": ("visa", "credit", "3ds_always"),
    "4000000000003220": ("visa", "credit", "3ds_always"),
}

MAGIC_PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_discover": "6011111111111117",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_chargeCustomerFail": "4000000000000341",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecure2Required": "4000000000003220",
}


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or (
        number[:4].isdigit() and (2221 <= int(number[:4]) <= 2720)
    ):
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number.startswith(("6011", "65")):
        return "discover"
    return "unknown"


def describe(number: str) -> tuple[str, str, str]:
    """(brand, funding, behaviour) of a Luhn-valid card number."""
    return TEST_CARDS.get(number, (brand_of(number), "credit", "success"))


def needs_authentication(behaviour: str, *, off_session: bool, set_up: bool) -> bool:
    if behaviour == "3ds_always":
        return True
    # 4000 0025 0000 3155: once set up, later off-session payments need no 3DS.
    return behaviour == "3ds_setup" and not (off_session and set_up)
