"""`make demo` data: a published quote, an expired one and a draft, loaded once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from dealdesk.quotes.models import Quote, QuoteStatus

pytestmark = pytest.mark.django_db


def test_demo_has_published_expired_and_draft_quotes_and_prints_the_link() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    again = StringIO()
    call_command("load_demo", stdout=again)

    quotes = list(Quote.objects.order_by("pk"))
    assert [q.status for q in quotes] == ["published", "published", "draft"]
    published, expired, draft = quotes
    assert not published.shows_as_expired
    assert expired.shows_as_expired
    assert draft.status == QuoteStatus.DRAFT
    link = f"http://127.0.0.1:8000/q/{published.token}/"
    assert link in out.getvalue()
    assert link in again.getvalue()  # idempotent: same quotes, same link
    assert Client().get(f"/q/{published.token}/").status_code == 200
