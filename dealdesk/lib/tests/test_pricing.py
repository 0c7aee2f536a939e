from dataclasses import fields
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealdesk.lib.money import MAX_AMOUNT_MINOR, UnknownCurrency
from dealdesk.lib.pricing import (
    MAX_QUANTITY,
    Amounts,
    DiscountKind,
    Interval,
    InvalidLine,
    InvalidRecurrence,
    LineInput,
    LinePrice,
    Recurrence,
    frequency_conflicts,
    price_line,
    price_lines,
)

MONTHLY = Recurrence(Interval.MONTH)
YEARLY = Recurrence(Interval.YEAR)
WEEKLY = Recurrence(Interval.WEEK)

recurrences = st.builds(
    Recurrence, st.sampled_from(Interval), st.integers(min_value=1, max_value=3)
)


@st.composite
def line_inputs(draw: st.DrawFn) -> LineInput:
    kind = draw(st.sampled_from(DiscountKind))
    if kind is DiscountKind.PERCENT:
        value = draw(st.integers(0, 10_000))
    elif kind is DiscountKind.AMOUNT:
        value = draw(st.integers(0, 10**12))
    else:
        value = 0
    return LineInput(
        quantity=draw(st.integers(1, MAX_QUANTITY)),
        unit_amount_minor=draw(st.integers(0, MAX_AMOUNT_MINOR)),
        discount_kind=kind,
        discount_value=value,
        tax_rate_bp=draw(st.integers(0, 10_000)),
        recurrence=draw(st.none() | recurrences),
    )


def _decimal_half_up(amount: int, basis_points: int) -> int:
    exact = Decimal(amount) * Decimal(basis_points) / Decimal(10_000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_price_line_adds_tax_on_top() -> None:
    line = LineInput(quantity=3, unit_amount_minor=1000, tax_rate_bp=1900)
    assert price_line(line) == LinePrice(subtotal=3000, discount=0, net=3000, tax=570, total=3570)


def test_percent_discount_and_tax_round_half_up_per_line() -> None:
    half = LineInput(1, 1, DiscountKind.PERCENT, 5000, tax_rate_bp=0)
    assert price_line(half).discount == 1  # 0.5 rounds up
    line = LineInput(1, 1005, DiscountKind.PERCENT, 1250, tax_rate_bp=1900)
    # discount 125.625 -> 126; net 879; tax 167.01 -> 167
    assert price_line(line) == LinePrice(1005, 126, 879, 167, 1046)
    assert price_line(LineInput(1, 50, tax_rate_bp=100)).tax == 1  # 0.5 rounds up


def test_amount_discount_is_capped_at_line_subtotal() -> None:
    line = LineInput(2, 300, DiscountKind.AMOUNT, 1000, tax_rate_bp=1900)
    assert price_line(line) == LinePrice(600, 600, 0, 0, 0)


def test_discount_kind_and_interval_accept_plain_strings() -> None:
    line = LineInput(1, 100, "percent", 1000, recurrence=Recurrence("month", 2))  # type: ignore[arg-type]
    assert line.discount_kind is DiscountKind.PERCENT
    assert line.recurrence == Recurrence(Interval.MONTH, 2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": MAX_QUANTITY + 1}, "quantity"),
        ({"unit_amount_minor": -1}, "unit_amount_minor"),
        ({"unit_amount_minor": MAX_AMOUNT_MINOR + 1}, "unit_amount_minor"),
        ({"discount_kind": "bogus"}, "discount_kind"),
        ({"discount_kind": DiscountKind.NONE, "discount_value": 5}, "discount_value"),
        ({"discount_kind": DiscountKind.PERCENT, "discount_value": 10_001}, "discount_value"),
        ({"discount_kind": DiscountKind.AMOUNT, "discount_value": -1}, "discount_value"),
        ({"tax_rate_bp": -1}, "tax_rate_bp"),
        ({"tax_rate_bp": 10_001}, "tax_rate_bp"),
        ({"recurrence": "month"}, "recurrence"),
    ],
)
def test_invalid_line_names_the_field(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"quantity": 1, "unit_amount_minor": 100, **kwargs}
    with pytest.raises(InvalidLine) as caught:
        LineInput(**values)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("interval", "longest"),
    [(Interval.DAY, 1095), (Interval.WEEK, 156), (Interval.MONTH, 36), (Interval.YEAR, 3)],
)
def test_recurrence_is_limited_to_three_years(interval: Interval, longest: int) -> None:
    assert Recurrence(interval, longest).interval_count == longest
    for bad in (0, -1, longest + 1):
        with pytest.raises(InvalidRecurrence):
            Recurrence(interval, bad)


def test_recurrence_refuses_unknown_interval_and_non_int_count() -> None:
    with pytest.raises(InvalidRecurrence):
        Recurrence("fortnight")  # type: ignore[arg-type]
    with pytest.raises(InvalidRecurrence):
        Recurrence(Interval.MONTH, True)


def test_recurrences_are_hashable_and_sort_shortest_first() -> None:
    assert len({Recurrence(Interval.MONTH), Recurrence("month"), MONTHLY}) == 1  # type: ignore[arg-type]
    given_order = [
        YEARLY,
        Recurrence(Interval.MONTH, 13),
        MONTHLY,
        Recurrence(Interval.DAY, 7),
        WEEKLY,
    ]
    expected = [
        Recurrence(Interval.DAY, 7),
        WEEKLY,
        MONTHLY,
        YEARLY,
        Recurrence(Interval.MONTH, 13),
    ]
    assert sorted(given_order, key=lambda r: r.sort_key) == expected


def test_totals_group_recurring_lines_shortest_interval_first() -> None:
    totals = price_lines(
        [
            LineInput(1, 10_000, tax_rate_bp=1900),
            LineInput(1, 12_000, recurrence=YEARLY),
            LineInput(2, 1_000, recurrence=MONTHLY),
            LineInput(1, 500, recurrence=MONTHLY),
        ],
        "eur",
    )
    assert totals.currency == "EUR"
    assert totals.due_once == Amounts(10_000, 0, 10_000, 1_900, 11_900)
    assert totals.recurring == (
        (MONTHLY, Amounts(2_500, 0, 2_500, 0, 2_500)),
        (YEARLY, Amounts(12_000, 0, 12_000, 0, 12_000)),
    )


def test_r12_due_today_includes_first_recurring_period() -> None:
    totals = price_lines([LineInput(1, 5_000), LineInput(1, 2_000, recurrence=MONTHLY)], "EUR")
    assert totals.due_today == 7_000


def test_no_lines_price_to_zero() -> None:
    totals = price_lines([], "JPY")
    assert totals.due_once == Amounts(0, 0, 0, 0, 0)
    assert totals.recurring == ()
    assert totals.due_today == 0


def test_price_lines_refuses_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency):
        price_lines([], "XXX")


@given(lines=st.lists(line_inputs(), max_size=8))
def test_lines_sum_to_totals(lines: list[LineInput]) -> None:
    totals = price_lines(lines, "EUR")
    groups = [totals.due_once, *(amounts for _, amounts in totals.recurring)]
    for name in ("subtotal", "discount", "net", "tax", "total"):
        line_sum = sum(getattr(price, name) for price in totals.lines)
        assert sum(getattr(amounts, name) for amounts in groups) == line_sum
    assert totals.due_today == sum(price.total for price in totals.lines)
    keys = [recurrence.sort_key for recurrence, _ in totals.recurring]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


@given(line=line_inputs())
def test_line_values_are_whole_non_negative_and_consistent(line: LineInput) -> None:
    price = price_line(line)
    for field in fields(price):
        value = getattr(price, field.name)
        assert type(value) is int and value >= 0
    assert price.subtotal == line.quantity * line.unit_amount_minor
    assert price.discount <= price.subtotal
    assert price.net == price.subtotal - price.discount
    assert price.total == price.net + price.tax
    assert price.tax == _decimal_half_up(price.net, line.tax_rate_bp)
    if line.discount_kind is DiscountKind.PERCENT:
        assert price.discount == _decimal_half_up(price.subtotal, line.discount_value)


def test_r10_frequency_conflicts_names_clashing_lines() -> None:
    assert frequency_conflicts([MONTHLY, None, YEARLY, MONTHLY]) == [2]
    assert frequency_conflicts([YEARLY, MONTHLY, MONTHLY, WEEKLY]) == [0, 3]


def test_r10_frequency_conflicts_empty_when_recurring_lines_agree() -> None:
    assert frequency_conflicts([]) == []
    assert frequency_conflicts([None, None]) == []
    assert frequency_conflicts([MONTHLY, None, Recurrence(Interval.MONTH, 1)]) == []


def test_r10_frequency_conflicts_tie_goes_to_first_seen() -> None:
    assert frequency_conflicts([None, YEARLY, MONTHLY, MONTHLY, YEARLY]) == [2, 3]
    assert frequency_conflicts([MONTHLY, Recurrence(Interval.MONTH, 3)]) == [1]
