"""Actions on companies, contacts, deals and deal line items.

Callers pass objects they already looked up through ``for_workspace``; the
services keep every write inside that workspace and run in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils.translation import gettext as _

from dealdesk.catalog.lines import move_line
from dealdesk.catalog.models import DiscountKindChoice, Product
from dealdesk.crm.models import Company, Contact, Deal, DealLineItem, Stage
from dealdesk.workspaces.models import User, Workspace

LINE_FIELDS = (
    "name",
    "description",
    "quantity",
    "unit_amount_minor",
    "recurring_interval",
    "recurring_interval_count",
    "discount_kind",
    "discount_value",
    "tax_rate_bp",
)


class CurrencyMismatchError(ValueError):
    """A product priced in one currency cannot be added to a deal in another."""


class CurrencyLockedError(ValueError):
    """A deal's currency is fixed once it has line items."""


class DealInUse(ValueError):
    """The deal has quotes and must stay."""


def _require_same_workspace(workspace: Workspace, *objects: Any) -> None:
    # Forms already limit choices; this is the last line of defence.
    for obj in objects:
        if obj is not None and obj.workspace_id != workspace.pk:
            raise ValueError("Object belongs to another workspace.")


@transaction.atomic
def company_save(*, company: Company, workspace: Workspace) -> Company:
    """Create or update a company in the workspace."""
    company.workspace = workspace
    company.save()
    return company


@transaction.atomic
def company_delete(*, company: Company) -> None:
    """Delete a company; its contacts and deals stay and lose the link (SET_NULL)."""
    company.delete()


@transaction.atomic
def contact_save(*, contact: Contact, workspace: Workspace) -> Contact:
    """Create or update a contact in the workspace."""
    _require_same_workspace(workspace, contact.company)
    contact.workspace = workspace
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Delete a contact; deals keep working without them."""
    contact.delete()


@transaction.atomic
def deal_save(
    *,
    deal: Deal,
    workspace: Workspace,
    contacts: Iterable[Contact],
) -> Deal:
    """Create or update a deal and set its contacts.

    The currency cannot change once the deal has line items: their prices are
    in the old currency. The owner must be a member of the workspace.
    """
    contact_list = list(contacts)
    _require_same_workspace(workspace, deal.company, *contact_list)
    if (
        deal.owner_id is not None
        and not User.objects.filter(pk=deal.owner_id, membership__workspace=workspace).exists()
    ):
        raise ValueError("The owner is not a member of this workspace.")
    if deal.pk is not None:
        stored = Deal.objects.select_for_update().get(pk=deal.pk, workspace=workspace)
        if stored.currency != deal.currency and stored.line_items.exists():
            raise CurrencyLockedError(_("The currency can't change once the deal has line items."))
    deal.workspace = workspace
    deal.save()
    deal.contacts.set(contact_list)
    return deal


@transaction.atomic
def deal_delete(*, deal: Deal) -> None:
    """Delete a deal with its line items. A deal that has quotes is kept (buyers hold links)."""
    try:
        deal.delete()
    except ProtectedError as error:
        raise DealInUse(
            _(
                "This deal has quotes, so it cannot be deleted: buyers may still open them. "
                "Move the deal to “Closed lost” instead."
            )
        ) from error


def _next_position(deal: Deal) -> int:
    top = deal.line_items.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


@transaction.atomic
def line_add_from_product(*, deal: Deal, product: Product, quantity: int = 1) -> DealLineItem:
    """Add a line copying the product's name, price, billing and tax.

    The copy is independent: later edits to the product never change the line.
    """
    _require_same_workspace(deal.workspace, product)
    if product.currency != deal.currency:
        raise CurrencyMismatchError(
            _("“%(product)s” is priced in %(product_currency)s; this deal is in %(deal_currency)s.")
            % {
                "product": product.name,
                "product_currency": product.currency,
                "deal_currency": deal.currency,
            }
        )
    Deal.objects.select_for_update().filter(pk=deal.pk).first()
    return DealLineItem.objects.create(
        deal=deal,
        product=product,
        quantity=quantity,
        position=_next_position(deal),
        **DealLineItem.product_fields(product),
    )


@transaction.atomic
def line_add_custom(*, deal: Deal, line: DealLineItem) -> DealLineItem:
    """Add a line the seller typed in (no product), at the end of the deal."""
    Deal.objects.select_for_update().filter(pk=deal.pk).first()
    line.deal = deal
    line.product = None
    line.position = _next_position(deal)
    if line.discount_kind == DiscountKindChoice.NONE:
        line.discount_value = 0
    line.save()
    return line


@transaction.atomic
def line_update(*, line: DealLineItem) -> DealLineItem:
    """Save the seller's edits to a line (its product link stays as it was)."""
    if line.discount_kind == DiscountKindChoice.NONE:
        line.discount_value = 0
    line.save(update_fields=LINE_FIELDS)
    return line


@transaction.atomic
def line_delete(*, line: DealLineItem) -> None:
    line.delete()


@transaction.atomic
def line_move(*, line: DealLineItem, direction: Literal["up", "down"]) -> None:
    """Move a line one place up or down on its deal."""
    Deal.objects.select_for_update().filter(pk=line.deal_id).first()
    move_line(
        line=line, siblings=DealLineItem.objects.filter(deal_id=line.deal_id), direction=direction
    )


@transaction.atomic
def deal_mark_won(*, deal: Deal, on: date) -> Deal:
    """The deal's quote was paid: the deal is closed won, closing on the payment's date.

    Idempotent: a deal already closed won keeps its close date.
    """
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if locked.stage != Stage.CLOSED_WON:
        locked.stage = Stage.CLOSED_WON
        locked.close_date = on
        locked.save(update_fields=["stage", "close_date", "updated_at"])
    return locked
