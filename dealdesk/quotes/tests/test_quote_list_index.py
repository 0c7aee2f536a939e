"""The seller's quote list reads a page of a workspace's newest quotes from an index,
whatever the number of quotes of other workspaces (bench part 4)."""

import pytest
from django.db import connection

from dealdesk.crm.models import Deal
from dealdesk.quotes import selectors
from dealdesk.quotes.tests.factories import published_quote
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def test_quote_list_page_is_read_in_order_from_the_index(
    acme: Workspace, deal: Deal, bob: User
) -> None:
    for _ in range(3):
        published_quote(deal, bob)
    page = selectors.quote_list(workspace=acme).select_related(None).prefetch_related(None)[:25]
    with connection.cursor() as cursor:
        # With a handful of rows any plan is cheap; forbid the sequential scan to see
        # which index the planner would use on a large table.
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Other indexes can serve the filter; with sorting priced out, only an index that
        # also yields the order is cheap, so the plan depends on the index, not on stats.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + str(page.query))
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "quote_list_newest_first" in plan
    assert "Sort" not in plan
