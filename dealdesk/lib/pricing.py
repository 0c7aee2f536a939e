"""Quote pricing over integer minor units: lines, discounts, tax, totals.

Rounding rule (the only one): a percentage discount and the tax are computed
per line from exact integers and rounded once, to the nearest minor unit,
halves away from zero (ROUND_HALF_UP; every value is non-negative, so this is
``(2 * n + d) // (2 * d)``). Totals are sums of the rounded line values, so the
lines always add up to the totals shown.

Per line: subtotal = quantity * unit amount; discount = percent of subtotal
(rounded) or a fixed amount capped at the subtotal; net = subtotal - discount;
tax = net * rate (rounded; prices are tax-exclusive); total = net + tax.

A recurring line's amounts are per billing period, and its discount applies to
every period. Amounts stay in exact minor units; for three-decimal currencies
the charge boundary checks ``money.stripe_amount_ok`` (see money.py).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from dealdesk.lib.money import MAX_AMOUNT_MINOR, normalize_currency

MAX_QUANTITY = 1_000_000
BASIS_POINTS = 10_000  # 100 %


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class DiscountKind(StrEnum):
    NONE = "none"
    PERCENT = "percent"
    AMOUNT = "amount"


class InvalidRecurrence(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidLine(ValueError):
    """A line input was refused; ``field`` names the LineInput attribute at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_APPROX_DAYS = {Interval.DAY: 1, Interval.WEEK: 7, Interval.MONTH: 30, Interval.YEAR: 365}
# Stripe bills at most every three years.
_MAX_INTERVAL_COUNT = {Interval.DAY: 1095, Interval.WEEK: 156, Interval.MONTH: 36, Interval.YEAR: 3}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Recurrence:
    """Bill every ``interval_count`` ``interval``s; a plain string interval is accepted."""

    interval: Interval
    interval_count: int = 1

    def __post_init__(self) -> None:
        try:
            interval = Interval(self.interval)
        except ValueError:
            raise InvalidRecurrence("interval", "Choose day, week, month or year.") from None
        object.__setattr__(self, "interval", interval)
        count = self.interval_count
        if not _is_int(count) or count < 1:
            raise InvalidRecurrence("interval_count", "Repeat at least every 1 period.")
        if count > _MAX_INTERVAL_COUNT[interval]:
            raise InvalidRecurrence("interval_count", "Billing periods can be at most 3 years.")

    @property
    def approx_days(self) -> int:
        return _APPROX_DAYS[self.interval] * self.interval_count

    @property
    def sort_key(self) -> tuple[int, int, int]:
        """Shortest period first; ties (7 days vs 1 week) go to the smaller unit."""
        return (self.approx_days, list(Interval).index(self.interval), self.interval_count)


@dataclass(frozen=True, slots=True)
class LineInput:
    """One quote line as the seller entered it.

    ``discount_value`` is basis points for PERCENT (1250 = 12.5 %), minor units
    for AMOUNT (off the whole line), and must be 0 for NONE. ``tax_rate_bp`` is
    basis points (1900 = 19 %). ``recurrence`` is None for one-time lines.
    """

    quantity: int
    unit_amount_minor: int
    discount_kind: DiscountKind = DiscountKind.NONE
    discount_value: int = 0
    tax_rate_bp: int = 0
    recurrence: Recurrence | None = None

    def __post_init__(self) -> None:
        if not _is_int(self.quantity) or not 1 <= self.quantity <= MAX_QUANTITY:
            raise InvalidLine(
                "quantity", f"Quantity must be a whole number from 1 to {MAX_QUANTITY}."
            )
        if (
            not _is_int(self.unit_amount_minor)
            or not 0 <= self.unit_amount_minor <= MAX_AMOUNT_MINOR
        ):
            raise InvalidLine(
                "unit_amount_minor", "Unit price must be zero or more, within limits."
            )
        try:
            kind = DiscountKind(self.discount_kind)
        except ValueError:
            raise InvalidLine("discount_kind", "Unknown discount type.") from None
        object.__setattr__(self, "discount_kind", kind)
        value = self.discount_value
        if not _is_int(value) or value < 0:
            raise InvalidLine("discount_value", "Discount must be zero or more.")
        if kind is DiscountKind.NONE and value != 0:
            raise InvalidLine("discount_value", "Choose a discount type for this discount.")
        if kind is DiscountKind.PERCENT and value > BASIS_POINTS:
            raise InvalidLine("discount_value", "A discount can be at most 100 %.")
        if not _is_int(self.tax_rate_bp) or not 0 <= self.tax_rate_bp <= BASIS_POINTS:
            raise InvalidLine("tax_rate_bp", "Tax rate must be between 0 and 100 %.")
        if self.recurrence is not None and not isinstance(self.recurrence, Recurrence):
            raise InvalidLine("recurrence", "Recurrence must be a Recurrence or None.")


@dataclass(frozen=True, slots=True)
class LinePrice:
    subtotal: int
    discount: int
    net: int
    tax: int
    total: int


@dataclass(frozen=True, slots=True)
class Amounts:
    subtotal: int
    discount: int
    net: int
    tax: int
    total: int

    @classmethod
    def of(cls, prices: Iterable[LinePrice]) -> "Amounts":
        """Field-by-field sums (all zero for no lines)."""
        subtotal = discount = net = tax = total = 0
        for price in prices:
            subtotal += price.subtotal
            discount += price.discount
            net += price.net
            tax += price.tax
            total += price.total
        return cls(subtotal, discount, net, tax, total)


@dataclass(frozen=True)
class Totals:
    """Priced quote; ``lines`` follows the input order, ``recurring`` is shortest first."""

    currency: str
    lines: tuple[LinePrice, ...]
    due_once: Amounts
    recurring: tuple[tuple[Recurrence, Amounts], ...]

    @property
    def due_today(self) -> int:
        """R12: one-time lines plus the first period of every recurring line."""
        return self.due_once.total + sum(amounts.total for _, amounts in self.recurring)


def _round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest int, halves up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def price_line(line: LineInput) -> LinePrice:
    subtotal = line.quantity * line.unit_amount_minor
    if line.discount_kind is DiscountKind.PERCENT:
        discount = _round_half_up(subtotal * line.discount_value, BASIS_POINTS)
    elif line.discount_kind is DiscountKind.AMOUNT:
        discount = min(line.discount_value, subtotal)
    else:
        discount = 0
    net = subtotal - discount
    tax = _round_half_up(net * line.tax_rate_bp, BASIS_POINTS)
    return LinePrice(subtotal=subtotal, discount=discount, net=net, tax=tax, total=net + tax)


def price_lines(lines: Sequence[LineInput], currency: str) -> Totals:
    """Price every line; one-time lines sum into ``due_once``, recurring per Recurrence."""
    prices = tuple(price_line(line) for line in lines)
    groups: dict[Recurrence, list[LinePrice]] = {}
    for line, price in zip(lines, prices, strict=True):
        if line.recurrence is not None:
            groups.setdefault(line.recurrence, []).append(price)
    return Totals(
        currency=normalize_currency(currency),
        lines=prices,
        due_once=Amounts.of(
            p for line, p in zip(lines, prices, strict=True) if line.recurrence is None
        ),
        recurring=tuple(
            (recurrence, Amounts.of(group))
            for recurrence, group in sorted(groups.items(), key=lambda item: item[0].sort_key)
        ),
    )


def frequency_conflicts(recurrences: Sequence[Recurrence | None]) -> list[int]:
    """R10: indexes of recurring lines whose recurrence differs from the most common one.

    One-time lines (None) are ignored. On a tie the recurrence seen first wins,
    so the earlier lines stand and the later ones are flagged.
    """
    counts: dict[Recurrence, int] = {}
    for recurrence in recurrences:
        if recurrence is not None:
            counts[recurrence] = counts.get(recurrence, 0) + 1
    if not counts:
        return []
    winner = max(counts, key=counts.__getitem__)  # max keeps the first of equal counts
    return [i for i, r in enumerate(recurrences) if r is not None and r != winner]
