"""Reads for the CRM pages: every query is scoped to one workspace."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from dealdesk.catalog.models import Product
from dealdesk.crm.models import Company, Contact, Deal, DealLineItem, Stage
from dealdesk.lib.pricing import LinePrice, Totals, price_lines
from dealdesk.workspaces.models import User, Workspace


def deal_list(*, workspace: Workspace, stage: str = "") -> QuerySet[Deal]:
    deals = (
        Deal.objects.for_workspace(workspace)
        .select_related("company", "owner")
        .prefetch_related("line_items")
    )
    if stage in Stage.values:
        deals = deals.filter(stage=stage)
    return deals


def company_list(*, workspace: Workspace) -> QuerySet[Company]:
    # Meta.ordering is dropped in GROUP BY queries; order explicitly for stable pages.
    return (
        Company.objects.for_workspace(workspace)
        .annotate(contact_count=Count("contacts"))
        .order_by("name", "pk")
    )


def company_usage(*, company: Company) -> dict[str, int]:
    """How many contacts and deals point at a company (shown before deleting it)."""
    return {"contacts": company.contacts.count(), "deals": company.deals.count()}


def contact_list(*, workspace: Workspace) -> QuerySet[Contact]:
    return Contact.objects.for_workspace(workspace).select_related("company")


def workspace_members(*, workspace: Workspace) -> QuerySet[User]:
    """The users a deal can be assigned to: members of this workspace only."""
    return User.objects.filter(membership__workspace=workspace).order_by(
        "first_name", "last_name", "email"
    )


def products_for_deal(*, deal: Deal) -> QuerySet[Product]:
    """Active products a seller can add to this deal: same workspace, same currency."""
    return Product.objects.active().for_workspace(deal.workspace).filter(currency=deal.currency)


@dataclass(frozen=True)
class PricedLine:
    line: DealLineItem
    price: LinePrice
    is_first: bool
    is_last: bool


@dataclass(frozen=True)
class DealPricing:
    """A deal's lines in order with their prices, and the totals the deal page shows."""

    lines: tuple[PricedLine, ...]
    totals: Totals

    @property
    def discount_total(self) -> int:
        return self.totals.due_once.discount + sum(a.discount for _, a in self.totals.recurring)

    @property
    def tax_total(self) -> int:
        return self.totals.due_once.tax + sum(a.tax for _, a in self.totals.recurring)


def price_deal_lines(lines: Iterable[DealLineItem], currency: str) -> DealPricing:
    items = list(lines)
    totals = price_lines([item.as_line_input() for item in items], currency)
    last = len(items) - 1
    return DealPricing(
        lines=tuple(
            PricedLine(line=item, price=price, is_first=index == 0, is_last=index == last)
            for index, (item, price) in enumerate(zip(items, totals.lines, strict=True))
        ),
        totals=totals,
    )


def deal_pricing(*, deal: Deal) -> DealPricing:
    """Price a deal's line items with the one pricing rule in ``lib.pricing``."""
    return price_deal_lines(deal.line_items.select_related("product"), deal.currency)
