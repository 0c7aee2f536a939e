"""What publishing copies into a quote: totals and both parties, as plain JSON.

The same builders serve the seller's preview of a draft (read live from the
CRM) and the frozen copy a buyer sees, so both look the same. The seller's
address and VAT number are frozen too: changing the workspace settings later
does not change a published quote (quotes published before they existed have none).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NotRequired, TypedDict

from dealdesk.crm.models import Company, Contact
from dealdesk.lib.pricing import Amounts, Interval, LinePrice, Recurrence, Totals
from dealdesk.workspaces.models import Workspace


class Person(TypedDict):
    name: str
    email: str
    job_title: str


class BuyerSnapshot(TypedDict):
    company_name: str
    address: list[str]
    contacts: list[Person]


class SellerSnapshot(TypedDict):
    workspace_name: str
    name: str
    email: str
    phone: str
    address: NotRequired[list[str]]
    vat_number: NotRequired[str]


def postal_address(party: Company | Workspace) -> list[str]:
    """A company's or the seller's address as printed lines, leaving out empty ones."""
    city = " ".join(part for part in (party.postal_code, party.city) if part)
    lines = [party.address_line1, party.address_line2, city, party.country]
    return [line for line in lines if line]


def buyer_snapshot(company: Company | None, contacts: Iterable[Contact]) -> BuyerSnapshot:
    return {
        "company_name": company.name if company else "",
        "address": postal_address(company) if company else [],
        "contacts": [
            {"name": str(contact), "email": contact.email, "job_title": contact.job_title}
            for contact in contacts
        ],
    }


def seller_snapshot(*, workspace: Workspace, name: str, email: str, phone: str) -> SellerSnapshot:
    return {
        "workspace_name": workspace.name,
        "name": name,
        "email": email,
        "phone": phone,
        "address": postal_address(workspace),
        "vat_number": workspace.vat_number,
    }


def _amounts_json(amounts: Amounts) -> dict[str, int]:
    return {
        "subtotal": amounts.subtotal,
        "discount": amounts.discount,
        "net": amounts.net,
        "tax": amounts.tax,
        "total": amounts.total,
    }


def _amounts(data: dict[str, Any]) -> Amounts:
    return Amounts(
        subtotal=int(data["subtotal"]),
        discount=int(data["discount"]),
        net=int(data["net"]),
        tax=int(data["tax"]),
        total=int(data["total"]),
    )


def totals_json(totals: Totals) -> dict[str, Any]:
    """Totals as stored on a published quote (line prices live on the lines)."""
    return {
        "currency": totals.currency,
        "due_once": _amounts_json(totals.due_once),
        "recurring": [
            {
                "interval": recurrence.interval.value,
                "interval_count": recurrence.interval_count,
                "amounts": _amounts_json(amounts),
            }
            for recurrence, amounts in totals.recurring
        ],
        "due_today": totals.due_today,
    }


def totals_from_json(data: dict[str, Any], lines: tuple[LinePrice, ...]) -> Totals:
    return Totals(
        currency=str(data["currency"]),
        lines=lines,
        due_once=_amounts(data["due_once"]),
        recurring=tuple(
            (
                Recurrence(Interval(group["interval"]), int(group["interval_count"])),
                _amounts(group["amounts"]),
            )
            for group in data["recurring"]
        ),
    )
