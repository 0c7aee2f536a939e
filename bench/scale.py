"""Part 4: the seller's and buyer's pages with 1,000 and with 100,000 quotes in the database.

The generator copies one quote published through the app (10 frozen lines) with
INSERT ... SELECT over generate_series, inside PostgreSQL: 100,000 quotes with
1,000,000 lines across 1,000 workspaces in well under a minute. The measured seller's
workspace holds 100 quotes in both runs, as every workspace does: what grows is
everyone else's data, which indexes must keep out of the seller's way.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import fixtures, stack
from bench.report import Section, Target, ms, rate, ratio
from dealdesk.crm.models import Deal
from dealdesk.quotes.models import Quote

DEALS_PER_WORKSPACE = 10
QUOTES_PER_DEAL = 10
LINES_PER_QUOTE = 10
SMALL_WORKSPACES = 10  # 1,000 quotes
LARGE_WORKSPACES = 1000  # 100,000 quotes, 1,000,000 lines
BIG_TABLES = (
    "quotes_quote",
    "quotes_quoteline",
    "crm_deal",
    "crm_company",
    "quotes_quote_contacts",
)


@dataclass(frozen=True)
class Pages:
    cookie: str
    paths: dict[str, str]


def _grow(template: Quote, *, first: int, last: int, existing: list[int]) -> None:
    """Ten deals of ten published quotes of ten lines for each new and each existing workspace.

    New workspaces are numbered first..last.
    """
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS gen_ws, gen_deal, gen_quote")
        cursor.execute("CREATE TEMP TABLE gen_ws (id bigint)")
        cursor.execute(
            "CREATE TEMP TABLE gen_deal"
            " (id bigint, workspace_id bigint, company_id bigint, rank bigint)"
        )
        cursor.execute("CREATE TEMP TABLE gen_quote (id bigint)")
        cursor.execute("INSERT INTO gen_ws SELECT unnest(%s::bigint[])", [existing])
        cursor.execute(
            """
            WITH created AS (
                INSERT INTO workspaces_workspace (name, address_line1, address_line2,
                    postal_code, city, country, vat_number, created_at)
                SELECT 'Scale workspace ' || g, '', '', '', '', '', '', now()
                FROM generate_series(%s, %s) g
                RETURNING id
            ) INSERT INTO gen_ws SELECT id FROM created
            """,
            [first, last],
        )
        cursor.execute(
            """
            INSERT INTO crm_company (workspace_id, name, domain, phone, address_line1,
                address_line2, postal_code, city, country, created_at)
            SELECT id, 'Globex ' || id, '', '', 'Hauptstraße 12', '', '10115', 'Berlin',
                'Germany', now() FROM gen_ws
            """
        )
        cursor.execute(
            """
            WITH created AS (
                INSERT INTO crm_deal (workspace_id, name, company_id, owner_id, stage,
                    close_date, currency, created_at, updated_at)
                SELECT w.id, 'Rollout deal ' || d, c.id, NULL, 'qualified', NULL, 'EUR',
                    now(), now()
                FROM gen_ws w
                JOIN LATERAL (SELECT max(id) AS id FROM crm_company WHERE workspace_id = w.id) c
                    ON true
                CROSS JOIN generate_series(1, %s) d
                RETURNING id, workspace_id, company_id
            ) INSERT INTO gen_deal
            SELECT *, row_number() OVER (PARTITION BY workspace_id ORDER BY id) FROM created
            """,
            [DEALS_PER_WORKSPACE],
        )
        cursor.execute(
            """
            WITH created AS (
                INSERT INTO quotes_quote (workspace_id, deal_id, created_by_id, status, title,
                    template, language, expires_at, currency, company_id, seller_name,
                    seller_email, seller_phone, payment_enabled, collect_billing_address,
                    signature_required, comments, terms, number, token, version,
                    published_at, buyer_snapshot, seller_snapshot, totals_snapshot,
                    first_viewed_at, last_viewed_at, view_count, accepted_name, accepted_at,
                    accepted_ip, created_at, updated_at)
                SELECT d.workspace_id, d.id, NULL, t.status, 'Rollout ' || d.id || '-' || q,
                    t.template, t.language, t.expires_at, t.currency, d.company_id,
                    t.seller_name, t.seller_email, t.seller_phone, t.payment_enabled,
                    t.collect_billing_address, t.signature_required, t.comments, t.terms,
                    100 + (d.rank - 1) * %s + q, md5(random()::text || d.id || '-' || q),
                    t.version, t.published_at, t.buyer_snapshot, t.seller_snapshot,
                    t.totals_snapshot, NULL, NULL, 0, '', NULL, NULL,
                    t.created_at - make_interval(mins => (d.rank * 100 + q)::int), now()
                FROM gen_deal d CROSS JOIN generate_series(1, %s) q
                JOIN quotes_quote t ON t.id = %s
                RETURNING id
            ) INSERT INTO gen_quote SELECT id FROM created
            """,
            [QUOTES_PER_DEAL, QUOTES_PER_DEAL, template.pk],
        )
        cursor.execute(
            """
            INSERT INTO crm_contact (workspace_id, first_name, last_name, email, phone,
                job_title, company_id, created_at)
            SELECT w.id, 'Carol', 'Buyer ' || w.id, 'carol' || w.id || '@globex.example', '',
                'Head of Operations', c.id, now()
            FROM gen_ws w
            JOIN LATERAL (SELECT max(id) AS id FROM crm_company WHERE workspace_id = w.id) c
                ON true
            """
        )
        cursor.execute(
            """
            INSERT INTO quotes_quote_contacts (quote_id, contact_id)
            SELECT q.id, (SELECT max(id) FROM crm_contact c WHERE c.workspace_id = q.workspace_id)
            FROM quotes_quote q JOIN gen_quote g ON g.id = q.id
            """
        )
        cursor.execute(
            """
            INSERT INTO quotes_quoteline (quote_id, name, description, quantity,
                unit_amount_minor, recurring_interval, recurring_interval_count,
                discount_kind, discount_value, tax_rate_bp, position, subtotal_minor,
                discount_minor, tax_minor, total_minor)
            SELECT q.id, l.name, l.description, l.quantity, l.unit_amount_minor,
                l.recurring_interval, l.recurring_interval_count, l.discount_kind,
                l.discount_value, l.tax_rate_bp, l.position, l.subtotal_minor,
                l.discount_minor, l.tax_minor, l.total_minor
            FROM gen_quote q CROSS JOIN quotes_quoteline l WHERE l.quote_id = %s
            """,
            [template.pk],
        )
        cursor.execute("DROP TABLE gen_ws, gen_deal, gen_quote")
        cursor.execute("ANALYZE")


def _counts() -> tuple[int, int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM quotes_quote), (SELECT count(*) FROM quotes_quoteline),"
            " (SELECT count(*) FROM workspaces_workspace)"
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _pages(owner: fixtures.Seller, template: Quote) -> Pages:
    deal = Deal.objects.filter(workspace=owner.workspace).exclude(pk=template.deal_id).first()
    assert deal is not None
    return Pages(
        cookie=owner.session_cookie(),
        paths={
            "quote list": "/quotes/",
            "search": "/quotes/?q=Rollout+" + str(deal.pk) + "-7",
            "deal page": f"/deals/{deal.pk}/",
            "public page": f"/q/{template.token}/",
        },
    )


def _queries(pages: Pages, path: str, owner: fixtures.Seller, public: bool) -> list[str]:
    client = Client(HTTP_HOST=stack.HOST)
    if not public:
        client.force_login(owner.user)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


def _plans(sqls: list[str]) -> list[tuple[str, str]]:
    """EXPLAIN of every SELECT that reads one of the tables that grow."""
    plans = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not sql.startswith("SELECT") or not any(f'"{t}"' in sql for t in BIG_TABLES):
                continue
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql)
            plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def _seq_scans(plan: str) -> list[str]:
    return [t for t in BIG_TABLES if re.search(rf"Seq Scan on {t}\b", plan)]


def run(seconds: int) -> list[Section]:
    owner = fixtures.seller("Scale Co", account_id="acct_scale")
    template = fixtures.published_quote(owner, LINES_PER_QUOTE, title="Rollout template")
    started = time.monotonic()
    _grow(template, first=2, last=SMALL_WORKSPACES, existing=[owner.workspace.pk])
    small_counts = _counts()
    pages = _pages(owner, template)
    measured: dict[str, list[stack.Load]] = {name: [] for name in pages.paths}
    with stack.gunicorn():
        for name, path in pages.paths.items():
            measured[name].append(
                stack.wrk(path, seconds=seconds, headers={"Cookie": pages.cookie})
            )
    grow_started = time.monotonic()
    _grow(template, first=SMALL_WORKSPACES + 1, last=LARGE_WORKSPACES, existing=[])
    generated_in = time.monotonic() - grow_started
    large_counts = _counts()
    with stack.gunicorn():
        for name, path in pages.paths.items():
            measured[name].append(
                stack.wrk(path, seconds=seconds, headers={"Cookie": pages.cookie})
            )

    section = Section(
        "4. Scale: 1,000 against 100,000 quotes",
        [
            "page",
            "req/s at 1k",
            "req/s at 100k",
            "growth (time)",
            "p50 at 1k",
            "p50 at 100k",
            "queries",
        ],
    )
    plans_section = Section(
        "4. Scale: query plans at 100,000 quotes", ["page", "query", "seq scans on big tables"]
    )
    plan_notes: list[str] = []
    for name, path in pages.paths.items():
        small, large = measured[name]
        growth = small.rate / large.rate if large.rate else float("inf")
        sqls = _queries(pages, path, owner, public=name == "public page")
        section.rows.append(
            [
                name,
                rate(small.rate),
                rate(large.rate),
                f"{growth:.2f}",
                ms(small.p50_ms),
                ms(large.p50_ms),
                str(len(sqls)),
            ]
        )
        section.targets.append(Target(f"{name} grows ≤ 1.5 times", ratio(growth), growth <= 1.5))
        for index, (sql, plan) in enumerate(_plans(sqls), 1):
            scans = _seq_scans(plan)
            plans_section.rows.append([name, str(index), ", ".join(scans) or "none"])
            short = sql if len(sql) < 600 else sql[:600] + " …"
            plan_notes += [
                f"**{name}, query {index}**",
                "",
                "```sql",
                short,
                "```",
                "",
                "```",
                plan,
                "```",
                "",
            ]
    section.notes.append(
        f"Rows: {small_counts[0]:,} quotes / {small_counts[1]:,} lines / {small_counts[2]:,} "
        f"workspaces, then {large_counts[0]:,} / {large_counts[1]:,} / {large_counts[2]:,} "
        f"(the last {large_counts[0] - small_counts[0]:,} quotes generated in "
        f"{generated_in:.0f} s; "
        f"part 4 took {time.monotonic() - started:.0f} s). The seller's workspace has 100 quotes "
        "in both; growth is the 100k time over the 1k time (req/s at 1k over req/s at 100k)."
    )
    plans_section.notes = [
        "<details><summary>EXPLAIN ANALYZE plans</summary>",
        "",
        *plan_notes,
        "</details>",
    ]
    return [section, plans_section]
