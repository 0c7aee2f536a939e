"""The pure quote rules, without a database: statuses, expiry (R13), purchase (R9), R10."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealdesk.lib import clock
from dealdesk.lib.pricing import Interval, Recurrence
from dealdesk.quotes import rules
from dealdesk.quotes.rules import PurchaseState, Status

BERLIN = ZoneInfo("Europe/Berlin")
MONTHLY = Recurrence(Interval.MONTH)
QUARTERLY = Recurrence(Interval.MONTH, 3)
YEARLY = Recurrence(Interval.YEAR)

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
recurrences = st.one_of(
    st.none(),
    st.builds(Recurrence, st.sampled_from(Interval), st.integers(min_value=1, max_value=3)),
)


# --- Statuses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.DRAFT, Status.PUBLISHED),
        (Status.PUBLISHED, Status.RECALLED),
        (Status.RECALLED, Status.PUBLISHED),
        (Status.PUBLISHED, Status.ACCEPTED),
        (Status.PUBLISHED, Status.PAID),
        (Status.ACCEPTED, Status.PAID),
        *((status, Status.ARCHIVED) for status in Status if status is not Status.ARCHIVED),
    ],
)
def test_allowed_status_transitions(current: Status, target: Status) -> None:
    assert rules.check_transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (Status.DRAFT, Status.PAID),
        (Status.DRAFT, Status.ACCEPTED),
        (Status.DRAFT, Status.RECALLED),
        (Status.PAID, Status.PUBLISHED),
        (Status.PAID, Status.RECALLED),
        (Status.ACCEPTED, Status.RECALLED),
        (Status.ARCHIVED, Status.PUBLISHED),
        (Status.PUBLISHED, Status.DRAFT),
    ],
)
def test_illegal_status_transitions_are_refused(current: Status, target: Status) -> None:
    with pytest.raises(rules.IllegalTransition):
        rules.check_transition(current, target)


@given(st.sampled_from(Status), st.sampled_from(Status))
def test_transition_never_reaches_draft_and_archived_is_final(
    current: Status, target: Status
) -> None:
    allowed = target in rules.ALLOWED_TRANSITIONS[current]
    if target is Status.DRAFT or current is Status.ARCHIVED or current == target:
        assert not allowed
    try:
        rules.check_transition(current, target)
    except rules.IllegalTransition:
        assert not allowed
    else:
        assert allowed


def test_only_draft_and_recalled_quotes_are_editable() -> None:
    assert {s for s in Status if rules.is_editable(s)} == {Status.DRAFT, Status.RECALLED}


# --- Expiry (R8, R13) ------------------------------------------------------------------------


def test_r13_quote_is_valid_for_the_whole_expiration_day_in_the_app_time_zone() -> None:
    expires_at = clock.end_of_day(date(2025, 3, 14), BERLIN)

    last_minute = datetime(2025, 3, 14, 23, 59, tzinfo=BERLIN)
    next_morning = datetime(2025, 3, 15, 0, 0, tzinfo=BERLIN)
    assert not rules.is_expired(expires_at, last_minute)
    assert rules.is_expired(expires_at, next_morning)
    # 23:30 UTC on the 14th is already the 15th in Berlin.
    assert rules.is_expired(expires_at, datetime(2025, 3, 14, 23, 30, tzinfo=UTC))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), moments)
def test_r13_expired_exactly_when_the_local_date_is_past_the_expiration_date(
    day: date, now: datetime
) -> None:
    expires_at = clock.end_of_day(day, BERLIN)
    assert rules.is_expired(expires_at, now) == (clock.local_date(now, BERLIN) > day)


@given(st.dates(), st.dates())
def test_r8_expiration_date_must_not_be_in_the_past(expires_on: date, today: date) -> None:
    assert rules.expiry_date_ok(expires_on, today) == (expires_on >= today)


# --- Purchase (R9, R13, R4) ------------------------------------------------------------------

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
TOMORROW = NOW + timedelta(days=1)
YESTERDAY = NOW - timedelta(days=1)


def _purchase(**overrides: object) -> PurchaseState:
    facts: dict[str, object] = {
        "status": Status.PUBLISHED,
        "payment_enabled": True,
        "expires_at": TOMORROW,
        "now": NOW,
        "account_can_accept_payments": True,
    }
    facts.update(overrides)
    return rules.purchase_state(**facts)  # type: ignore[arg-type]


def test_r9_purchase_available_on_a_live_payable_quote() -> None:
    assert _purchase() is PurchaseState.AVAILABLE


def test_r13_expired_quote_cannot_be_purchased() -> None:
    assert _purchase(expires_at=YESTERDAY) is PurchaseState.EXPIRED


def test_r13_purchase_area_disappears_the_moment_the_day_ends() -> None:
    expires_at = clock.end_of_day(date(2025, 6, 1), UTC)
    assert _purchase(expires_at=expires_at, now=expires_at) is PurchaseState.AVAILABLE
    later = expires_at + timedelta(microseconds=1)
    assert _purchase(expires_at=expires_at, now=later) is PurchaseState.EXPIRED


def test_r4_purchase_stops_when_the_account_cannot_take_payments() -> None:
    assert _purchase(account_can_accept_payments=False) is PurchaseState.ACCOUNT_NOT_READY


@pytest.mark.parametrize(
    ("overrides", "state"),
    [
        ({"payment_enabled": False}, PurchaseState.PAYMENT_OFF),
        ({"status": Status.PAID}, PurchaseState.PAID),
        ({"status": Status.PAID, "expires_at": YESTERDAY}, PurchaseState.PAID),
        ({"status": Status.RECALLED}, PurchaseState.NOT_PUBLISHED),
        ({"status": Status.DRAFT}, PurchaseState.NOT_PUBLISHED),
        ({"status": Status.ARCHIVED}, PurchaseState.NOT_PUBLISHED),
    ],
)
def test_r9_no_purchase_without_payment_or_once_paid_or_offline(
    overrides: dict[str, object], state: PurchaseState
) -> None:
    assert _purchase(**overrides) is state


@given(
    status=st.sampled_from(Status),
    payment_enabled=st.booleans(),
    expires_at=moments,
    now=moments,
    ready=st.booleans(),
)
def test_r9_r13_purchase_available_only_when_every_condition_holds(
    status: Status, payment_enabled: bool, expires_at: datetime, now: datetime, ready: bool
) -> None:
    state = rules.purchase_state(
        status=status,
        payment_enabled=payment_enabled,
        expires_at=expires_at,
        now=now,
        account_can_accept_payments=ready,
    )
    expected = payment_enabled and status is Status.PUBLISHED and now <= expires_at and ready
    assert (state is PurchaseState.AVAILABLE) == expected


def test_signature_only_on_live_quotes_without_payment() -> None:
    def live(signature_required: bool, payment_enabled: bool) -> bool:
        return rules.can_accept_signature(
            status=Status.PUBLISHED,
            signature_required=signature_required,
            payment_enabled=payment_enabled,
            expires_at=TOMORROW,
            now=NOW,
        )

    assert live(signature_required=True, payment_enabled=False)
    assert not live(signature_required=False, payment_enabled=False)
    assert not live(signature_required=True, payment_enabled=True)
    assert not rules.can_accept_signature(
        signature_required=True,
        payment_enabled=False,
        status=Status.PUBLISHED,
        expires_at=YESTERDAY,
        now=NOW,
    )
    assert not rules.can_accept_signature(
        signature_required=True,
        payment_enabled=False,
        status=Status.ACCEPTED,
        expires_at=TOMORROW,
        now=NOW,
    )


# --- One billing frequency (R10) -------------------------------------------------------------


def test_r10_one_time_lines_mix_freely_with_one_recurring_frequency() -> None:
    lines = [("Setup", None), ("Seats", MONTHLY), ("Add-on", MONTHLY), ("Training", None)]
    assert rules.frequency_clash(lines) is None


def test_r10_clash_names_the_lines_on_another_schedule() -> None:
    lines = [
        ("Setup", None),
        ("Seats", MONTHLY),
        ("Review", QUARTERLY),
        ("Add-on", MONTHLY),
        ("Support", YEARLY),
    ]
    clash = rules.frequency_clash(lines)
    assert clash is not None
    assert clash.expected == MONTHLY
    assert clash.clashing == (("Review", QUARTERLY), ("Support", YEARLY))


def test_r10_every_3_months_is_not_the_same_as_monthly() -> None:
    clash = rules.frequency_clash([("Seats", MONTHLY), ("Review", QUARTERLY)])
    assert clash is not None
    assert [name for name, _ in clash.clashing] == ["Review"]


@given(st.lists(st.tuples(st.text(max_size=5), recurrences), max_size=12))
def test_r10_clash_exactly_when_recurring_lines_have_more_than_one_schedule(
    lines: list[tuple[str, Recurrence | None]],
) -> None:
    schedules = {recurrence for _, recurrence in lines if recurrence is not None}
    clash = rules.frequency_clash(lines)
    assert (clash is None) == (len(schedules) <= 1)
    if clash is not None:
        assert clash.expected in schedules
        assert all(recurrence != clash.expected for _, recurrence in clash.clashing)
        kept = sum(1 for _, r in lines if r == clash.expected)
        assert kept + len(clash.clashing) == sum(1 for _, r in lines if r is not None)
