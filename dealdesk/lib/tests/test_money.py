from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealdesk.lib.money import (
    CURRENCY_EXPONENTS,
    MAX_AMOUNT_MINOR,
    SUPPORTED_CURRENCIES,
    AmountParseError,
    CurrencyMismatch,
    InexactAmount,
    Money,
    UnknownCurrency,
    exponent,
    format_amount_input,
    format_money,
    from_decimal,
    parse_amount,
    stripe_amount_ok,
    to_decimal,
)

# One currency of each exponent, plus neighbours, for round-trip properties.
SAMPLE_CURRENCIES = ["JPY", "KRW", "EUR", "USD", "GBP", "BHD", "KWD"]
LOCALES = ["en", "de", "fr", "de_CH", "en_IN", "sv"]

amounts = st.integers(min_value=0, max_value=MAX_AMOUNT_MINOR)


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF", 0),
        ("EUR USD GBP CHF SEK NOK DKK PLN CZK HUF CAD AUD NZD SGD HKD INR BRL MXN ZAR AED", 2),
        ("BHD JOD KWD OMR TND", 3),
    ],
)
def test_exponent_table_matches_stripe(codes: str, expected: int) -> None:
    assert {code: exponent(code) for code in codes.split()} == dict.fromkeys(
        codes.split(), expected
    )


def test_exponent_accepts_any_case() -> None:
    assert exponent("jpy") == exponent("Jpy") == 0


@pytest.mark.parametrize("code", ["XXX", "ISK", "", "EURO", "eu"])
def test_unknown_currency_is_refused(code: str) -> None:
    with pytest.raises(UnknownCurrency):
        exponent(code)


def test_supported_currencies_are_sorted_table_keys() -> None:
    assert list(SUPPORTED_CURRENCIES) == sorted(CURRENCY_EXPONENTS)


def test_money_normalises_currency_and_rejects_non_int_amounts() -> None:
    assert Money(5, "eur") == Money(5, "EUR")
    for bad in (True, 1.5, Decimal(1), "1"):
        with pytest.raises(TypeError):
            Money(bad, "EUR")  # type: ignore[arg-type]
    with pytest.raises(UnknownCurrency):
        Money(5, "XXX")


def test_money_arithmetic_keeps_currency() -> None:
    assert Money(150, "EUR") + Money(50, "EUR") == Money(200, "EUR")
    assert Money(150, "EUR") - Money(200, "EUR") == Money(-50, "EUR")
    assert -Money(5, "JPY") == Money(-5, "JPY")
    assert Money.zero("BHD").is_zero and not Money(1, "BHD").is_zero
    assert Money(123456, "EUR").to_decimal() == Decimal("1234.56")


def test_money_refuses_mixed_currencies() -> None:
    with pytest.raises(CurrencyMismatch):
        Money(1, "EUR") + Money(1, "USD")
    with pytest.raises(CurrencyMismatch):
        Money(1, "EUR") - Money(1, "USD")
    with pytest.raises(TypeError):
        Money(1, "EUR") + 1  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "currency", "locale", "expected"),
    [
        ("1,234.56", "EUR", "en", 123456),
        ("1234.56", "EUR", "en", 123456),
        ("  12  ", "EUR", "en", 1200),
        ("12.5", "EUR", "en", 1250),
        ("12.50", "USD", "en-us", 1250),
        (".5", "EUR", "en", 50),
        ("€12.50", "EUR", "en", 1250),
        ("EUR 12.50", "EUR", "en", 1250),
        ("eur12", "EUR", "en", 1200),
        ("$1,234", "USD", "en", 123400),
        ("$12", "CAD", "en", 1200),
        ("1,235", "JPY", "en", 1235),
        ("¥1235", "JPY", "en", 1235),
        ("1.234", "BHD", "en", 1234),
        ("1.23", "BHD", "en", 1230),
        ("1,23,456.78", "INR", "en_IN", 12345678),
        ("1.234,56", "EUR", "de", 123456),
        ("1234,56", "EUR", "de", 123456),
        ("12,5", "EUR", "de", 1250),
        ("12", "EUR", "de", 1200),
        ("1.234,56\xa0€", "EUR", "de", 123456),
        ("€ 12,50", "EUR", "de", 1250),
        ("1.235", "JPY", "de", 1235),
        ("1,234", "BHD", "de", 1234),
        ("1 234,56", "EUR", "fr", 123456),
        ("1\u202f234,56", "EUR", "fr", 123456),
        ("1'234.50", "CHF", "de_CH", 123450),
        ("0", "EUR", "en", 0),
        ("999,999,999.99", "EUR", "en", MAX_AMOUNT_MINOR),
    ],
)
def test_parse_amount_reads_locale_numbers(
    text: str, currency: str, locale: str, expected: int
) -> None:
    assert parse_amount(text, currency, locale) == expected


@pytest.mark.parametrize(
    ("text", "currency", "locale", "code"),
    [
        ("", "EUR", "en", "empty"),
        ("   ", "EUR", "de", "empty"),
        ("abc", "EUR", "en", "invalid"),
        ("12a", "EUR", "en", "invalid"),
        ("€", "EUR", "en", "invalid"),
        ("$12", "EUR", "en", "invalid"),
        ("1,23.45", "EUR", "en", "invalid"),
        ("1.234.5", "EUR", "en", "invalid"),
        ("12,", "EUR", "en", "invalid"),
        ("12.", "EUR", "en", "invalid"),
        ("12.50", "EUR", "de", "invalid"),
        ("1e5", "EUR", "en", "invalid"),
        ("1_000", "EUR", "en", "invalid"),
        ("NaN", "EUR", "en", "invalid"),
        ("Infinity", "EUR", "en", "invalid"),
        ("١٢", "EUR", "en", "invalid"),
        ("+5", "EUR", "en", "invalid"),
        ("1.5", "JPY", "en", "too_many_decimals"),
        ("1,5", "JPY", "de", "too_many_decimals"),
        ("1.2345", "BHD", "en", "too_many_decimals"),
        ("12.345", "EUR", "en", "too_many_decimals"),
        ("-5", "EUR", "en", "negative"),
        ("\u22125", "EUR", "en", "negative"),
        ("-€5", "EUR", "en", "negative"),
        ("1,000,000,000.00", "EUR", "en", "too_large"),
        ("9" * 5000, "EUR", "en", "too_large"),
    ],
)
def test_parse_amount_refuses_with_error_code(
    text: str, currency: str, locale: str, code: str
) -> None:
    with pytest.raises(AmountParseError) as caught:
        parse_amount(text, currency, locale)
    assert caught.value.code == code
    assert str(caught.value)


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (123456, "EUR", "en", "€1,234.56"),
        (123456, "EUR", "de", "1.234,56\xa0€"),
        (1235, "JPY", "en", "¥1,235"),
        (1234, "BHD", "en", "BHD1.234"),
        (1230, "KWD", "de", "1,230\xa0KWD"),
        (0, "EUR", "en", "€0.00"),
        (-500, "USD", "en", "-$5.00"),
        (12345678, "INR", "en_IN", "₹1,23,456.78"),
    ],
)
def test_format_money_uses_currency_exponent(
    amount: int, currency: str, locale: str, expected: str
) -> None:
    assert format_money(amount, currency, locale) == expected


def test_format_amount_input_has_no_symbol() -> None:
    assert format_amount_input(123456, "EUR", "de") == "1.234,56"
    assert format_amount_input(123456, "EUR", "en") == "1,234.56"
    assert format_amount_input(1235, "JPY", "en") == "1,235"
    assert format_amount_input(5, "BHD", "de") == "0,005"


@given(amount=amounts, currency=st.sampled_from(SAMPLE_CURRENCIES), locale=st.sampled_from(LOCALES))
def test_amount_input_round_trips_through_parse(amount: int, currency: str, locale: str) -> None:
    assert parse_amount(format_amount_input(amount, currency, locale), currency, locale) == amount


@given(
    amount=amounts,
    currency=st.sampled_from(SAMPLE_CURRENCIES),
    locale=st.sampled_from(["en", "de"]),
)
def test_formatted_money_parses_back(amount: int, currency: str, locale: str) -> None:
    assert parse_amount(format_money(amount, currency, locale), currency, locale) == amount


@given(amount=st.integers(min_value=-(10**30), max_value=10**30))
def test_decimal_conversion_is_exact(amount: int) -> None:
    for currency in ("JPY", "EUR", "BHD"):
        value = to_decimal(amount, currency)
        assert value.as_tuple().exponent == -exponent(currency)
        assert from_decimal(value, currency) == amount


def test_from_decimal_accepts_exact_values() -> None:
    assert from_decimal(Decimal("12.5000"), "EUR") == 1250
    assert from_decimal(Decimal("1E+2"), "JPY") == 100
    assert from_decimal(Decimal("-0.010"), "BHD") == -10
    assert from_decimal(Decimal("0E-9"), "EUR") == 0


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        (Decimal("1.005"), "EUR"),
        (Decimal("0.5"), "JPY"),
        (Decimal("1.0001"), "BHD"),
        (Decimal("1E-1000000"), "EUR"),
        (Decimal("NaN"), "EUR"),
        (Decimal("Infinity"), "EUR"),
        (1.5, "EUR"),
    ],
)
def test_from_decimal_refuses_inexact_values(value: Decimal, currency: str) -> None:
    with pytest.raises(InexactAmount):
        from_decimal(value, currency)


def test_stripe_amount_ok_requires_trailing_zero_for_three_decimal_currencies() -> None:
    assert stripe_amount_ok(1230, "BHD")
    assert not stripe_amount_ok(1235, "BHD")
    assert stripe_amount_ok(1235, "EUR")
    assert stripe_amount_ok(1235, "JPY")
    assert not stripe_amount_ok(-10, "EUR")
