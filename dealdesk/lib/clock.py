"""The current time, in one place, so rules can take ``now`` as a plain argument.

Pure rules never read the clock: they receive ``now``. Services and selectors
accept an optional ``now`` (tests pass one) and fall back to ``utcnow()``.
"""

from datetime import UTC, date, datetime, time, tzinfo


def utcnow() -> datetime:
    """An aware datetime in UTC."""
    return datetime.now(UTC)


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """The last instant of ``day`` in ``zone``, as an aware datetime."""
    return datetime.combine(day, time.max, tzinfo=zone)


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The calendar date of an aware ``moment`` in ``zone``."""
    return moment.astimezone(zone).date()
