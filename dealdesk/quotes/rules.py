"""Quote rules over plain values: statuses, expiry (R8, R13), purchase (R9, R4) and R10.

Nothing here touches the database, the clock or Django: callers pass ``now``
and the facts the rule needs, so every rule is testable on its own.

Expiry: a quote's ``expires_at`` is the last instant of the expiration date
the seller chose, in the app's time zone (``settings.TIME_ZONE``; workspaces
have no zone of their own). A quote is expired once ``now`` is past that
instant, so it stays valid for the whole chosen day. Nothing stores
"expired": it is computed on every read, so no job has to run at midnight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from dealdesk.lib.pricing import Recurrence, frequency_conflicts

DEFAULT_VALIDITY_DAYS = 30


class Status(StrEnum):
    """What the seller has done with a quote. "Expired" is not stored: see ``is_expired``."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RECALLED = "recalled"
    ACCEPTED = "accepted"
    PAID = "paid"
    ARCHIVED = "archived"


ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.PUBLISHED, Status.ARCHIVED}),
    Status.PUBLISHED: frozenset({Status.RECALLED, Status.ACCEPTED, Status.PAID, Status.ARCHIVED}),
    # Paid: a buyer's payment that Stripe confirmed after the seller recalled the quote.
    Status.RECALLED: frozenset({Status.PUBLISHED, Status.PAID, Status.ARCHIVED}),
    Status.ACCEPTED: frozenset({Status.PAID, Status.ARCHIVED}),
    Status.PAID: frozenset({Status.ARCHIVED}),
    Status.ARCHIVED: frozenset(),
}

# The seller may change a quote's content only while no buyer can see it.
EDITABLE = frozenset({Status.DRAFT, Status.RECALLED})

# A buyer's link works while the quote is out there or done; recalled and archived are 404.
PUBLIC = frozenset({Status.PUBLISHED, Status.ACCEPTED, Status.PAID})


class IllegalTransition(ValueError):
    def __init__(self, current: Status, target: Status) -> None:
        super().__init__(f"A {current.value} quote cannot become {target.value}.")
        self.current = current
        self.target = target


def check_transition(current: str, target: str) -> Status:
    """Return ``target`` as a Status if a quote may move there from ``current``; else raise."""
    source, goal = Status(current), Status(target)
    if goal not in ALLOWED_TRANSITIONS[source]:
        raise IllegalTransition(source, goal)
    return goal


def is_editable(status: str) -> bool:
    return Status(status) in EDITABLE


# --- Expiry (R8, R13) ---------------------------------------------------------------------


def is_expired(expires_at: datetime, now: datetime) -> bool:
    """Past the last instant of the expiration date."""
    return now > expires_at


def expiry_date_ok(expires_on: date, today: date) -> bool:
    """An expiration date must not lie in the past; today is fine (valid to the day's end)."""
    return expires_on >= today


# --- Purchase (R9, R13, R4) ---------------------------------------------------------------


class PurchaseState(StrEnum):
    """Why the buyer does or does not see the Purchase area, in order of precedence."""

    AVAILABLE = "available"
    PAYMENT_OFF = "payment_off"
    NOT_PUBLISHED = "not_published"
    PAID = "paid"
    EXPIRED = "expired"
    ACCOUNT_NOT_READY = "account_not_ready"


def purchase_state(
    *,
    status: str,
    payment_enabled: bool,
    expires_at: datetime,
    now: datetime,
    account_can_accept_payments: bool,
) -> PurchaseState:
    """Whether a buyer may purchase the quote now (R9), and if not, why.

    Paid comes before expired: a quote paid yesterday that expired today is
    "paid" to everyone looking at it.
    """
    current = Status(status)
    if not payment_enabled:
        return PurchaseState.PAYMENT_OFF
    if current is Status.PAID:
        return PurchaseState.PAID
    if current is not Status.PUBLISHED:
        return PurchaseState.NOT_PUBLISHED
    if is_expired(expires_at, now):
        return PurchaseState.EXPIRED
    if not account_can_accept_payments:
        return PurchaseState.ACCOUNT_NOT_READY
    return PurchaseState.AVAILABLE


def can_accept_signature(
    *,
    status: str,
    signature_required: bool,
    payment_enabled: bool,
    expires_at: datetime,
    now: datetime,
) -> bool:
    """A buyer signs a published, unexpired quote that asks for a signature and no payment.

    With payment on, acceptance happens as part of the purchase (a later issue).
    """
    return (
        signature_required
        and not payment_enabled
        and Status(status) is Status.PUBLISHED
        and not is_expired(expires_at, now)
    )


# --- One billing frequency per payable quote (R10) -----------------------------------------


@dataclass(frozen=True, slots=True)
class FrequencyClash:
    """R10: the recurrence most lines share, and the lines billed on another schedule."""

    expected: Recurrence
    clashing: tuple[tuple[str, Recurrence], ...]  # (line name, its recurrence)


def frequency_clash(lines: Sequence[tuple[str, Recurrence | None]]) -> FrequencyClash | None:
    """R10 over (name, recurrence) pairs; None when every recurring line shares one schedule.

    One-time lines (recurrence None) mix freely with recurring ones.
    """
    recurrences = [recurrence for _, recurrence in lines]
    indexes = set(frequency_conflicts(recurrences))
    if not indexes:
        return None
    expected = next(r for i, r in enumerate(recurrences) if r is not None and i not in indexes)
    clashing = []
    for i in sorted(indexes):
        name, recurrence = lines[i]
        assert recurrence is not None  # frequency_conflicts only flags recurring lines
        clashing.append((name, recurrence))
    return FrequencyClash(expected=expected, clashing=tuple(clashing))
