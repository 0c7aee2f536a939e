"""Baseline views, served by the same gunicorn workers as the app (only with DEALDESK_BENCH=1).

They pass through the same middleware as every page, so the ratio app/baseline says how
much of the stack's limit a page leaves unused.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

# The driver writes the pages it measures here before asking for their baseline.
PAGES_DIR = Path(os.environ.get("DEALDESK_BENCH_DIR", "var/bench"))
WEBHOOK_TABLE = "bench_webhook_baseline"
_NAME = re.compile(r"[a-z0-9-]{1,40}")
_pages: dict[str, bytes] = {}


@require_GET
def page_from_memory(request: HttpRequest, name: str) -> HttpResponse:
    """The same bytes as a measured page, read from disk once per worker, then from memory."""
    if not _NAME.fullmatch(name):
        raise Http404
    body = _pages.get(name)
    if body is None:
        try:
            body = _pages[name] = (PAGES_DIR / f"{name}.html").read_bytes()
        except FileNotFoundError:
            raise Http404 from None
    return HttpResponse(body, content_type="text/html; charset=utf-8")


@csrf_exempt
@require_POST
def webhook_insert(request: HttpRequest) -> HttpResponse:
    """One INSERT of the raw body and a 200: the least a webhook endpoint can do."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {WEBHOOK_TABLE} (body) VALUES (%s)",  # noqa: S608 (a constant name)
            [request.body.decode()],
        )
    return HttpResponse(status=200)
