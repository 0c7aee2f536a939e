"""Actions on quotes. Keyword-only, one transaction each; callers pass rows they looked up
through ``for_workspace`` (or, for the buyer, through the token).

Every edit locks the quote row and re-checks that it is still editable, so a
publish in another tab cannot interleave with an edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Literal

from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from dealdesk.catalog.labels import billing_label
from dealdesk.catalog.lines import move_line
from dealdesk.catalog.models import DiscountKindChoice, Product
from dealdesk.crm.models import Company, Contact, Deal
from dealdesk.lib import clock
from dealdesk.lib.money import stripe_amount_ok
from dealdesk.lib.pricing import price_lines
from dealdesk.payments.selectors import (
    PaymentReadiness,
    payable_purchases,
    payment_readiness,
    purchase_in_flight,
)
from dealdesk.payments.stripe_gateway import StripeRefused
from dealdesk.quotes import rules, snapshots
from dealdesk.quotes.models import Quote, QuoteCounter, QuoteLine, QuoteStatus
from dealdesk.quotes.selectors import PUBLIC_STATUSES
from dealdesk.workspaces.models import User, Workspace

LINE_EDIT_FIELDS = ("quantity", "unit_amount_minor", "discount_kind", "discount_value")
FROZEN_LINE_FIELDS = ("subtotal_minor", "discount_minor", "tax_minor", "total_minor")


class QuoteError(ValueError):
    """An action was refused; ``str(error)`` is a message for the seller or buyer."""


class DealHasNoLines(QuoteError):
    """R6: a quote is made from a deal's line items, so the deal needs at least one."""


class QuoteNotEditable(QuoteError):
    pass


class PaymentsUnavailable(QuoteError):
    """R2/R7: the workspace's Stripe account cannot take payments now."""


class FrequencyMismatch(QuoteError):
    """R10: with payment on, recurring lines must share one billing frequency."""


class PublishRefused(QuoteError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def _lock(quote: Quote) -> Quote:
    # of=("self",): lock the quote only, not the joined workspace row.
    return (
        Quote.objects.select_for_update(of=("self",)).select_related("workspace").get(pk=quote.pk)
    )


def _lock_editable(quote: Quote) -> Quote:
    locked = _lock(quote)
    if not locked.is_editable:
        raise QuoteNotEditable(
            _("This quote is published. Recall it to make changes; the link stays the same.")
        )
    return locked


def _full_name(user: User) -> str:
    return user.get_full_name() or user.email


def _require_same_workspace(workspace: Workspace, *objects: Company | Contact | Product) -> None:
    for obj in objects:
        if obj.workspace_id != workspace.pk:
            raise ValueError("Object belongs to another workspace.")


# --- Rules as messages -----------------------------------------------------------------------


def frequency_message(clash: rules.FrequencyClash) -> str:
    """R10 in the seller's words, naming the clashing lines."""
    items = ", ".join(
        _("“%(name)s” (%(billing)s)") % {"name": name, "billing": billing_label(recurrence)}
        for name, recurrence in clash.clashing
    )
    return _(
        "To take payments, all recurring items must be billed on one schedule. "
        "These items are not billed “%(expected)s” like the others: %(items)s. Change "
        "their billing or remove them, or leave payments off."
    ) % {"expected": billing_label(clash.expected), "items": items}


def frequency_problem(lines: Iterable[QuoteLine]) -> str:
    clash = rules.frequency_clash([(line.name, line.recurrence) for line in lines])
    return frequency_message(clash) if clash else ""


def publish_problems(
    *,
    quote: Quote,
    lines: Sequence[QuoteLine],
    now: datetime,
    readiness: PaymentReadiness | None,
) -> list[str]:
    """Everything that stops a quote from being published, as messages (empty: go ahead)."""
    problems = []
    if not lines:
        problems.append(_("Add at least one line item."))
    if quote.is_expired(now):
        problems.append(_("The expiration date has passed. Choose a later date."))
    if quote.payment_enabled:
        if readiness is not None and not readiness.can_accept_payments:
            problems.append(readiness.reason)
        problem = frequency_problem(lines)
        if problem:
            problems.append(problem)
        if lines:
            totals = price_lines([line.as_line_input() for line in lines], quote.currency)
            amounts = [totals.due_today, *(a.total for _, a in totals.recurring)]
            if not all(stripe_amount_ok(amount, quote.currency) for amount in amounts):
                problems.append(
                    _("Stripe charges %(currency)s only in multiples of 10 of its smallest unit.")
                    % {"currency": quote.currency}
                )
    return problems


# --- Creating and editing a draft ------------------------------------------------------------


def default_expiry(now: datetime) -> date:
    today = clock.local_date(now, timezone.get_default_timezone())
    return date.fromordinal(today.toordinal() + rules.DEFAULT_VALIDITY_DAYS)


def _expires_at(expires_on: date, now: datetime) -> datetime:
    zone = timezone.get_default_timezone()
    if not rules.expiry_date_ok(expires_on, clock.local_date(now, zone)):
        raise QuoteError(_("Choose an expiration date in the future."))
    return clock.end_of_day(expires_on, zone)


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
        expires_at=_expires_at(expires_on, now),
        currency=deal.currency,
        company=deal.company,
        seller_name=_full_name(user),
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
    locked = _lock_editable(quote)
    locked.title = title
    locked.template = template
    locked.language = language
    locked.expires_at = _expires_at(expires_on, now or clock.utcnow())
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
    locked = _lock_editable(quote)
    contact_list = list(contacts)
    _require_same_workspace(locked.workspace, *contact_list, *([company] if company else []))
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
    locked = _lock_editable(quote)
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
    locked = _lock_editable(quote)
    locked.comments = comments
    locked.terms = terms
    locked.save(update_fields=["comments", "terms", "updated_at"])
    return locked


# --- Lines -----------------------------------------------------------------------------------


@transaction.atomic
def quote_lines_update(*, quote: Quote, lines: Sequence[QuoteLine]) -> None:
    """Step 3: save the seller's quantities, prices and discounts. The deal is untouched."""
    _lock_editable(quote)
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
    locked = _lock_editable(quote)
    _require_same_workspace(locked.workspace, product)
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
    recurrence = product.recurrence
    return QuoteLine.objects.create(
        quote=locked,
        name=product.name,
        description=product.description,
        quantity=quantity,
        unit_amount_minor=product.unit_amount_minor,
        recurring_interval=recurrence.interval.value if recurrence else "",
        recurring_interval_count=recurrence.interval_count if recurrence else None,
        tax_rate_bp=product.tax_rate_bp,
        position=0 if top is None else top + 1,
    )


@transaction.atomic
def quote_line_remove(*, line: QuoteLine) -> None:
    _lock_editable(line.quote)
    line.delete()


@transaction.atomic
def quote_line_move(*, line: QuoteLine, direction: Literal["up", "down"]) -> None:
    """Move a line one place up or down on its (editable) quote."""
    _lock_editable(line.quote)
    move_line(
        line=line, siblings=QuoteLine.objects.filter(quote_id=line.quote_id), direction=direction
    )


# --- Publishing and afterwards ---------------------------------------------------------------


def _next_number(workspace: Workspace) -> int:
    """The workspace's next quote number. The counter row lock serialises concurrent publishes."""
    QuoteCounter.objects.bulk_create([QuoteCounter(workspace=workspace)], ignore_conflicts=True)
    counter = QuoteCounter.objects.select_for_update().get(workspace=workspace)
    counter.last_number = F("last_number") + 1
    counter.save(update_fields=["last_number"])
    counter.refresh_from_db(fields=["last_number"])
    return counter.last_number


@transaction.atomic
def quote_publish(*, quote: Quote, user: User, now: datetime | None = None) -> Quote:
    """Freeze the quote and put it online (R8); a republished quote keeps its link and number.

    Lines get their amounts, the quote its totals and copies of the buyer's and
    seller's details, so later edits elsewhere never change what the buyer sees.
    """
    now = now or clock.utcnow()
    locked = _lock(quote)
    if locked.status not in (QuoteStatus.DRAFT, QuoteStatus.RECALLED):
        raise QuoteNotEditable(_("This quote is already published."))
    lines = list(locked.lines.all())
    readiness = payment_readiness(locked.workspace) if locked.payment_enabled else None
    problems = publish_problems(quote=locked, lines=lines, now=now, readiness=readiness)
    if problems:
        raise PublishRefused(problems)

    totals = price_lines([line.as_line_input() for line in lines], locked.currency)
    for line, price in zip(lines, totals.lines, strict=True):
        line.freeze(price)
    QuoteLine.objects.bulk_update(lines, FROZEN_LINE_FIELDS)
    if locked.number is None:
        locked.number = _next_number(locked.workspace)
    if locked.token is None:
        locked.token = Quote.new_token()
    locked.version += 1
    locked.published_at = now
    locked.totals_snapshot = snapshots.totals_json(totals)
    locked.buyer_snapshot = dict(snapshots.buyer_snapshot(locked.company, locked.contacts.all()))
    locked.seller_snapshot = dict(
        snapshots.seller_snapshot(
            workspace=locked.workspace,
            name=locked.seller_name or _full_name(user),
            email=locked.seller_email,
            phone=locked.seller_phone,
        )
    )
    locked.transition_to(QuoteStatus.PUBLISHED)
    locked.save()
    return locked


def _check_transition(quote: Quote, target: QuoteStatus) -> None:
    try:
        rules.check_transition(quote.status, target)
    except rules.IllegalTransition:
        raise QuoteError(
            _("A quote with status “%(status)s” cannot change to “%(target)s”.")
            % {"status": quote.get_status_display(), "target": target.label}
        ) from None


def _transition(quote: Quote, target: QuoteStatus) -> Quote:
    locked = _lock(quote)
    _check_transition(locked, target)
    locked.transition_to(target)
    locked.save(update_fields=["status", "updated_at"])
    return locked


def _refuse_while_buyer_pays(quote: Quote, now: datetime) -> None:
    """A buyer in the middle of paying keeps the quote online (an abandoned attempt doesn't)."""
    if purchase_in_flight(quote=quote, now=now):
        raise QuoteError(
            _(
                "A buyer is paying this quote right now. Try again in a few minutes; "
                "if the payment goes through, the quote will show as paid."
            )
        )


def _take_offline(quote: Quote, target: QuoteStatus, now: datetime) -> Quote:
    """Recall or archive, after cancelling on Stripe what a buyer's open dialog could still pay.

    A declined card leaves its intent payable; without this, a buyer whose dialog is
    still open could pay a quote the seller has withdrawn. Stripe is called between
    two short transactions; the second re-checks, so an attempt that started
    meanwhile is cancelled in the next round or keeps the quote online.
    """
    # payments.purchases records payments through quote_mark_paid (below): import late.
    from dealdesk.payments import purchases

    for _round in range(3):
        with transaction.atomic():
            locked = _lock(quote)
            _refuse_while_buyer_pays(locked, now)
            _check_transition(locked, target)
            payable = payable_purchases(quote=locked)
            if not payable:
                return _transition(locked, target)
        for purchase in payable:
            try:
                purchases.purchase_cancel(purchase=purchase, now=now)
            except purchases.PaidMeanwhile as paid:
                raise QuoteError(
                    _(
                        "The buyer's payment is being processed by Stripe, so the quote "
                        "stays online. Try again in a few minutes."
                    )
                    if paid.processing
                    else _(
                        "The buyer has just paid this quote, so it was not taken offline. "
                        "It now shows as paid."
                    )
                ) from None
            except purchases.PaymentProviderUnavailable:
                raise QuoteError(
                    _(
                        "Stripe could not be reached to cancel the buyer's unfinished payment, "
                        "so nothing was changed. Try again in a moment."
                    )
                ) from None
            except StripeRefused as refused:
                raise QuoteError(
                    _(
                        "Stripe would not cancel the buyer's unfinished payment (%(reason)s), "
                        "so nothing was changed."
                    )
                    % {"reason": refused.message}
                ) from None
    raise QuoteError(  # pragma: no cover - buyers kept starting new attempts
        _(
            "A buyer is paying this quote right now. Try again in a few minutes; "
            "if the payment goes through, the quote will show as paid."
        )
    )


def quote_recall(*, quote: Quote, user: User, now: datetime | None = None) -> Quote:
    """Take a published quote offline to edit it; its link shows a 404 until republished.

    Attempts a buyer could still pay are cancelled on Stripe first; refused while a
    buyer is paying, or when Stripe says the buyer has just paid (then the quote is paid).
    """
    return _take_offline(quote, QuoteStatus.RECALLED, now or clock.utcnow())


def quote_archive(*, quote: Quote, user: User, now: datetime | None = None) -> Quote:
    """Put a quote away from any status; a published one goes offline (as for a recall)."""
    return _take_offline(quote, QuoteStatus.ARCHIVED, now or clock.utcnow())


@transaction.atomic
def quote_mark_paid(*, quote: Quote) -> Quote:
    """Stripe confirmed a purchase of the quote: it is paid. Idempotent.

    Money taken is never ignored: a quote recalled or expired since the buyer
    started paying becomes paid all the same. An archived quote stays archived
    (the purchase and the deal show the payment).
    """
    locked = _lock(quote)
    if locked.status in (QuoteStatus.PAID, QuoteStatus.ARCHIVED):
        return locked
    locked.transition_to(QuoteStatus.PAID)
    locked.save(update_fields=["status", "updated_at"])
    return locked


@transaction.atomic
def quote_duplicate(*, quote: Quote, user: User, now: datetime | None = None) -> Quote:
    """A new draft like ``quote``: same deal, template, parties, settings, terms and lines.

    The lines are copied from the quote as it is (what the seller saw on it), not
    from the deal's current lines, and without the amounts frozen at publishing.
    The copy belongs to ``user``, expires after the default validity, and gets
    its own number and link when it is published.
    """
    now = now or clock.utcnow()
    source = _lock(quote)  # edits and recalls lock it too: its lines can't change mid-copy
    copy = Quote.objects.create(
        workspace=source.workspace,
        deal=source.deal,
        created_by=user,
        title=source.title,
        template=source.template,
        language=source.language,
        expires_at=_expires_at(default_expiry(now), now),
        currency=source.currency,
        company=source.company,
        seller_name=source.seller_name,
        seller_email=source.seller_email,
        seller_phone=source.seller_phone,
        payment_enabled=source.payment_enabled,
        collect_billing_address=source.collect_billing_address,
        signature_required=source.signature_required,
        comments=source.comments,
        terms=source.terms,
    )
    copy.contacts.set(source.contacts.all())
    QuoteLine.objects.bulk_create(
        QuoteLine(quote=copy, **QuoteLine.copy_fields(line))
        for line in source.lines.order_by("position", "pk")
    )
    return copy


@transaction.atomic
def quote_extend(
    *, quote: Quote, user: User, expires_on: date, now: datetime | None = None
) -> Quote:
    """Give an expired published quote a new expiration date: a new version, the same link.

    Like recalling and republishing, but nothing else changes: the frozen lines,
    totals and both parties stay as the buyer saw them, so the buyer's old link
    can be accepted or paid again until the new date.
    """
    now = now or clock.utcnow()
    locked = _lock(quote)
    if locked.status != QuoteStatus.PUBLISHED or not locked.is_expired(now):
        raise QuoteError(_("Only a published quote that has expired can be extended."))
    locked.expires_at = _expires_at(expires_on, now)
    locked.version += 1
    locked.published_at = now
    locked.save(update_fields=["expires_at", "version", "published_at", "updated_at"])
    return locked


@transaction.atomic
def quote_accept(*, quote: Quote, name: str, ip: str | None, now: datetime | None = None) -> Quote:
    """The buyer signs: typed full name, time and IP are recorded and the quote is accepted."""
    now = now or clock.utcnow()
    locked = _lock(quote)
    if not rules.can_accept_signature(
        status=locked.status,
        signature_required=locked.signature_required,
        payment_enabled=locked.payment_enabled,
        expires_at=locked.expires_at,
        now=now,
    ):
        raise QuoteError(_("This quote can no longer be accepted. Please contact the seller."))
    locked.accepted_name = name.strip()
    locked.accepted_at = now
    locked.accepted_ip = ip
    locked.transition_to(QuoteStatus.ACCEPTED)
    locked.save(update_fields=["accepted_name", "accepted_at", "accepted_ip", "status"])
    return locked


def quote_record_view(*, quote: Quote, now: datetime | None = None) -> None:
    """Count a buyer's visit in one conditional UPDATE (no read-modify-write race).

    A single statement is its own transaction; no atomic block needed.
    """
    now = now or clock.utcnow()
    Quote.objects.filter(pk=quote.pk, status__in=PUBLIC_STATUSES).update(
        view_count=F("view_count") + 1,
        last_viewed_at=now,
        first_viewed_at=Coalesce(F("first_viewed_at"), Value(now)),
    )
