"""How billing reads, in one place: "Monthly", "€49.00 / month", "Then €300.00 every 3 months"."""

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
    labels = {
        Interval.DAY: ngettext("Every %(counter)s day", "Every %(counter)s days", count),
        Interval.WEEK: ngettext("Every %(counter)s week", "Every %(counter)s weeks", count),
        Interval.MONTH: ngettext("Every %(counter)s month", "Every %(counter)s months", count),
        Interval.YEAR: ngettext("Every %(counter)s year", "Every %(counter)s years", count),
    }
    return labels[recurrence.interval] % {"counter": count}


def recurring_amount(amount: str, recurrence: Recurrence) -> str:
    """A formatted amount with its period: "€49.00 / month", "€1,200.00 every 3 months"."""
    count = recurrence.interval_count
    if count == 1:
        template = {
            Interval.DAY: gettext("%(amount)s / day"),
            Interval.WEEK: gettext("%(amount)s / week"),
            Interval.MONTH: gettext("%(amount)s / month"),
            Interval.YEAR: gettext("%(amount)s / year"),
        }[recurrence.interval]
    else:
        template = {
            Interval.DAY: ngettext(
                "%(amount)s every %(count)d day", "%(amount)s every %(count)d days", count
            ),
            Interval.WEEK: ngettext(
                "%(amount)s every %(count)d week", "%(amount)s every %(count)d weeks", count
            ),
            Interval.MONTH: ngettext(
                "%(amount)s every %(count)d month", "%(amount)s every %(count)d months", count
            ),
            Interval.YEAR: ngettext(
                "%(amount)s every %(count)d year", "%(amount)s every %(count)d years", count
            ),
        }[recurrence.interval]
    return template % {"amount": amount, "count": count}


def then_amount(amount: str, recurrence: Recurrence) -> str:
    """The line under "Due today": "Then €1,071.00 per month", "Then €300.00 every 3 months"."""
    count = recurrence.interval_count
    if count == 1:
        template = {
            Interval.DAY: gettext("Then %(amount)s per day"),
            Interval.WEEK: gettext("Then %(amount)s per week"),
            Interval.MONTH: gettext("Then %(amount)s per month"),
            Interval.YEAR: gettext("Then %(amount)s per year"),
        }[recurrence.interval]
    else:
        template = {
            Interval.DAY: ngettext(
                "Then %(amount)s every %(count)d day", "Then %(amount)s every %(count)d days", count
            ),
            Interval.WEEK: ngettext(
                "Then %(amount)s every %(count)d week",
                "Then %(amount)s every %(count)d weeks",
                count,
            ),
            Interval.MONTH: ngettext(
                "Then %(amount)s every %(count)d month",
                "Then %(amount)s every %(count)d months",
                count,
            ),
            Interval.YEAR: ngettext(
                "Then %(amount)s every %(count)d year",
                "Then %(amount)s every %(count)d years",
                count,
            ),
        }[recurrence.interval]
    return template % {"amount": amount, "count": count}
