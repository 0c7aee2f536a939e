"""The charge plan against an independent model of Stripe's invoice arithmetic.

``stripe_invoice_total`` reads the parameters the plan sends (not the plan's own
sums) and computes what Stripe documents: a line is unit amount x quantity
rounded to the minor unit; an inclusive TaxRate shows the part of the line that
is tax and leaves the total alone; an exclusive one adds tax on top, per line.
Where Stripe's documentation leaves the rounding open (ties, rounding the tax
or the net), every reading is checked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealdesk.lib.money import exponent
from dealdesk.lib.pricing import (
    MAX_QUANTITY,
    Amounts,
    DiscountKind,
    Interval,
    LineInput,
    Recurrence,
    Totals,
    price_lines,
)
from dealdesk.payments.charge_plan import (
    ChargeKind,
    ChargePlan,
    ChargePlanRefused,
    FrozenLine,
    RefusalCode,
    charge_plan,
    name_product_key,
    tax_rate_percentage,
)
from dealdesk.quotes.rules import frequency_clash

MONTHLY = Recurrence(Interval.MONTH)
YEARLY = Recurrence(Interval.YEAR)
TIMES, MINUS = "\N{MULTIPLICATION SIGN}", "\N{MINUS SIGN}"

# --- A model of Stripe's arithmetic --------------------------------------------------------


@dataclass(frozen=True)
class TaxRounding:
    """One reading of how Stripe rounds a tax amount."""

    ties: str  # a decimal rounding mode
    round_net: bool  # inclusive: round the net and subtract, instead of rounding the tax


READINGS = [
    TaxRounding(ROUND_HALF_UP, round_net=False),  # Stripe's documented "commercial" rounding
    TaxRounding(ROUND_HALF_EVEN, round_net=False),
    TaxRounding(ROUND_HALF_UP, round_net=True),
    TaxRounding(ROUND_HALF_EVEN, round_net=True),
]


@dataclass(frozen=True)
class StripeTaxRate:
    percentage: Decimal
    inclusive: bool


@dataclass(frozen=True)
class StripeInvoices:
    due_today: int  # the first invoice, or the PaymentIntent's amount
    per_period: int  # every later invoice
    line_amounts: dict[str, int]  # by the plan's quote_line metadata
    line_taxes: dict[str, int]


def _to_int(value: Decimal, rounding: str) -> int:
    return int(value.to_integral_value(rounding=rounding))


def _stripe_line(
    params: dict[str, Any], rates: dict[str, StripeTaxRate], reading: TaxRounding
) -> tuple[int, int, int]:
    """(amount, tax shown, tax added on top) of one invoice line."""
    price = params["price_data"]
    unit = Decimal(str(price.get("unit_amount_decimal", price.get("unit_amount"))))
    amount = _to_int(unit * params.get("quantity", 1), ROUND_HALF_UP)
    shown = added = 0
    for rate_id in params.get("tax_rates", []):
        rate = rates[rate_id]
        share = rate.percentage / 100
        if not rate.inclusive:
            tax = _to_int(amount * share, reading.ties)
            added += tax
        elif reading.round_net:
            tax = amount - _to_int(amount / (1 + share), reading.ties)
        else:
            tax = _to_int(amount * share / (1 + share), reading.ties)
        shown += tax
    return amount, shown, added


def stripe_invoice_total(
    plan: ChargePlan,
    reading: TaxRounding = READINGS[0],
    *,
    inclusive: bool = True,
) -> StripeInvoices:
    """What Stripe charges for the plan's parameters (TaxRates created as ``inclusive``)."""
    if plan.kind is ChargeKind.PAYMENT:
        return StripeInvoices(plan.due_today, 0, {}, {})
    tax_rate_ids = {bp: f"txr_{bp}" for bp in plan.tax_rates}
    rates = {
        f"txr_{bp}": StripeTaxRate(tax_rate_percentage(bp), inclusive) for bp in plan.tax_rates
    }
    products = {item.product_key: f"prod_{item.position}" for item in plan.one_time}
    products |= {item.product_key: f"prod_{item.position}" for item in plan.recurring}
    amounts: dict[str, int] = {}
    taxes: dict[str, int] = {}
    totals = {"items": 0, "add_invoice_items": 0}
    for where, lines in (
        ("items", plan.subscription_items(products, tax_rate_ids)),
        ("add_invoice_items", plan.add_invoice_items(products, tax_rate_ids)),
    ):
        for params in lines:
            amount, shown, added = _stripe_line(params, rates, reading)
            key = params["metadata"]["quote_line"]
            amounts[key], taxes[key] = amount, shown
            totals[where] += amount + added
    return StripeInvoices(
        due_today=totals["items"] + totals["add_invoice_items"],
        per_period=totals["items"],
        line_amounts=amounts,
        line_taxes=taxes,
    )


# --- Quotes --------------------------------------------------------------------------------

CURRENCIES = ["JPY", "EUR", "USD", "KWD"]
MINIMUMS = {"JPY": 50, "EUR": 50, "USD": 50}  # Stripe's documented minimums for these


def frozen(inputs: list[LineInput], currency: str) -> tuple[list[FrozenLine], Totals]:
    """Price and freeze lines the way publishing does."""
    totals = price_lines(inputs, currency)
    lines = [
        FrozenLine(name=f"Item {i}", terms=terms, price=price)
        for i, (terms, price) in enumerate(zip(inputs, totals.lines, strict=True))
    ]
    return lines, totals


def plan_for(inputs: list[LineInput], currency: str = "EUR", locale: str = "en") -> ChargePlan:
    lines, totals = frozen(inputs, currency)
    return charge_plan(lines=lines, totals=totals, locale=locale)


def refused(inputs: list[LineInput], currency: str = "EUR") -> ChargePlanRefused:
    with pytest.raises(ChargePlanRefused) as info:
        plan_for(inputs, currency)
    return info.value


@st.composite
def line_inputs(draw: st.DrawFn, schedule: Recurrence, coarse: bool) -> LineInput:
    """A line; ``coarse`` keeps every amount in whole 10s (three-decimal: Stripe takes them)."""
    kind = draw(st.sampled_from(DiscountKind))
    if kind is DiscountKind.PERCENT:
        percents = [0, 1000, 5000, 10_000]
        value = draw(st.sampled_from(percents) if coarse else st.integers(0, 10_000))
    elif kind is DiscountKind.AMOUNT:
        value = draw(st.integers(0, 10**5)) * (100 if coarse else 1)
    else:
        value = 0
    few = draw(st.integers(0, 9))  # mostly a handful; sometimes up to the maximum
    taxes = st.sampled_from([0, 1000, 2000]) if coarse else st.sampled_from([0, 700, 1900, 2000])
    return LineInput(
        quantity=draw(st.integers(1, 20) if few else st.integers(1, MAX_QUANTITY)),
        unit_amount_minor=draw(st.integers(0, 10**4)) * (1000 if coarse else 1),
        discount_kind=kind,
        discount_value=value,
        tax_rate_bp=draw(taxes | st.integers(0, 10_000) if not coarse else taxes),
        recurrence=draw(st.sampled_from([None, schedule])),
    )


@st.composite
def quotes(draw: st.DrawFn) -> tuple[list[LineInput], str]:
    currency = draw(st.sampled_from(CURRENCIES))
    coarse = exponent(currency) == 3 and draw(st.booleans())
    schedule = Recurrence(draw(st.sampled_from(Interval)), draw(st.integers(1, 3)))
    count = draw(st.integers(1, 6) | st.integers(19, 23))
    return [draw(line_inputs(schedule, coarse)) for _ in range(count)], currency


def expected_refusals(inputs: list[LineInput], totals: Totals) -> set[RefusalCode]:
    """Stripe's limits restated from its documentation, independently of the plan."""
    once = [p.total for t, p in zip(inputs, totals.lines, strict=True) if t.recurrence is None]
    again = [p.total for t, p in zip(inputs, totals.lines, strict=True) if t.recurrence]
    due, currency = totals.due_today, totals.currency
    reasons = set()
    if due == 0:
        reasons.add(RefusalCode.NOTHING_TO_PAY)
    if again and (len(again) > 20 or len(once) > 20):
        reasons.add(RefusalCode.TOO_MANY_ITEMS)
    if exponent(currency) == 3 and any(a % 10 for a in (once + again if again else [due])):
        reasons.add(RefusalCode.AMOUNT_NOT_CHARGEABLE)
    minimum = MINIMUMS.get(currency, 1)
    if due < minimum or 0 < sum(again) < minimum:
        reasons.add(RefusalCode.BELOW_MINIMUM)
    if due > 99_999_999:
        reasons.add(RefusalCode.ABOVE_MAXIMUM)
    return reasons


# --- Properties ----------------------------------------------------------------------------


@settings(max_examples=300)
@given(quotes())
def test_stripe_charges_exactly_the_quote_totals_or_the_plan_refuses_why(
    quote: tuple[list[LineInput], str],
) -> None:
    inputs, currency = quote
    lines, totals = frozen(inputs, currency)
    reasons = expected_refusals(inputs, totals)
    try:
        plan = charge_plan(lines=lines, totals=totals, locale="en")
    except ChargePlanRefused as refusal:
        assert refusal.code in reasons
        return
    assert not reasons
    recurring_total = sum(amounts.total for _, amounts in totals.recurring)
    assert plan.due_today == totals.due_today
    assert plan.recurring_per_period == recurring_total
    items = plan.one_time + plan.recurring
    assert sum(item.amount for item in items) == totals.due_today
    assert all(item.amount >= 0 and 0 <= item.tax <= item.amount for item in items)
    for reading in READINGS:
        stripe = stripe_invoice_total(plan, reading)
        assert stripe.due_today == totals.due_today
        assert stripe.per_period == recurring_total
        if plan.kind is ChargeKind.SUBSCRIPTION:
            # Each line, and the tax Stripe shows on it, reads as on the quote.
            assert stripe.line_amounts == {str(i): p.total for i, p in enumerate(totals.lines)}
            assert stripe.line_taxes == {str(i): p.tax for i, p in enumerate(totals.lines)}


@given(quotes(), st.sampled_from([YEARLY, Recurrence(Interval.WEEK, 2)]))
def test_r10_mixed_frequencies_refused_with_the_rules_clash(
    quote: tuple[list[LineInput], str], other: Recurrence
) -> None:
    inputs, currency = quote
    schedule = next((t.recurrence for t in inputs if t.recurrence), MONTHLY)
    if schedule == other:
        other = MONTHLY
    inputs = [*inputs, dataclasses.replace(inputs[0], recurrence=schedule)]
    inputs += [dataclasses.replace(inputs[0], recurrence=other)]
    lines, totals = frozen(inputs, currency)
    with pytest.raises(ChargePlanRefused) as info:
        charge_plan(lines=lines, totals=totals, locale="en")
    assert info.value.code is RefusalCode.MIXED_FREQUENCIES
    assert info.value.clash == frequency_clash([(ln.name, ln.terms.recurrence) for ln in lines])


@given(quotes(), st.integers(1, 3))
def test_lines_that_do_not_add_up_to_the_frozen_totals_are_refused(
    quote: tuple[list[LineInput], str], shift: int
) -> None:
    inputs, currency = quote
    lines, totals = frozen(inputs, currency)
    once = totals.due_once
    tampered = dataclasses.replace(
        totals, due_once=dataclasses.replace(once, total=once.total + shift)
    )
    with pytest.raises(ChargePlanRefused) as info:
        charge_plan(lines=lines, totals=tampered, locale="en")
    assert info.value.code is RefusalCode.TOTALS_MISMATCH


# --- Examples ------------------------------------------------------------------------------


def test_one_time_quote_is_one_payment_of_the_total_with_0_and_100_percent_discounts() -> None:
    plan = plan_for(
        [
            LineInput(quantity=3, unit_amount_minor=1000, tax_rate_bp=2000),
            LineInput(1, 5000, DiscountKind.PERCENT, 10_000, tax_rate_bp=1900),
            LineInput(2, 2500, DiscountKind.PERCENT, 0, tax_rate_bp=700),
        ]
    )
    assert plan.kind is ChargeKind.PAYMENT and plan.recurrence is None
    # 3 x 10.00 + 20 % = 36.00; 100 % off = 0.00; 2 x 25.00 + 7 % = 53.50
    assert [item.amount for item in plan.one_time] == [3600, 0, 5350]
    assert plan.due_today == 8950 and plan.recurring_per_period == 0
    assert (
        plan.one_time[1].description
        == f"Item 1: 1 {TIMES} €50.00 {MINUS} 100% = €0.00 + 19% = €0.00"
    )
    assert plan.one_time[2].description == f"Item 2: 2 {TIMES} €25.00 = €50.00 + 7% = €53.50"


def test_recurring_quote_sends_items_and_add_invoice_items_at_quantity_1() -> None:
    plan = plan_for(
        [
            LineInput(3, 1000, DiscountKind.PERCENT, 1000, 1900),  # 27.00 + 5.13
            LineInput(2, 4990, tax_rate_bp=700, recurrence=MONTHLY),  # 99.80 + 6.99 (6.986)
            LineInput(1, 1000, DiscountKind.AMOUNT, 250, recurrence=MONTHLY),  # 7.50
        ]
    )
    assert plan.kind is ChargeKind.SUBSCRIPTION and plan.recurrence == MONTHLY
    assert plan.due_today == 3213 + 10679 + 750 and plan.recurring_per_period == 10679 + 750
    assert plan.tax_rates == (700, 1900)
    products = {
        item.product_key: f"prod_{item.position}" for item in plan.one_time + plan.recurring
    }
    items = plan.subscription_items(products, {700: "txr_7", 1900: "txr_19"})
    assert items[0] == {
        "price_data": {
            "currency": "eur",
            "product": "prod_1",
            "unit_amount": 10679,
            "recurring": {"interval": "month", "interval_count": 1},
        },
        "quantity": 1,
        "metadata": {
            "quote_line": "1",
            "description": f"Item 1: 2 {TIMES} €49.90 = €99.80 + 7% = €106.79",
        },
        "tax_rates": ["txr_7"],
    }
    assert "tax_rates" not in items[1]
    assert items[1]["metadata"]["description"] == f"Item 2: 1 {TIMES} €10.00 {MINUS} €2.50 = €7.50"
    [extra] = plan.add_invoice_items(products, {700: "txr_7", 1900: "txr_19"})
    assert extra["price_data"] == {"currency": "eur", "product": "prod_0", "unit_amount": 3213}
    assert extra["tax_rates"] == ["txr_19"]
    # Without TaxRates on the account the amounts are the same.
    assert "tax_rates" not in plan.add_invoice_items(products, None)[0]


def test_jpy_has_no_decimals_and_a_minimum_of_50_yen() -> None:
    plan = plan_for([LineInput(3, 1000, DiscountKind.PERCENT, 1000, 1000)], "JPY", "de")
    assert plan.due_today == 2970  # 2,700 net + 270 tax
    assert plan.one_time[0].description == (
        f"Item 0: 3 {TIMES} 1.000\xa0¥ {MINUS} 10\xa0% = 2.700\xa0¥ + 10\xa0% = 2.970\xa0¥"
    )
    assert plan_for([LineInput(1, 50)], "JPY").due_today == 50
    assert refused([LineInput(1, 49)], "JPY").code is RefusalCode.BELOW_MINIMUM


def test_kwd_amounts_sent_to_stripe_must_end_in_0() -> None:
    plan = plan_for([LineInput(2, 1250, tax_rate_bp=2000, recurrence=MONTHLY)], "KWD")
    assert plan.due_today == 3000  # 2.500 + 20 % = 3.000
    stripe = stripe_invoice_total(plan)
    assert (stripe.due_today, stripe.per_period, stripe.line_taxes) == (3000, 3000, {"0": 500})
    # 2.500 + 7 % = 2.675: Stripe would refuse the last fils.
    too_fine = refused([LineInput(2, 1250, tax_rate_bp=700)], "KWD")
    assert too_fine.code is RefusalCode.AMOUNT_NOT_CHARGEABLE
    # Every amount sent counts, even when the lines' sum ends in 0.
    split = [LineInput(1, 1005, recurrence=MONTHLY), LineInput(1, 1005)]
    assert refused(split, "KWD").code is RefusalCode.AMOUNT_NOT_CHARGEABLE


def test_a_free_quote_is_nothing_to_pay() -> None:
    free = [LineInput(1, 1000, DiscountKind.PERCENT, 10_000, recurrence=MONTHLY)]
    assert refused(free).code is RefusalCode.NOTHING_TO_PAY
    assert refused([LineInput(1, 0)]).code is RefusalCode.NOTHING_TO_PAY


def test_a_free_recurring_line_is_allowed_but_a_tiny_one_is_not() -> None:
    free_monthly = LineInput(1, 1000, DiscountKind.PERCENT, 10_000, recurrence=MONTHLY)
    plan = plan_for([LineInput(1, 10_000), free_monthly])
    assert (plan.due_today, plan.recurring_per_period) == (10_000, 0)
    tiny_monthly = LineInput(1, 49, recurrence=MONTHLY)
    assert refused([LineInput(1, 10_000), tiny_monthly]).code is RefusalCode.BELOW_MINIMUM


def test_stripe_takes_at_most_20_items_and_20_add_invoice_items() -> None:
    one_time = [LineInput(1, 1000)] * 21
    assert plan_for(one_time).kind is ChargeKind.PAYMENT  # one amount, no item limit
    monthly = LineInput(1, 1000, recurrence=MONTHLY)
    assert len(plan_for([monthly] * 20 + [LineInput(1, 1000)] * 20).recurring) == 20
    assert refused([monthly] * 21).code is RefusalCode.TOO_MANY_ITEMS
    assert refused([monthly, *one_time]).code is RefusalCode.TOO_MANY_ITEMS


def test_more_than_8_digits_is_refused() -> None:
    assert plan_for([LineInput(1, 99_999_999)]).due_today == 99_999_999
    assert refused([LineInput(1, 100_000_000)]).code is RefusalCode.ABOVE_MAXIMUM


def test_r10_refusal_names_the_clashing_line() -> None:
    error = refused([LineInput(1, 1000, recurrence=MONTHLY), LineInput(1, 1000, recurrence=YEARLY)])
    assert error.code is RefusalCode.MIXED_FREQUENCIES
    assert error.clash is not None and error.clash.clashing == (("Item 1", YEARLY),)


def test_inclusive_tax_keeps_the_quote_tax_where_exclusive_would_depend_on_the_tie_rule() -> None:
    # 0.50 at 1 %: the quote's tax is 0.005 rounded half up = 0.01.
    plan = plan_for([LineInput(1, 50, tax_rate_bp=100, recurrence=MONTHLY)])
    assert plan.due_today == 51
    for reading in READINGS:
        assert stripe_invoice_total(plan, reading).line_taxes == {"0": 1}
        assert stripe_invoice_total(plan, reading).due_today == 51
    # Had the net gone out with an exclusive rate, banker's rounding would charge 0.50.
    net = dataclasses.replace(plan.recurring[0], amount=50)
    as_exclusive = dataclasses.replace(plan, recurring=(net,))
    half_even = stripe_invoice_total(as_exclusive, READINGS[1], inclusive=False)
    assert half_even.due_today == 50


def test_product_key_comes_from_the_name_unless_given() -> None:
    terms = LineInput(1, 1000)
    price = price_lines([terms], "EUR").lines[0]
    assert FrozenLine("Widget  Pro", terms, price).product_key == name_product_key("widget pro")
    assert FrozenLine("Widget", terms, price, product_key="catalog:7").product_key == "catalog:7"
    assert name_product_key("Widget") != name_product_key("Gadget")


def test_tax_rate_percentage_keeps_basis_points_exact() -> None:
    assert str(tax_rate_percentage(1900)) == "19"
    assert str(tax_rate_percentage(1250)) == "12.5"
    assert str(tax_rate_percentage(725)) == "7.25"
    assert str(tax_rate_percentage(1000)) == "10"
    assert str(tax_rate_percentage(10_000)) == "100"


def test_frozen_totals_of_no_lines_are_nothing_to_pay() -> None:
    empty = Totals(currency="EUR", lines=(), due_once=Amounts.of([]), recurring=())
    with pytest.raises(ChargePlanRefused) as info:
        charge_plan(lines=[], totals=empty, locale="en")
    assert info.value.code is RefusalCode.NOTHING_TO_PAY
