"""Money: whole minor units plus an ISO 4217 code, parsed and formatted exactly.

An amount is always an ``int`` count of the currency's minor unit (cents, yen,
fils) next to an upper-case currency code. Floats never appear. Exponents come
from ``CURRENCY_EXPONENTS`` (Stripe's view, because that is what we charge in),
never from CLDR; Babel supplies only the locale's symbols and patterns.

Three-decimal currencies (BHD JOD KWD OMR TND): Stripe accepts only charge
amounts whose last digit is 0. Choice: pricing keeps exact minor units (what
the seller typed is what the quote shows) and nothing is rounded silently.
Every amount sent to Stripe must pass ``stripe_amount_ok``; quotes should
check it when publishing so the seller fixes prices before a buyer sees them.

ISK is deliberately missing: Stripe keeps it two-decimal in the API but only
accepts multiples of 100, which one exponent cannot express.

``MAX_AMOUNT_MINOR`` (99,999,999,999 minor units, e.g. 999,999,999.99 EUR or
99,999,999,999 JPY) caps what a seller can type. It keeps line arithmetic far
from PostgreSQL's bigint limit. Stripe's own per-charge maximum (8 digits for
most currencies) is lower and is checked where we charge, not here.
"""

import re
import unicodedata
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from babel import Locale
from babel.numbers import get_currency_symbol

_ZERO_DECIMAL = "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_DECIMAL = "BHD JOD KWD OMR TND"
_TWO_DECIMAL = (
    "AED ARS AUD BGN BRL CAD CHF CNY COP CZK DKK EGP EUR GBP HKD HUF IDR ILS INR "
    "KES MAD MXN MYR NGN NOK NZD PEN PHP PKR PLN QAR RON SAR SEK SGD THB TRY TWD "
    "UAH USD ZAR"
)

CURRENCY_EXPONENTS: Mapping[str, int] = {
    **dict.fromkeys(_TWO_DECIMAL.split(), 2),
    **dict.fromkeys(_ZERO_DECIMAL.split(), 0),
    **dict.fromkeys(_THREE_DECIMAL.split(), 3),
}
SUPPORTED_CURRENCIES: tuple[str, ...] = tuple(sorted(CURRENCY_EXPONENTS))
MAX_AMOUNT_MINOR = 99_999_999_999

ParseErrorCode = Literal["empty", "invalid", "too_many_decimals", "negative", "too_large"]


class UnknownCurrency(ValueError):
    """The code is not in CURRENCY_EXPONENTS."""


class CurrencyMismatch(ValueError):
    """Arithmetic between two different currencies."""


class InexactAmount(ValueError):
    """A decimal value has no exact representation in the currency's minor unit."""


class AmountParseError(ValueError):
    """A typed amount was refused; ``code`` says why, ``str(error)`` says it in English."""

    def __init__(self, code: ParseErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ParseErrorCode = code


def normalize_currency(currency: str) -> str:
    """Return the upper-case code, or raise UnknownCurrency."""
    code = currency.upper() if isinstance(currency, str) else ""
    if code not in CURRENCY_EXPONENTS:
        raise UnknownCurrency(f"Unknown currency {currency!r}.")
    return code


def exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (EUR 2, JPY 0, BHD 3)."""
    return CURRENCY_EXPONENTS[normalize_currency(currency)]


def _require_int(value: object, name: str) -> int:
    # bool is an int subclass; True cents is always a bug.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.")
    return value


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    """Exact major-unit value, e.g. (123456, "EUR") -> Decimal("1234.56")."""
    _require_int(amount_minor, "amount_minor")
    # Building from a string is exact; arithmetic would round to the context precision.
    return Decimal(f"{amount_minor}E-{exponent(currency)}")


def from_decimal(value: Decimal, currency: str) -> int:
    """Exact minor units of a major-unit Decimal; raises InexactAmount otherwise."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InexactAmount(f"{value!r} is not a finite Decimal.")
    sign, digits, exp = value.as_tuple()
    assert isinstance(exp, int)  # finite values have an int exponent
    number = int("".join(map(str, digits)))
    shift = exp + exponent(currency)
    if number == 0:
        return 0
    if shift > 20:
        raise InexactAmount(f"{value} is too large.")
    # Checking the length first avoids building 10**1000000 for Decimal("1E-1000000").
    scale: int = 10 ** abs(shift) if shift >= -len(digits) else 0
    if shift < 0 and (not scale or number % scale):
        raise InexactAmount(f"{value} has more decimals than {currency.upper()} allows.")
    minor = number * scale if shift >= 0 else number // scale
    return -minor if sign else minor


def stripe_amount_ok(amount_minor: int, currency: str) -> bool:
    """Whether Stripe accepts this charge amount's format (three-decimal ones end in 0)."""
    _require_int(amount_minor, "amount_minor")
    return amount_minor >= 0 and (exponent(currency) != 3 or amount_minor % 10 == 0)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount; ``currency`` is normalised to upper case on creation."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        _require_int(self.amount_minor, "amount_minor")
        object.__setattr__(self, "currency", normalize_currency(self.currency))

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(0, currency)

    @property
    def is_zero(self) -> bool:
        return self.amount_minor == 0

    def to_decimal(self) -> Decimal:
        return to_decimal(self.amount_minor, self.currency)

    def _same_currency(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"Cannot combine {self.currency} with {other.currency}.")

    def __add__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount_minor, self.currency)


# --- Locale-aware formatting and parsing -------------------------------------------------


@lru_cache(maxsize=64)
def _locale(code: str) -> Any:
    # Accept Django's "en-us" as well as Babel's "en_US".
    return Locale.parse(code.replace("-", "_"))


@lru_cache(maxsize=256)
def _pattern(locale: str, digits: int, with_symbol: bool) -> Any:
    loc = _locale(locale)
    base = loc.currency_formats["standard"] if with_symbol else loc.decimal_formats[None]
    pattern = copy(base)
    pattern.frac_prec = (digits, digits)  # our exponent, not CLDR's
    return pattern


@lru_cache(maxsize=64)
def _percent_pattern(locale: str) -> Any:
    pattern = copy(_locale(locale).percent_formats[None])
    pattern.frac_prec = (0, 2)  # basis points: at most two decimals of a percent
    return pattern


def format_money(amount_minor: int, currency: str, locale: str) -> str:
    """Display an amount with its symbol: (123456, "EUR", "de") -> "1.234,56 €"."""
    code = normalize_currency(currency)
    pattern = _pattern(locale, exponent(code), True)
    value = to_decimal(amount_minor, code)
    return str(pattern.apply(value, _locale(locale), currency=code, currency_digits=False))


def format_amount_input(amount_minor: int, currency: str, locale: str) -> str:
    """A form field value without symbol that parse_amount reads back: "1.234,56" in de."""
    pattern = _pattern(locale, exponent(currency), False)
    return str(pattern.apply(to_decimal(amount_minor, currency), _locale(locale)))


_MINUS_SIGNS = frozenset("-\u2212\u2012\u2013\ufe63\uff0d")
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c"))
_SPACES = frozenset(" \xa0\u202f\u2009")
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: \d would accept other scripts' digits


@lru_cache(maxsize=256)
def _currency_tokens(code: str, locale: str) -> tuple[str, ...]:
    symbol = str(get_currency_symbol(code, _locale(locale)))
    # "CA$", "R$", "US$" -> also accept a bare "$" for that currency.
    bare = "".join(ch for ch in symbol if unicodedata.category(ch) == "Sc")
    return tuple(sorted({code, symbol, bare} - {""}, key=len, reverse=True))


def _strip_currency(text: str, code: str, locale: str) -> str:
    for token in _currency_tokens(code, locale):
        if text[: len(token)].upper() == token.upper():
            text = text[len(token) :].strip()
            break
    for token in _currency_tokens(code, locale):
        if len(text) > len(token) and text[-len(token) :].upper() == token.upper():
            text = text[: -len(token)].strip()
            break
    return text


def _ungroup(text: str, code: str, locale: str) -> str:
    loc = _locale(locale)
    group = str(loc.number_symbols["latn"]["group"])
    if group in _SPACES:  # people type any kind of space
        text = "".join(group if ch in _SPACES else ch for ch in text)
    if group == "\u2019":  # de_CH: accept the plain apostrophe on keyboards
        text = text.replace("'", group)
    parts = text.split(group)
    if not all(_DIGITS.fullmatch(part) for part in parts):
        raise AmountParseError("invalid", "Enter a number.")
    if len(parts) > 1:
        primary, secondary = loc.decimal_formats[None].grouping
        if not (
            len(parts[-1]) == primary
            and all(len(part) == secondary for part in parts[1:-1])
            and len(parts[0]) <= secondary
        ):
            example = format_amount_input(1_234_567 * 10 ** exponent(code), code, locale)
            raise AmountParseError("invalid", f"Enter a number like {example}.")
    return "".join(parts)


def parse_amount(text: str, currency: str, locale: str) -> int:
    """Minor units from a seller's typed amount, read with the locale's symbols.

    "1.234,56" (de) and "1,234.56" (en) both give 123456 for EUR. Grouping is
    optional but must sit in the right places when used, so "12.50" in de is
    refused rather than guessed. A currency symbol or code may surround the
    number. Raises AmountParseError with ``code`` set.
    """
    code = normalize_currency(currency)
    digits = exponent(code)
    body = text.translate(_BIDI_MARKS).strip()
    if not body:
        raise AmountParseError("empty", "Enter an amount.")
    body = _strip_currency(body, code, locale)
    negative = bool(body) and body[0] in _MINUS_SIGNS
    if negative:
        body = _strip_currency(body[1:].strip(), code, locale)
    if not body:
        raise AmountParseError("invalid", "Enter a number.")

    decimal_symbol = str(_locale(locale).number_symbols["latn"]["decimal"])
    whole, separator, fraction = body.partition(decimal_symbol)
    if separator and not _DIGITS.fullmatch(fraction):
        raise AmountParseError("invalid", "Enter a number.")
    whole = _ungroup(whole, code, locale) if whole or not separator else "0"
    if negative:
        raise AmountParseError("negative", "The amount can't be negative.")
    if len(fraction) > digits:
        places = f"at most {digits} decimal places" if digits else "no decimal places"
        raise AmountParseError("too_many_decimals", f"{code} amounts have {places}.")
    if len(whole.lstrip("0")) > 15:  # also keeps int() away from huge inputs
        raise AmountParseError("too_large", "The amount is too large.")
    scale: int = 10**digits
    minor = int(whole) * scale + int(fraction.ljust(digits, "0") or "0")
    if minor > MAX_AMOUNT_MINOR:
        raise AmountParseError("too_large", "The amount is too large.")
    return minor


def parse_whole_number(text: str, locale: str) -> int:
    """A count such as a quantity: "1.000" in de and "1,000" in en are a thousand.

    Decimals are refused rather than truncated, so "1,5" never becomes 15 or 1.
    Raises AmountParseError ("empty", "invalid", "negative" or "too_large").
    """
    body = text.translate(_BIDI_MARKS).strip()
    if not body:
        raise AmountParseError("empty", "Enter a number.")
    if body[0] in _MINUS_SIGNS:
        raise AmountParseError("negative", "The number can't be negative.")
    digits = _ungroup(body, "EUR", locale)
    if len(digits.lstrip("0")) > 15:
        raise AmountParseError("too_large", "The number is too large.")
    return int(digits)


# --- Percentages, stored as basis points (1900 = 19 %) -----------------------------------

MAX_PERCENT_BP = 10_000
_PERCENT_BODY = re.compile(r"([0-9]*)(?:[.,]([0-9]*))?")

PercentErrorCode = Literal["invalid", "too_many_decimals", "out_of_range"]


class PercentParseError(ValueError):
    """A typed percentage was refused; ``code`` says why."""

    def __init__(self, code: PercentErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: PercentErrorCode = code


def format_percent(basis_points: int, locale: str) -> str:
    """Display a rate: 1950 -> "19.5%" (en), "19,5 %" (de)."""
    # CLDR's pattern per locale (de puts a space before %); any space becomes a
    # no-break space so "19" and "%" never land on different lines.
    _require_int(basis_points, "basis_points")
    text = str(_percent_pattern(locale).apply(Decimal(f"{basis_points}E-4"), _locale(locale)))
    return "".join("\xa0" if ch in _SPACES else ch for ch in text)


def format_percent_input(basis_points: int, locale: str) -> str:
    """A form field value that parse_percent reads back: 1000 -> "10", 1050 -> "10,5" (de)."""
    _require_int(basis_points, "basis_points")
    sign = "-" if basis_points < 0 else ""
    whole, hundredths = divmod(abs(basis_points), 100)
    if not hundredths:
        return f"{sign}{whole}"
    decimal_symbol = str(_locale(locale).number_symbols["latn"]["decimal"])
    return f"{sign}{whole}{decimal_symbol}{f'{hundredths:02d}'.rstrip('0')}"


def parse_percent(text: str, locale: str) -> int:
    """Basis points from a typed rate: "19", "7,5 %", "7.5%" -> 1900, 750, 750.

    Either "." or "," marks the decimals in every language: with at most two
    decimals and at most 100 %, neither can be mistaken for grouping. Only
    ASCII digits are read, so "NaN", "Infinity" or "1e999999" never reach
    arithmetic. ``locale`` is accepted for symmetry with parse_amount.
    """
    body = text.translate(_BIDI_MARKS).strip()
    body = body.removesuffix("%").removesuffix("\uff05").strip()
    if body and body[0] in _MINUS_SIGNS:
        raise PercentParseError("out_of_range", "Enter a percentage between 0 and 100.")
    match = _PERCENT_BODY.fullmatch(body)
    if not match or not (match[1] or match[2]):
        raise PercentParseError("invalid", "Enter a percentage such as 19 or 7.5.")
    whole, fraction = match[1], match[2] or ""
    if len(fraction) > 2:
        raise PercentParseError("too_many_decimals", "Use at most two decimal places.")
    if len(whole.lstrip("0")) > 3:
        raise PercentParseError("out_of_range", "Enter a percentage between 0 and 100.")
    basis_points = int(whole or "0") * 100 + int(fraction.ljust(2, "0"))
    if basis_points > MAX_PERCENT_BP:
        raise PercentParseError("out_of_range", "Enter a percentage between 0 and 100.")
    return basis_points
