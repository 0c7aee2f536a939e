"""The charge plan: what Stripe receives when a buyer purchases a published quote.

A pure rule over the quote's frozen lines and totals (R9, R10, R12): no
database, no Stripe calls. The gateway turns the plan into API calls.

* No recurring line: one PaymentIntent for ``due_today``.
* Any recurring line: one subscription. Recurring lines become ``items[]`` with
  their one shared schedule (R10; mixed schedules are refused), one-time lines
  become ``add_invoice_items[]``, so the first invoice is everything due today
  (R12) and every later invoice is ``recurring_per_period``.

How discounts and tax reach Stripe (the decision)
-------------------------------------------------
Every quote line is sent as **quantity 1 with ``unit_amount`` = the line's
frozen total** (net after its discount, plus its tax). Stripe then has no
arithmetic left that could move a cent: 1 x an integer needs no rounding, and
sums of integers are exact, so the amount charged equals the quote's frozen
due-today and per-period totals by construction, whatever Stripe's rounding.

* Discounts are already inside the amount; the line's ``description`` says how
  it was reached, e.g. "Widget: 3 x €10.00 - 10 % = €27.00 + 19 % = €32.13".
  Stripe coupons were rejected: they round on their own, per invoice or item.
* Tax is shown, never added: a line with a rate carries an **inclusive** Stripe
  TaxRate of the same percentage (``tax_rate_bp``). Inclusive rates never
  change an invoice's total; Stripe only shows the part that is tax. That part
  equals the quote's tax for every line: the quote's tax is T = round(N·r) of
  the net N, so |T - N·r| ≤ ½, and Stripe's inclusive tax of the total N + T is
  (N + T)·r/(1 + r) = T - (T - N·r)/(1 + r), within ½/(1 + r) < ½ of T, so any
  round-to-nearest (of the tax, or of the net N + (T - N·r)/(1 + r)) gives T.
  Exclusive TaxRates were rejected: Stripe would compute the tax that is
  charged, so the buyer's total would depend on Stripe's rounding mode and on
  whether it rounds per line or per invoice.
* The buyer's invoice reads like the quote: each line's amount is the quote's
  line total, its tax is the quote's (Stripe computes tax per line), the totals
  are the quote's, and with Stripe's "exclude tax" PDF setting the line amounts
  are the quote's net.
  Subscription items and ``add_invoice_items`` have no description field, so
  the invoice names each line by its Stripe Product (``product_key``,
  ``product_name``); the description travels as line metadata.
* Without TaxRates (``tax_rate_ids=None``, e.g. an account or sandbox that has
  none) the amounts are the same; only the tax breakdown is missing.

Refusals (``ChargePlanRefused.code``): mixed schedules (R10); frozen lines
that do not add up to the frozen totals; nothing to pay (a due-today total of 0
is not a payment: the purchase is refused, the caller may offer acceptance
without payment); more than 20 items or 20 ``add_invoice_items``; a
three-decimal amount not ending in 0 (``money.stripe_amount_ok``, checked on
every amount sent); below the currency's minimum charge (due today, and the
per-period amount unless it is 0); above Stripe's 8-digit maximum.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from babel.numbers import format_decimal

from dealdesk.lib.money import format_money, format_percent, normalize_currency, stripe_amount_ok
from dealdesk.lib.pricing import (
    DiscountKind,
    LineInput,
    LinePrice,
    Recurrence,
    Totals,
)
from dealdesk.quotes.rules import FrequencyClash, frequency_clash

MAX_ITEMS = 20  # Stripe's limit for items[] and, separately, add_invoice_items[]
MAX_CHARGE_MINOR = 99_999_999  # Stripe: amounts have at most 8 digits
# Stripe's documented minimum charge per currency, in minor units. Other
# currencies' minimum is 0.50 USD converted at the day's rate: Stripe checks those.
MINIMUM_CHARGE_MINOR: Mapping[str, int] = {
    "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50, "CZK": 1500,
    "DKK": 250, "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50, "JPY": 50,
    "MXN": 1000, "MYR": 200, "NOK": 300, "NZD": 50, "PLN": 200, "RON": 200, "SEK": 300,
    "SGD": 50, "THB": 1000, "USD": 50,
}  # fmt: skip
METADATA_VALUE_MAX = 500  # Stripe's limit per metadata value
TIMES = "\N{MULTIPLICATION SIGN}"
MINUS = "\N{MINUS SIGN}"


class ChargeKind(StrEnum):
    PAYMENT = "payment"  # one PaymentIntent
    SUBSCRIPTION = "subscription"  # items[] plus add_invoice_items[]


class RefusalCode(StrEnum):
    MIXED_FREQUENCIES = "mixed_frequencies"
    TOTALS_MISMATCH = "totals_mismatch"
    NOTHING_TO_PAY = "nothing_to_pay"
    TOO_MANY_ITEMS = "too_many_items"
    AMOUNT_NOT_CHARGEABLE = "amount_not_chargeable"
    BELOW_MINIMUM = "below_minimum"
    ABOVE_MAXIMUM = "above_maximum"


class ChargePlanRefused(ValueError):
    """The quote cannot be charged as it stands; ``code`` says why (callers word it)."""

    def __init__(
        self, code: RefusalCode, message: str, *, clash: FrequencyClash | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.clash = clash  # set for MIXED_FREQUENCIES (R10)


def name_product_key(name: str) -> str:
    """A stable Stripe Product key for a line without a catalog product: its name."""
    digest = hashlib.sha256(" ".join(name.split()).casefold().encode()).hexdigest()
    return f"name:{digest[:32]}"


@dataclass(frozen=True, slots=True)
class FrozenLine:
    """A published quote line: what the seller entered and the amounts frozen on publish."""

    name: str
    terms: LineInput
    price: LinePrice
    product_key: str = ""  # e.g. a catalog product id; the name when empty

    def __post_init__(self) -> None:
        if not self.product_key:
            object.__setattr__(self, "product_key", name_product_key(self.name))


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One line as Stripe receives it: quantity 1 at ``amount`` (its frozen total)."""

    position: int  # index of the line on the quote
    product_key: str
    product_name: str
    description: str
    amount: int
    tax: int  # the part of ``amount`` that is tax, as the quote shows it
    tax_rate_bp: int  # 0: no TaxRate; else an inclusive TaxRate of this percentage
    recurrence: Recurrence | None


@dataclass(frozen=True)
class ChargePlan:
    currency: str
    kind: ChargeKind
    one_time: tuple[PlanItem, ...]
    recurring: tuple[PlanItem, ...]
    recurrence: Recurrence | None  # the shared schedule; None for a plain payment
    due_today: int  # R12: one-time lines plus the first period; the PaymentIntent amount
    recurring_per_period: int

    @property
    def tax_rates(self) -> tuple[int, ...]:
        """Distinct rates (basis points) that need an inclusive TaxRate on the account."""
        return tuple(sorted({i.tax_rate_bp for i in self.one_time + self.recurring} - {0}))

    def price_data(self, item: PlanItem, product_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "currency": self.currency.lower(),
            "product": product_id,
            "unit_amount": item.amount,
        }
        if item.recurrence is not None:
            data["recurring"] = {
                "interval": item.recurrence.interval.value,
                "interval_count": item.recurrence.interval_count,
            }
        return data

    def subscription_items(
        self, product_ids: Mapping[str, str], tax_rate_ids: Mapping[int, str] | None
    ) -> list[dict[str, Any]]:
        """``items[]``; ``product_ids`` by product key, ``tax_rate_ids`` by basis points."""
        return [self._item_params(i, product_ids, tax_rate_ids) for i in self.recurring]

    def add_invoice_items(
        self, product_ids: Mapping[str, str], tax_rate_ids: Mapping[int, str] | None
    ) -> list[dict[str, Any]]:
        return [self._item_params(i, product_ids, tax_rate_ids) for i in self.one_time]

    def _item_params(
        self,
        item: PlanItem,
        product_ids: Mapping[str, str],
        tax_rate_ids: Mapping[int, str] | None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "price_data": self.price_data(item, product_ids[item.product_key]),
            "quantity": 1,
            "metadata": {
                "quote_line": str(item.position),
                "description": item.description[:METADATA_VALUE_MAX],
            },
        }
        if tax_rate_ids is not None and item.tax_rate_bp:
            params["tax_rates"] = [tax_rate_ids[item.tax_rate_bp]]
        return params


def tax_rate_percentage(basis_points: int) -> Decimal:
    """A TaxRate's ``percentage``: 1900 → 19, 1250 → 12.5."""
    whole, hundredths = divmod(basis_points, 100)
    # Not Decimal.normalize(): it turns 10 into 1E+1.
    return Decimal(f"{whole}.{hundredths:02d}".rstrip("0").rstrip("."))


def line_description(line: FrozenLine, currency: str, locale: str) -> str:
    """How the line's amount was reached, in symbols and the quote's number format.

    "Widget: 3 x €10.00 - 10 % = €27.00 + 19 % = €32.13" (with the real times and
    minus signs) — no words, so it reads
    the same in every language.
    """
    terms, price = line.terms, line.price

    def money(amount: int) -> str:
        return format_money(amount, currency, locale)

    quantity = format_decimal(terms.quantity, locale=locale)
    text = f"{line.name}: {quantity} {TIMES} {money(terms.unit_amount_minor)}"
    if terms.discount_kind is DiscountKind.PERCENT and terms.discount_value:
        text += f" {MINUS} {format_percent(terms.discount_value, locale)}"
    elif terms.discount_kind is DiscountKind.AMOUNT and terms.discount_value:
        text += f" {MINUS} {money(price.discount)}"
    text += f" = {money(price.net)}"
    if terms.tax_rate_bp:
        text += f" + {format_percent(terms.tax_rate_bp, locale)} = {money(price.total)}"
    return text


def _check_frozen(lines: Sequence[FrozenLine], totals: Totals) -> None:
    """The lines must add up to the totals the buyer saw; anything else is a corrupt quote."""
    for line in lines:
        p = line.price
        if min(p.subtotal, p.discount, p.net, p.tax, p.total) < 0 or (
            p.net != p.subtotal - p.discount or p.total != p.net + p.tax
        ):
            raise ChargePlanRefused(
                RefusalCode.TOTALS_MISMATCH, f"Line {line.name!r} has inconsistent amounts."
            )
    once = sum(line.price.total for line in lines if line.terms.recurrence is None)
    recurring: dict[Recurrence, int] = {}
    for line in lines:
        if line.terms.recurrence is not None:
            recurrence = line.terms.recurrence
            recurring[recurrence] = recurring.get(recurrence, 0) + line.price.total
    frozen = {recurrence: amounts.total for recurrence, amounts in totals.recurring}
    if once != totals.due_once.total or recurring != frozen:
        raise ChargePlanRefused(
            RefusalCode.TOTALS_MISMATCH, "The lines do not add up to the quote's totals."
        )
    if once + sum(recurring.values()) != totals.due_today:
        raise ChargePlanRefused(
            RefusalCode.TOTALS_MISMATCH, "The quote's due-today total is inconsistent."
        )


def charge_plan(*, lines: Sequence[FrozenLine], totals: Totals, locale: str) -> ChargePlan:
    """What Stripe receives for a published quote; raises ChargePlanRefused."""
    currency = normalize_currency(totals.currency)
    clash = frequency_clash([(line.name, line.terms.recurrence) for line in lines])
    if clash is not None:
        names = ", ".join(name for name, _ in clash.clashing)
        raise ChargePlanRefused(
            RefusalCode.MIXED_FREQUENCIES, f"Billed on another schedule: {names}.", clash=clash
        )
    _check_frozen(lines, totals)
    items = [
        PlanItem(
            position=position,
            product_key=line.product_key,
            product_name=line.name,
            description=line_description(line, currency, locale),
            amount=line.price.total,
            tax=line.price.tax,
            tax_rate_bp=line.terms.tax_rate_bp,
            recurrence=line.terms.recurrence,
        )
        for position, line in enumerate(lines)
    ]
    one_time = tuple(item for item in items if item.recurrence is None)
    recurring = tuple(item for item in items if item.recurrence is not None)
    plan = ChargePlan(
        currency=currency,
        kind=ChargeKind.SUBSCRIPTION if recurring else ChargeKind.PAYMENT,
        one_time=one_time,
        recurring=recurring,
        recurrence=recurring[0].recurrence if recurring else None,
        due_today=sum(item.amount for item in items),
        recurring_per_period=sum(item.amount for item in recurring),
    )
    _check_chargeable(plan)
    return plan


def _check_chargeable(plan: ChargePlan) -> None:
    """Stripe's limits on what can be charged (see the module docstring)."""
    currency = plan.currency
    if plan.due_today == 0:
        raise ChargePlanRefused(RefusalCode.NOTHING_TO_PAY, "The quote's total is zero.")
    if plan.kind is ChargeKind.SUBSCRIPTION and max(len(plan.recurring), len(plan.one_time)) > (
        MAX_ITEMS
    ):
        raise ChargePlanRefused(
            RefusalCode.TOO_MANY_ITEMS,
            f"Stripe takes at most {MAX_ITEMS} recurring and {MAX_ITEMS} one-time lines.",
        )
    if plan.kind is ChargeKind.PAYMENT:
        sent = [plan.due_today]
    else:
        sent = [item.amount for item in plan.recurring + plan.one_time]
    if not all(stripe_amount_ok(amount, currency) for amount in sent):
        raise ChargePlanRefused(
            RefusalCode.AMOUNT_NOT_CHARGEABLE,
            f"{currency} amounts sent to Stripe must end in 0.",
        )
    minimum = MINIMUM_CHARGE_MINOR.get(currency, 1)
    if plan.due_today < minimum or 0 < plan.recurring_per_period < minimum:
        raise ChargePlanRefused(
            RefusalCode.BELOW_MINIMUM,
            f"Stripe charges at least {format_money(minimum, currency, 'en')}.",
        )
    if plan.due_today > MAX_CHARGE_MINOR:
        raise ChargePlanRefused(
            RefusalCode.ABOVE_MAXIMUM,
            f"Stripe charges at most {format_money(MAX_CHARGE_MINOR, currency, 'en')}.",
        )
