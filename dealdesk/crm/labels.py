"""How billing reads to a seller: "One-time", "Every 3 months", "€49.00 / month"."""

from __future__ import annotations

from django.utils.translation import gettext, ngettext

from dealdesk.lib.pricing import Interval, Recurrence


def billing_label(recurrence: Recurrence | None) -> str:
    """How often a line is billed, worded like the catalog: "Monthly", "Every 3 months"."""
    if recurrence is None:
        return gettext("One-time")
    count = recurrence.interval_count
    if count == 1:
        return {
            Interval.DAY: gettext("Daily"),
            Interval.WEEK: gettext("Weekly"),
            Interval.MONTH: gettext("Monthly"),
            Interval.YEAR: gettext("Yearly"),
        }[recurrence.interval]
    # Same message ids as catalog/recurrence.html, so one translation serves both.
    labels = {
        Interval.DAY: ngettext("Every %(counter)s day", "Every %(counter)s days", count),
        Interval.WEEK: ngettext("Every %(counter)s week", "Every %(counter)s weeks", count),
        Interval.MONTH: ngettext("Every %(counter)s month", "Every %(counter)s months", count),
        Interval.YEAR: ngettext("Every %(counter)s year", "Every %(counter)s years", count),
    }
    return labels[recurrence.interval] % {"counter": count}


def per_interval(recurrence: Recurrence) -> str:
    """The unit after an amount: "month" in "€49.00 / month", "3 months" for quarterly."""
    count = recurrence.interval_count
    labels = {
        Interval.DAY: ngettext("day", "%(count)d days", count),
        Interval.WEEK: ngettext("week", "%(count)d weeks", count),
        Interval.MONTH: ngettext("month", "%(count)d months", count),
        Interval.YEAR: ngettext("year", "%(count)d years", count),
    }
    return labels[recurrence.interval] % {"count": count}
