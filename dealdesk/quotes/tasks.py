"""Background work of quotes, run by ``manage.py db_worker``."""

from __future__ import annotations

from django_tasks import task

from dealdesk.quotes.visits import visits_flush


@task()
def quote_visits_flush() -> int:
    """Write the buyers' visits counted in Redis into their quotes."""
    return visits_flush()
