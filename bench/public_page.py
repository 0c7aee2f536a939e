"""Part 1: the buyer's quote page against the same bytes served from memory."""

from __future__ import annotations

import time
import urllib.request

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import fixtures, stack
from bench.report import Section, Target, ms, rate, ratio
from dealdesk.quotes import pdf, selectors
from dealdesk.quotes.models import Quote

LINE_COUNTS = (20, 200)


def fetch(path: str) -> bytes:
    with urllib.request.urlopen(f"http://{stack.HOST}:{stack.APP_PORT}{path}", timeout=30) as r:
        body: bytes = r.read()
        return body


def in_process(path: str, rounds: int = 20) -> tuple[int, float, float]:
    """Statements per request, and milliseconds per request in all and in SQL, measured in
    this process with Django's test client (no HTTP, no gunicorn)."""
    client = Client(HTTP_HOST=stack.HOST)
    client.get(path)  # warm: translations, templates, the document cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    queries = len(captured.captured_queries)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        for _ in range(rounds):
            client.get(path)
        total = (time.perf_counter() - started) / rounds
    sql = sum(float(query["time"]) for query in captured.captured_queries) / rounds
    return queries, total * 1000, sql * 1000


def pdf_render_ms(quote: Quote, rounds: int = 2) -> float:
    """Rendering a PDF from scratch (what the first download costs); best of a few."""
    doc = selectors.quote_document(quote=quote, check_account=False)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        pdf.quote_pdf(doc)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def prepare() -> dict[int, Quote]:
    owner = fixtures.seller()
    return {n: fixtures.published_quote(owner, n, title=f"Rollout {n}") for n in LINE_COUNTS}


def measure(quotes: dict[int, Quote], seconds: int) -> Section:
    section = Section(
        "1. Public quote page",
        [
            "lines",
            "page req/s",
            "baseline req/s",
            "ratio",
            "p50",
            "p99",
            "baseline p50",
            "queries/request",
            "in-process (SQL)",
            "bytes",
            "PDF render",
        ],
    )
    results = {}
    for lines, quote in quotes.items():
        path = f"/q/{quote.token}/"
        name = f"public-{lines}"
        (stack.VAR / f"{name}.html").write_bytes(fetch(path))
        page = stack.wrk(path, seconds=seconds)
        baseline = stack.wrk(f"/bench/page/{name}/", seconds=seconds)
        queries, total_ms, sql_ms = in_process(path)
        pdf_ms = pdf_render_ms(quote)
        results[lines] = (page, baseline, queries)
        section.rows.append(
            [
                str(lines),
                rate(page.rate),
                rate(baseline.rate),
                ratio(page.rate / baseline.rate),
                ms(page.p50_ms),
                ms(page.p99_ms),
                ms(baseline.p50_ms),
                str(queries),
                f"{ms(total_ms)} ({ms(sql_ms)})",
                str(len((stack.VAR / f"{name}.html").read_bytes())),
                ms(pdf_ms),
            ]
        )
        if page.errors or baseline.errors:
            section.notes.append(
                f"{lines} lines: {page.errors}/{baseline.errors} failed responses."
            )
    small, large = results[20], results[200]
    small_ratio = small[0].rate / small[1].rate
    growth = small[0].rate / large[0].rate
    section.targets = [
        Target("page/baseline ratio ≥ 0.5 at 20 lines", ratio(small_ratio), small_ratio >= 0.5),
        Target("200 lines cost ≤ 3 times the time of 20", f"{growth:.2f} times", growth <= 3),
        Target(
            "same queries for 20 and 200 lines, ≤ 5",
            f"{small[2]} and {large[2]}",
            small[2] == large[2] and small[2] <= 5,
        ),
    ]
    section.notes.append(
        "Baseline: the page's own bytes returned from memory by a view in the same gunicorn "
        "workers (same middleware). Queries counted in-process with CaptureQueriesContext. "
        "PDF: best of two renders from scratch; later downloads are served stored."
    )
    return section
