"""Creating a draft from a deal and the wizard's steps: details, parties, lines, payment, notes.

Every edit locks the quote row and re-checks that it is still editable, so a
publish in another tab cannot interleave with an edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Literal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from dealdesk.catalog.lines import move_line
from dealdesk.catalog.models import DiscountKindChoice, Product
from dealdesk.crm.models import Company, Contact, Deal
from dealdesk.lib import clock
from dealdesk.payments.selectors import payment_readiness
from dealdesk.quotes.models import Quote, QuoteLine
from dealdesk.quotes.services._shared import (
    FROZEN_LINE_FIELDS,
    end_of_expiry_date,
    full_name,
    lock_editable,
    require_same_workspace,
)
from dealdesk.quotes.services.errors import (
    DealHasNoLines,
    FrequencyMismatch,
    PaymentsUnavailable,
    QuoteError,
)
from dealdesk.quotes.services.messages import frequency_problem
from dealdesk.workspaces.models import User

LINE_EDIT_FIELDS = ("quantity", "unit_amount_minor", "discount_kind", "discount_value")


@transaction.atomic
def quote_create(
    *,
    deal: Deal,
    user: User,
    title: str,
    template: str,
    language: str,
    expires_on: date,
    now: datetime | None = None,
) -> Quote:
    """Start a draft quote from a deal (R6), copying its lines, buyer and the seller's details.

    The copied lines are the quote's own: editing them never changes the deal.
    """
    now = now or clock.utcnow()
    deal_lines = list(deal.line_items.order_by("position", "pk"))
    if not deal_lines:
        raise DealHasNoLines(_("Add at least one product to the deal before creating a quote."))
    quote = Quote.objects.create(
        workspace=deal.workspace,
        deal=deal,
        created_by=user,
        title=title,
        template=template,
        language=language,
        expires_at=end_of_expiry_date(expires_on, now),
        currency=deal.currency,
        company=deal.company,
        seller_name=full_name(user),
        seller_email=user.email,
    )
    quote.contacts.set(deal.contacts.all())
    QuoteLine.objects.bulk_create(
        QuoteLine(quote=quote, **{**QuoteLine.copy_fields(line), "position": position})
        for position, line in enumerate(deal_lines)
    )
    return quote


@transaction.atomic
def quote_update_details(
    *,
    quote: Quote,
    title: str,
    template: str,
    language: str,
    expires_on: date,
    now: datetime | None = None,
) -> Quote:
    """Step 1: title, template, language and expiration date (R8)."""
    locked = lock_editable(quote)
    locked.title = title
    locked.template = template
    locked.language = language
    locked.expires_at = end_of_expiry_date(expires_on, now or clock.utcnow())
    locked.save(update_fields=["title", "template", "language", "expires_at", "updated_at"])
    return locked


@transaction.atomic
def quote_update_parties(
    *,
    quote: Quote,
    company: Company | None,
    contacts: Iterable[Contact],
    seller_name: str,
    seller_email: str,
    seller_phone: str,
) -> Quote:
    """Step 2: who the quote is for, and how the buyer reaches the seller."""
    locked = lock_editable(quote)
    contact_list = list(contacts)
    require_same_workspace(locked.workspace, *contact_list, *([company] if company else []))
    locked.company = company
    locked.seller_name = seller_name
    locked.seller_email = seller_email
    locked.seller_phone = seller_phone
    locked.save(
        update_fields=["company", "seller_name", "seller_email", "seller_phone", "updated_at"]
    )
    locked.contacts.set(contact_list)
    return locked


@transaction.atomic
def quote_update_payment(
    *,
    quote: Quote,
    payment_enabled: bool,
    collect_billing_address: bool,
    signature_required: bool,
) -> Quote:
    """Step 4: the "Use linked Stripe account" switch (R7, R2, R10) and signature collection."""
    locked = lock_editable(quote)
    if payment_enabled:
        readiness = payment_readiness(locked.workspace)
        if not readiness.can_accept_payments:
            raise PaymentsUnavailable(readiness.reason)
        problem = frequency_problem(locked.lines.all())
        if problem:
            raise FrequencyMismatch(problem)
    locked.payment_enabled = payment_enabled
    locked.collect_billing_address = payment_enabled and collect_billing_address
    locked.signature_required = signature_required
    locked.save(
        update_fields=[
            "payment_enabled",
            "collect_billing_address",
            "signature_required",
            "updated_at",
        ]
    )
    return locked


@transaction.atomic
def quote_update_notes(*, quote: Quote, comments: str, terms: str) -> Quote:
    """Step 5: comments and terms shown to the buyer."""
    locked = lock_editable(quote)
    locked.comments = comments
    locked.terms = terms
    locked.save(update_fields=["comments", "terms", "updated_at"])
    return locked


# --- Lines -----------------------------------------------------------------------------------


@transaction.atomic
def quote_lines_update(*, quote: Quote, lines: Sequence[QuoteLine]) -> None:
    """Step 3: save the seller's quantities, prices and discounts. The deal is untouched."""
    lock_editable(quote)
    for line in lines:
        if line.quote_id != quote.pk:
            raise ValueError("Line belongs to another quote.")
        if line.discount_kind == DiscountKindChoice.NONE:
            line.discount_value = 0
        line.as_line_input()  # the pricing core has the last word on limits
        line.unfreeze()  # amounts from the last published version no longer apply
    QuoteLine.objects.bulk_update(lines, [*LINE_EDIT_FIELDS, *FROZEN_LINE_FIELDS])


@transaction.atomic
def quote_line_add_from_product(*, quote: Quote, product: Product, quantity: int = 1) -> QuoteLine:
    """Add a catalog product to the quote (not to the deal), at the end."""
    locked = lock_editable(quote)
    require_same_workspace(locked.workspace, product)
    if product.currency != locked.currency:
        raise QuoteError(
            _("“%(product)s” is priced in %(product_currency)s; this quote is in %(currency)s.")
            % {
                "product": product.name,
                "product_currency": product.currency,
                "currency": locked.currency,
            }
        )
    top = locked.lines.aggregate(top=Max("position"))["top"]
    return QuoteLine.objects.create(
        quote=locked,
        quantity=quantity,
        position=0 if top is None else top + 1,
        **QuoteLine.product_fields(product),
    )


@transaction.atomic
def quote_line_remove(*, line: QuoteLine) -> None:
    lock_editable(line.quote)
    line.delete()


@transaction.atomic
def quote_line_move(*, line: QuoteLine, direction: Literal["up", "down"]) -> None:
    """Move a line one place up or down on its (editable) quote."""
    lock_editable(line.quote)
    move_line(
        line=line, siblings=QuoteLine.objects.filter(quote_id=line.quote_id), direction=direction
    )
