"""Currency rules Stripe enforces on charges."""

from __future__ import annotations

ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])

# Minimum charge amounts in the smallest unit (Stripe's documented minimums).
MINIMUM_CHARGE = {
    "usd": 50,
    "eur": 50,
    "gbp": 30,
    "jpy": 50,
    "aud": 50,
    "cad": 50,
    "chf": 50,
    "dkk": 250,
    "nok": 300,
    "sek": 300,
    "pln": 200,
    "czk": 1500,
    "huf": 17500,
    "hkd": 400,
    "sgd": 50,
    "nzd": 50,
    "mxn": 1000,
    "brl": 50,
    "inr": 50,
    "ron": 200,
    "bgn": 100,
    "aed": 200,
    "thb": 1000,
    "myr": 200,
}


def exponent(currency: str) -> int:
    currency = currency.lower()
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def format_amount(amount: int, currency: str) -> str:
    """`format_amount(1999, "usd")` → `"19.99 USD"` (for messages and pages)."""
    places = exponent(currency)
    value = f"{amount / 10**places:.{places}f}" if places else str(amount)
    return f"{value} {currency.upper()}"


def charge_amount_problem(amount: int, currency: str) -> str | None:
    """Why Stripe would refuse to charge this amount, or None."""
    currency = currency.lower()
    if amount < 1:
        return "This value must be greater than or equal to 1."
    minimum = MINIMUM_CHARGE.get(currency, 50)
    if amount < minimum:
        return f"Amount must be at least {format_amount(minimum, currency)}"
    if currency in THREE_DECIMAL and amount % 10:
        return "Amounts in three-decimal currencies must end in 0."
    if amount > 99_999_999:
        return "Amount must be no more than 999,999.99"
    return None
