"""Reads for quote pages. Seller reads are scoped to a workspace; the buyer's by token."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dealdesk.crm.models import Company, Deal
from dealdesk.lib import clock
from dealdesk.lib.pricing import Amounts, LinePrice, Recurrence, Totals, price_lines
from dealdesk.payments.selectors import (
    PurchaseSummary,
    payment_readiness,
    purchase_summaries,
    takes_payments_exists,
)
from dealdesk.quotes import page_cache, rules, snapshots
from dealdesk.quotes.models import Quote, QuoteLine, QuoteStatus, QuoteTemplate
from dealdesk.workspaces.models import Workspace, WorkspaceLogo

# The seller's list filters by what a quote shows as: "expired" is published and past its date.
EXPIRED = "expired"
LIST_STATUSES = [
    (QuoteStatus.DRAFT.value, QuoteStatus.DRAFT.label),
    (QuoteStatus.PUBLISHED.value, QuoteStatus.PUBLISHED.label),
    (EXPIRED, _("Expired")),
    (QuoteStatus.RECALLED.value, QuoteStatus.RECALLED.label),
    (QuoteStatus.ACCEPTED.value, QuoteStatus.ACCEPTED.label),
    (QuoteStatus.PAID.value, QuoteStatus.PAID.label),
    (QuoteStatus.ARCHIVED.value, QuoteStatus.ARCHIVED.label),
]


def _number_searched(query: str) -> int | None:
    """ "Q-0042", "q42" or "42" all mean quote number 42."""
    digits = query.upper().removeprefix("Q").lstrip("- ")
    return int(digits) if digits.isdigit() and len(digits) <= 9 else None


def _search(query: str, workspace: Workspace) -> Q:
    """Number, title, deal, buyer company (as published, or as it is now) and buyer contact.

    Deal, company and contacts are matched by EXISTS on rows of the workspace, not by
    joins: joined, PostgreSQL hashed every workspace's deals and companies (and matched
    the text against every workspace's contacts) before keeping the workspace's quotes."""
    deals = Deal.objects.filter(pk=OuterRef("deal_id"), workspace=workspace, name__icontains=query)
    companies = Company.objects.filter(
        pk=OuterRef("company_id"), workspace=workspace, name__icontains=query
    )
    contacts = (
        Quote.contacts.through.objects.filter(quote_id=OuterRef("pk"), contact__workspace=workspace)
        .annotate(full_name=Concat("contact__first_name", Value(" "), "contact__last_name"))
        .filter(Q(full_name__icontains=query) | Q(contact__email__icontains=query))
    )
    condition = (
        Q(title__icontains=query)
        | Q(Exists(deals))
        | Q(Exists(companies))
        | Q(buyer_snapshot__company_name__icontains=query)
        | Q(Exists(contacts))
    )
    number = _number_searched(query)
    if number is not None:
        condition |= Q(number=number)
    return condition


def quote_list(
    *, workspace: Workspace, status: str = "", query: str = "", now: datetime | None = None
) -> QuerySet[Quote]:
    """The workspace's quotes for the seller's list, filtered by status and a search.

    A fixed number of queries for any page: one for the quotes with their deal,
    company and owner, one for all their lines (amounts of drafts are priced live).
    """
    now = now or clock.utcnow()
    quotes = (
        Quote.objects.for_workspace(workspace)
        .select_related("deal", "company", "created_by")
        .prefetch_related("lines")
    )
    if status == EXPIRED:
        quotes = quotes.filter(status=QuoteStatus.PUBLISHED, expires_at__lt=now)
    elif status == QuoteStatus.PUBLISHED:
        quotes = quotes.filter(status=QuoteStatus.PUBLISHED, expires_at__gte=now)
    elif status in QuoteStatus.values:
        quotes = quotes.filter(status=status)
    query = query.strip()
    if query:
        quotes = quotes.filter(_search(query, workspace))
    return quotes


@dataclass(frozen=True)
class QuoteRow:
    """One line of the seller's quote list."""

    quote: Quote
    company_name: str
    totals: Totals


def quote_rows(quotes: Iterable[Quote]) -> list[QuoteRow]:
    """Buyer company and amounts as the buyer sees them: frozen once published, live for drafts.

    Uses the lines prefetched by ``quote_list``; no queries of its own.
    """
    rows = []
    for quote in quotes:
        _prices, totals, frozen = _priced_lines(quote, list(quote.lines.all()))
        if frozen:
            company_name = str(quote.buyer_snapshot.get("company_name", ""))
        else:
            company_name = quote.company.name if quote.company else ""
        rows.append(QuoteRow(quote=quote, company_name=company_name, totals=totals))
    return rows


@dataclass(frozen=True)
class DealQuote:
    """A quote on its deal's page, with every attempt to pay it."""

    quote: Quote
    purchases: list[PurchaseSummary]


def deal_quotes(*, workspace: Workspace, deal: Deal) -> list[DealQuote]:
    """The deal's quotes, newest first, with their purchases: one query for the quotes and
    purchase_summaries' own, however many there are."""
    quotes = list(Quote.objects.for_workspace(workspace).filter(deal=deal))
    purchases = purchase_summaries(workspace=workspace, quotes=quotes)
    return [DealQuote(quote=quote, purchases=purchases[quote.pk]) for quote in quotes]


def public_quote(*, token: str) -> Quote | None:
    """The quote behind a buyer's link, or None for a wrong, recalled or archived one."""
    if not token or len(token) > 64:
        return None
    return (
        # company: the Purchase dialog prefills the billing address from it.
        Quote.objects.select_related("workspace", "workspace__logo", "company")
        # The logo's bytes only when a page is rendered, not on every view of a cached one.
        .defer("workspace__logo__data")
        .annotate(account_takes_payments=takes_payments_exists(OuterRef("workspace")))
        .filter(token=token, status__in=rules.PUBLIC)
        .first()
    )


# The page stamp's columns: the quote, its logo, its company's address and whether its
# Stripe account takes payments.
_COMPANY_ADDRESS = tuple(f"company__{name}" for name in page_cache.COMPANY_ADDRESS_FIELDS)
_STAMP_COLUMNS = (
    "id",
    "token",
    "version",
    "published_at",
    "language",
    "status",
    "expires_at",
    "accepted_at",
    "payment_enabled",
    "signature_required",
    "workspace_id",
    "workspace__logo__id",
    "workspace__logo__updated_at",
    "company_id",
    *_COMPANY_ADDRESS,
    "account_takes_payments",
)
_TOKEN_SLOT = "\x00token"


def public_page_stamp(*, token: str) -> page_cache.PageStamp | None:
    """Everything a buyer's page key needs, in one statement; None for a link that does
    not work. The ORM's compiling of this query took most of a cached page view's time,
    so its SQL is compiled once per process and run with each token."""
    if not token or len(token) > 64:
        return None
    sql, params, slot = _page_stamp_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params[:slot], token, *params[slot + 1 :]))
        row = cursor.fetchone()
    if row is None:
        return None
    found = dict(zip(_STAMP_COLUMNS, row, strict=True))
    expires_at = _aware(found["expires_at"])
    if expires_at is None:
        raise ValueError("a quote without an expiry date")  # the column is NOT NULL
    logo_id, company_id = found["workspace__logo__id"], found["company_id"]
    return page_cache.PageStamp(
        quote_id=found["id"],
        token=found["token"],
        version=found["version"],
        published_at=_aware(found["published_at"]),
        language=found["language"],
        status=found["status"],
        expires_at=expires_at,
        accepted_at=_aware(found["accepted_at"]),
        payment_enabled=bool(found["payment_enabled"]),
        signature_required=bool(found["signature_required"]),
        workspace_id=found["workspace_id"],
        logo=(logo_id, _aware(found["workspace__logo__updated_at"])) if logo_id is not None else (),
        company_address=(
            (company_id, *(found[name] for name in _COMPANY_ADDRESS))
            if company_id is not None
            else ()
        ),
        account_takes_payments=bool(found["account_takes_payments"]),
    )


@functools.cache
def _page_stamp_sql(vendor: str) -> tuple[str, tuple[Any, ...], int]:
    query = (
        Quote.objects.filter(token=_TOKEN_SLOT, status__in=sorted(rules.PUBLIC))
        .annotate(account_takes_payments=takes_payments_exists(OuterRef("workspace")))
        .values_list(*_STAMP_COLUMNS)
        .order_by()
    )
    sql, params = query.query.sql_with_params()
    return sql, tuple(params), list(params).index(_TOKEN_SLOT)


def _aware(value: datetime | str | None) -> datetime | None:
    """A datetime column read without the ORM's converters: PostgreSQL gives it aware,
    SQLite naive (or as text) in UTC."""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed is None or parsed.tzinfo is not None:
        return parsed
    return parsed.replace(tzinfo=UTC)


def account_takes_payments(quote: Quote) -> bool | None:
    """Whether the quote's Stripe account takes payments, as ``public_quote`` read it in the
    same query; None for a quote read elsewhere (ask ``payment_readiness``)."""
    known: bool | None = getattr(quote, "account_takes_payments", None)
    return known


def page_stamp_of(quote: Quote) -> page_cache.PageStamp:
    """The page stamp of a quote read by ``public_quote``: the state its page shows."""
    return page_cache.PageStamp.of(
        quote, account_takes_payments=bool(account_takes_payments(quote))
    )


@dataclass(frozen=True)
class DocumentLine:
    line: QuoteLine
    price: LinePrice
    recurrence: Recurrence | None


@dataclass(frozen=True)
class LineGroup:
    key: str
    title: str
    lines: tuple[DocumentLine, ...]


@dataclass(frozen=True)
class QuoteDocument:
    """Everything the quote page, the seller's preview and the PDF show."""

    quote: Quote
    currency: str
    one_time: tuple[DocumentLine, ...]
    recurring: tuple[DocumentLine, ...]
    totals: Totals
    buyer: snapshots.BuyerSnapshot
    seller: snapshots.SellerSnapshot
    is_frozen: bool
    is_expired: bool
    purchase: rules.PurchaseState
    can_sign: bool
    logo_data_uri: str = ""

    @property
    def due_today(self) -> Amounts:
        """One-time lines plus the first period of every recurring line (R12)."""
        groups = (self.totals.due_once, *(amounts for _, amounts in self.totals.recurring))
        return Amounts(
            subtotal=sum(g.subtotal for g in groups),
            discount=sum(g.discount for g in groups),
            net=sum(g.net for g in groups),
            tax=sum(g.tax for g in groups),
            total=sum(g.total for g in groups),
        )

    @property
    def groups(self) -> list[LineGroup]:
        """Lines under "Due today" (one-time) and "Recurring", leaving out an empty group."""
        groups = [
            LineGroup("once", gettext("Due today"), self.one_time),
            LineGroup("recurring", gettext("Recurring"), self.recurring),
        ]
        return [group for group in groups if group.lines]

    @property
    def compact(self) -> bool:
        """The compact template shows line totals only."""
        return self.quote.template == QuoteTemplate.COMPACT

    @property
    def shows_purchase(self) -> bool:
        return self.purchase is rules.PurchaseState.AVAILABLE

    @property
    def has_discount(self) -> bool:
        return any(item.price.discount for item in (*self.one_time, *self.recurring))


def _priced_lines(quote: Quote, lines: list[QuoteLine]) -> tuple[list[LinePrice], Totals, bool]:
    frozen = [line.frozen_price for line in lines]
    if quote.version and quote.status != QuoteStatus.RECALLED and all(frozen):
        prices = [price for price in frozen if price is not None]
        return prices, snapshots.totals_from_json(quote.totals_snapshot, tuple(prices)), True
    totals = price_lines([line.as_line_input() for line in lines], quote.currency)
    return list(totals.lines), totals, False


def _account_ready(quote: Quote) -> bool:
    known = account_takes_payments(quote)
    return known if known is not None else payment_readiness(quote.workspace).can_accept_payments


def _logo_data_uri(quote: Quote) -> str:
    try:
        return quote.workspace.logo.data_uri  # select_related by public_quote
    except WorkspaceLogo.DoesNotExist:
        return ""


def quote_document(
    *,
    quote: Quote,
    now: datetime | None = None,
    check_account: bool = True,
    as_published: bool = False,
) -> QuoteDocument:
    """The quote as its buyer sees it: frozen copies once published, live data for a draft.

    ``as_published`` shows a draft's Purchase and signature areas as they will
    be once it is published (the seller's preview). A fixed number of queries
    whatever the number of lines: the lines, the buyer's contacts for a draft,
    and the Stripe connection when payment is on.
    """
    now = now or clock.utcnow()
    status = QuoteStatus.PUBLISHED if as_published and quote.is_editable else quote.status
    lines = list(quote.lines.all())
    prices, totals, frozen = _priced_lines(quote, lines)
    document_lines = [
        DocumentLine(line=line, price=price, recurrence=line.recurrence)
        for line, price in zip(lines, prices, strict=True)
    ]
    if frozen:
        buyer: snapshots.BuyerSnapshot = quote.buyer_snapshot
        seller: snapshots.SellerSnapshot = quote.seller_snapshot
    else:
        buyer = snapshots.buyer_snapshot(quote.company, quote.contacts.all())
        seller = snapshots.seller_snapshot(
            workspace=quote.workspace,
            name=quote.seller_name,
            email=quote.seller_email,
            phone=quote.seller_phone,
        )
    needs_account = check_account and quote.payment_enabled and status == QuoteStatus.PUBLISHED
    account_ready = needs_account and _account_ready(quote)
    return QuoteDocument(
        logo_data_uri=_logo_data_uri(quote),
        quote=quote,
        currency=quote.currency,
        one_time=tuple(item for item in document_lines if item.recurrence is None),
        recurring=tuple(item for item in document_lines if item.recurrence is not None),
        totals=totals,
        buyer=buyer,
        seller=seller,
        is_frozen=frozen,
        is_expired=quote.is_expired(now),
        purchase=rules.purchase_state(
            status=status,
            payment_enabled=quote.payment_enabled,
            expires_at=quote.expires_at,
            now=now,
            account_can_accept_payments=account_ready,
        ),
        can_sign=rules.can_accept_signature(
            status=status,
            signature_required=quote.signature_required,
            payment_enabled=quote.payment_enabled,
            expires_at=quote.expires_at,
            now=now,
        ),
    )
