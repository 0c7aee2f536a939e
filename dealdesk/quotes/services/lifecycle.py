"""A quote's life after drafting: publish, recall, archive, paid, duplicate, extend (R8, R13).

Each action locks the quote row; taking a quote offline also cancels on Stripe
what a buyer could still pay, between two short transactions.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from dealdesk.lib import clock
from dealdesk.lib.pricing import price_lines
from dealdesk.payments.selectors import payable_purchases, payment_readiness, purchase_in_flight
from dealdesk.payments.stripe_gateway import StripeRefused
from dealdesk.quotes import rules, snapshots
from dealdesk.quotes.models import Quote, QuoteCounter, QuoteLine, QuoteStatus
from dealdesk.quotes.services._shared import (
    FROZEN_LINE_FIELDS,
    default_expiry,
    end_of_expiry_date,
    full_name,
    lock,
)
from dealdesk.quotes.services.errors import PublishRefused, QuoteError, QuoteNotEditable
from dealdesk.quotes.services.messages import publish_problems
from dealdesk.workspaces.models import User, Workspace


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
    locked = lock(quote)
    if not locked.is_editable:
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
            name=locked.seller_name or full_name(user),
            email=locked.seller_email,
            phone=locked.seller_phone,
        )
    )
    locked.transition_to(QuoteStatus.PUBLISHED)
    locked.save()
    return locked


# --- Taking a quote offline ------------------------------------------------------------------


def _check_transition(quote: Quote, target: QuoteStatus) -> None:
    try:
        rules.check_transition(quote.status, target)
    except rules.IllegalTransition:
        raise QuoteError(
            _("A quote with status “%(status)s” cannot change to “%(target)s”.")
            % {"status": quote.get_status_display(), "target": target.label}
        ) from None


def _buyer_is_paying() -> QuoteError:
    return QuoteError(
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
            locked = lock(quote)
            # A buyer in the middle of paying keeps the quote online (an abandoned attempt doesn't).
            if purchase_in_flight(quote=locked, now=now):
                raise _buyer_is_paying()
            _check_transition(locked, target)
            payable = payable_purchases(quote=locked)
            if not payable:
                # Locked and checked above, in this transaction.
                locked.transition_to(target)
                locked.save(update_fields=["status", "updated_at"])
                return locked
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
    raise _buyer_is_paying()  # pragma: no cover - buyers kept starting new attempts


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
    locked = lock(quote)
    if locked.status in (QuoteStatus.PAID, QuoteStatus.ARCHIVED):
        return locked
    locked.transition_to(QuoteStatus.PAID)
    locked.save(update_fields=["status", "updated_at"])
    return locked


# --- A new version or a copy ---------------------------------------------------------------


@transaction.atomic
def quote_duplicate(*, quote: Quote, user: User, now: datetime | None = None) -> Quote:
    """A new draft like ``quote``: same deal, template, parties, settings, terms and lines.

    The lines are copied from the quote as it is (what the seller saw on it), not
    from the deal's current lines, and without the amounts frozen at publishing.
    The copy belongs to ``user``, expires after the default validity, and gets
    its own number and link when it is published.
    """
    now = now or clock.utcnow()
    source = lock(quote)  # edits and recalls lock it too: its lines can't change mid-copy
    copy = Quote.objects.create(
        workspace=source.workspace,
        deal=source.deal,
        created_by=user,
        title=source.title,
        template=source.template,
        language=source.language,
        expires_at=end_of_expiry_date(default_expiry(now), now),
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
    locked = lock(quote)
    if locked.status != QuoteStatus.PUBLISHED or not locked.is_expired(now):
        raise QuoteError(_("Only a published quote that has expired can be extended."))
    locked.expires_at = end_of_expiry_date(expires_on, now)
    locked.version += 1
    locked.published_at = now
    locked.save(update_fields=["expires_at", "version", "published_at", "updated_at"])
    return locked
