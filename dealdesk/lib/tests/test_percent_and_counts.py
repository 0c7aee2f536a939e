"""Percentages (basis points) and whole-number counts, read and written per language."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealdesk.lib.money import (
    MAX_PERCENT_BP,
    AmountParseError,
    PercentParseError,
    format_percent,
    format_percent_input,
    parse_percent,
    parse_whole_number,
)

rates = st.integers(min_value=0, max_value=MAX_PERCENT_BP)
languages = st.sampled_from(["en", "de"])


@pytest.mark.parametrize(
    ("basis_points", "en", "de"),
    [
        (1_000, "10", "10"),
        (1_050, "10.5", "10,5"),
        (1_005, "10.05", "10,05"),
        (0, "0", "0"),
        (10_000, "100", "100"),
        (2_000, "20", "20"),
        (150, "1.5", "1,5"),
        (1, "0.01", "0,01"),
    ],
)
def test_item1_percent_input_keeps_zeros_of_whole_numbers(
    basis_points: int, en: str, de: str
) -> None:
    assert format_percent_input(basis_points, "en") == en
    assert format_percent_input(basis_points, "de") == de


@pytest.mark.parametrize(
    ("basis_points", "en", "de"),
    [
        (1_900, "19%", "19\xa0%"),
        (750, "7.5%", "7,5\xa0%"),
        (1_000, "10%", "10\xa0%"),
        (10_000, "100%", "100\xa0%"),
        (0, "0%", "0\xa0%"),
        (1_005, "10.05%", "10,05\xa0%"),
    ],
)
def test_item3_percent_display_follows_cldr_with_no_break_space(
    basis_points: int, en: str, de: str
) -> None:
    assert format_percent(basis_points, "en") == en
    assert format_percent(basis_points, "de") == de


@given(basis_points=rates, language=languages)
def test_item3_displayed_percent_never_wraps(basis_points: int, language: str) -> None:
    assert " " not in format_percent(basis_points, language)


@given(basis_points=rates, language=languages)
def test_item1_percent_input_round_trips(basis_points: int, language: str) -> None:
    assert parse_percent(format_percent_input(basis_points, language), language) == basis_points


@given(basis_points=rates, language=languages)
def test_item3_what_is_displayed_can_be_typed_back(basis_points: int, language: str) -> None:
    assert parse_percent(format_percent(basis_points, language), language) == basis_points


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("19 %", "de", 1_900),
        ("19%", "de", 1_900),
        ("19\xa0%", "de", 1_900),
        ("19\u202f%", "de", 1_900),
        ("7,5 %", "de", 750),
        ("7.5", "de", 750),
        ("7.5%", "en", 750),
        ("7,5", "en", 750),
        ("10,50", "de", 1_050),
        ("100", "en", 10_000),
        ("0", "en", 0),
        (" 20 ", "en", 2_000),
        (",5", "de", 50),
    ],
)
def test_item3_percent_accepts_what_people_type(text: str, language: str, expected: int) -> None:
    assert parse_percent(text, language) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("sNaN", "invalid"),
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
        ("-Infinity", "out_of_range"),
        ("1e999999", "invalid"),
        ("1E-999999", "invalid"),
        ("%", "invalid"),
        (",", "invalid"),
        ("١٩", "invalid"),  # Arabic-Indic digits are not read as 19
        ("7,555", "too_many_decimals"),
        ("1.000", "too_many_decimals"),  # a German thousand is not 1 %
        ("100.01", "out_of_range"),
        ("-5", "out_of_range"),
        ("9" * 5000, "out_of_range"),
    ],
)
def test_item2_percent_refuses_non_numbers_before_arithmetic(text: str, code: str) -> None:
    for language in ("en", "de"):
        with pytest.raises(PercentParseError) as refused:
            parse_percent(text, language)
        assert refused.value.code == code


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("1", "en", 1),
        ("10", "de", 10),
        ("1000", "de", 1_000),
        ("1.000", "de", 1_000),
        ("1,000", "en", 1_000),
        ("1000000", "en", 1_000_000),
    ],
)
def test_whole_numbers_read_with_the_languages_grouping(
    text: str, language: str, expected: int
) -> None:
    assert parse_whole_number(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("1,5", "de"),  # one and a half, never 15
        ("1.5", "en"),
        ("1.5", "de"),
        ("1,000", "de"),
        ("1.000", "en"),  # never silently 1
        ("NaN", "en"),
        ("1e3", "en"),
        ("-1", "en"),
        ("", "en"),
    ],
)
def test_whole_numbers_refuse_fractions_and_other_text(text: str, language: str) -> None:
    with pytest.raises(AmountParseError):
        parse_whole_number(text, language)
