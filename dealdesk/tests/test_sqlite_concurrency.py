"""The embedded SQLite database of the demo survives concurrent writes (no "database is locked"),
and serves the buyer's page (read partly without the ORM's converters).

The suite runs on PostgreSQL, so this test runs the app in a child process on a
SQLite file, exactly as ``make demo`` configures it, and fires eight accepts of
one quote at once from eight threads.
"""

from pathlib import Path

from dealdesk.tests.sqlite_child import run_on_sqlite

SCRIPT = r"""
import threading

from django.db import connection
from django.test import Client
from django.urls import reverse

from dealdesk.factories import MembershipFactory, UserFactory, WorkspaceFactory
from dealdesk.quotes.models import Quote
from dealdesk.quotes import services
from dealdesk.quotes.tests.factories import deal_with_lines, draft_quote
from dealdesk.workspaces.models import Role

workspace = WorkspaceFactory.create(name="Acme GmbH")
bob = UserFactory.create(email="bob@acme.example")
MembershipFactory.create(user=bob, workspace=workspace, role=Role.SELLER)
draft = draft_quote(deal_with_lines(workspace), bob)
draft.signature_required = True
draft.save(update_fields=["signature_required"])
quote = services.quote_publish(quote=draft, user=bob)
url = reverse("quotes:public_accept", kwargs={"token": quote.token})
page = reverse("quotes:public", kwargs={"token": quote.token})
buyer = Client(HTTP_HOST="127.0.0.1")
print("PAGES", [buyer.get(page).status_code for _ in range(2)])  # rendered, then cached
connection.close()

start = threading.Barrier(8)
statuses = []

def accept(number):
    client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
    start.wait()
    response = client.post(url, {"full_name": f"Carol {number}", "agree": "on"})
    statuses.append(response.status_code)
    connection.close()

threads = [threading.Thread(target=accept, args=(n,)) for n in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
quote = Quote.objects.get(pk=quote.pk)
print("STATUSES", sorted(statuses))
print("ACCEPTED_BY", quote.accepted_name)
"""


def test_eight_simultaneous_accepts_on_sqlite_never_fail(tmp_path: Path) -> None:
    out = run_on_sqlite(SCRIPT, tmp_path)

    assert "PAGES [200, 200]" in out, out
    assert "STATUSES [302, 302, 302, 302, 302, 302, 302, 302]" in out, out
    assert "ACCEPTED_BY Carol" in out
