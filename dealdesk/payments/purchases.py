"""Purchases: a buyer pays a published quote from its page (R3, R9, R12, R13), exactly once.

The shape of every start: lock the quote row, check it may be bought, claim the
attempt with a Purchase row (the database allows one in flight or settled per
quote), commit; only then call Stripe, with idempotency keys made from the
purchase, and record the result in a second short transaction. A repeated or
concurrent start continues the same attempt with the same keys, so Stripe
returns the same customer and intent. Settling reads Stripe, never the browser.

Messages in ``PurchaseRefused`` are for the buyer: no seller wording.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dealdesk.crm.services import deal_mark_won
from dealdesk.lib import clock
from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.charge_plan import (
    ChargePlan,
    ChargePlanRefused,
    FrozenLine,
    RefusalCode,
    charge_plan,
)
from dealdesk.payments.models import (
    PURCHASE_IN_FLIGHT,
    ConnectionStatus,
    Purchase,
    PurchaseStatus,
    StripeConnection,
    StripeObjectCache,
    StripeObjectKind,
)
from dealdesk.payments.selectors import stripe_connection
from dealdesk.payments.stripe_gateway import purchases as stripe_purchases
from dealdesk.quotes import snapshots
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.quotes.services import quote_mark_paid

logger = logging.getLogger("dealdesk.payments.purchases")


class PurchaseRefused(Exception):
    """The buyer cannot pay this quote now; nothing was charged. ``message`` is for the buyer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PaymentProviderUnavailable(Exception):
    """Stripe could not be reached; nothing was charged and starting again is safe."""

    def __init__(self) -> None:
        self.message = _("We could not reach the payment provider; nothing was charged. Try again.")
        super().__init__(self.message)


class PaidMeanwhile(Exception):
    """Stripe took (or is taking) the buyer's money for an attempt the seller wanted to cancel.

    The payment is recorded before this is raised; ``processing`` means Stripe has not
    finished yet (nothing to record so far).
    """

    def __init__(self, *, processing: bool) -> None:
        super().__init__("processing" if processing else "paid")
        self.processing = processing


@dataclass(frozen=True)
class Billing:
    """What the buyer typed in the Purchase dialog."""

    name: str
    email: str
    company: str = ""
    address: Mapping[str, str] = field(default_factory=dict)  # Stripe's address fields
    signature_name: str = ""  # typed to accept the terms, when the quote asks for it

    def as_gateway(self) -> stripe_purchases.BillingDetails:
        return stripe_purchases.BillingDetails(
            name=self.name, email=self.email, company=self.company, address=self.address
        )

    def fingerprint(self) -> str:
        text = json.dumps([self.name, self.email, self.company, dict(self.address)], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _purchase_billing(purchase: Purchase) -> Billing:
    return Billing(
        name=purchase.billing_name,
        email=purchase.billing_email,
        company=purchase.billing_company,
        address=dict(purchase.billing_address),
        signature_name=purchase.signature_name,
    )


# --- The plan and the refusals ----------------------------------------------------------


def quote_charge_plan(quote: Quote) -> ChargePlan:
    """What Stripe receives for the published quote, from its frozen lines and totals."""
    lines = list(quote.lines.order_by("position", "pk"))
    prices = [line.frozen_price for line in lines]
    if not lines or any(price is None for price in prices):
        raise ChargePlanRefused(RefusalCode.TOTALS_MISMATCH, "The quote's lines are not frozen.")
    frozen = [
        FrozenLine(name=line.name, terms=line.as_line_input(), price=price)
        for line, price in zip(lines, prices, strict=True)
        if price is not None
    ]
    totals = snapshots.totals_from_json(quote.totals_snapshot, tuple(line.price for line in frozen))
    return charge_plan(lines=frozen, totals=totals, locale=quote.language)


def _refuse(code: str, message: str) -> PurchaseRefused:
    return PurchaseRefused(code, message)


def _check_purchasable(
    quote: Quote, *, quote_version: int, now: datetime
) -> tuple[StripeConnection, ChargePlan]:
    """Every reason a buyer may not pay now (R13, R4, R2), checked on the locked row."""
    contact = _("Please contact the seller.")
    if (
        quote.status == QuoteStatus.PAID
        or Purchase.objects.filter(quote=quote).filter(status=PurchaseStatus.SUCCEEDED).exists()
    ):
        raise _refuse("paid", _("This quote has already been paid."))
    if quote.status == QuoteStatus.ARCHIVED:
        raise _refuse("archived", _("This quote is no longer available.") + " " + contact)
    if quote.status == QuoteStatus.RECALLED:
        raise _refuse(
            "recalled",
            _("The seller has withdrawn this quote, possibly to change it.") + " " + contact,
        )
    if quote.status != QuoteStatus.PUBLISHED:
        raise _refuse("unavailable", _("This quote cannot be paid online.") + " " + contact)
    if not quote.payment_enabled:
        raise _refuse("payment_off", _("This quote cannot be paid online.") + " " + contact)
    if quote.is_expired(now):
        expired_on = formats.date_format(quote.expires_on, "DATE_FORMAT")
        raise _refuse(
            "expired", _("This quote expired on %(date)s.") % {"date": expired_on} + " " + contact
        )
    if quote_version != quote.version:
        raise _refuse(
            "changed",
            _("This quote has changed since you opened it. Reload the page to see it as it is."),
        )
    connection = stripe_connection(quote.workspace)
    if connection is None or not connection.can_accept_payments:
        revoked = connection is None and (
            StripeConnection.objects.for_workspace(quote.workspace)
            .filter(status=ConnectionStatus.REVOKED)
            .exists()
        )
        raise _refuse(
            "revoked" if revoked else "account_not_ready",
            _("The seller cannot take online payments at the moment.") + " " + contact,
        )
    try:
        plan = quote_charge_plan(quote)
    except ChargePlanRefused as error:
        logger.warning("Quote %s cannot be charged: %s (%s)", quote.pk, error, error.code)
        message = _("This quote cannot be paid online.") + " " + contact
        raise _refuse("not_chargeable", message) from error
    return connection, plan


# --- Starting ---------------------------------------------------------------------------


def _lock_quote(quote: Quote) -> Quote:
    return (
        Quote.objects.select_for_update(of=("self",)).select_related("workspace").get(pk=quote.pk)
    )


@transaction.atomic
def _claim(
    *, quote: Quote, billing: Billing, quote_version: int, ip: str | None, now: datetime
) -> tuple[Purchase, ChargePlan]:
    """The attempt to continue (in flight, or failed with a still-open intent) or a new one."""
    locked = _lock_quote(quote)
    connection, plan = _check_purchasable(locked, quote_version=quote_version, now=now)
    current = Purchase.objects.filter(quote=locked).filter(status__in=PURCHASE_IN_FLIGHT).first()
    if current is None:
        current = (
            Purchase.objects.filter(quote=locked)
            .filter(status=PurchaseStatus.FAILED)
            .exclude(stripe_payment_intent_id="")
            .order_by("-created_at", "-pk")
            .first()
        )
    if current is not None:
        return current, plan
    recurrence = plan.recurrence
    purchase = Purchase.objects.create(
        workspace=locked.workspace,
        quote=locked,
        kind=plan.kind.value,
        quote_version=locked.version,
        currency=plan.currency,
        amount_due_today_minor=plan.due_today,
        amount_recurring_minor=plan.recurring_per_period,
        recurring_interval=recurrence.interval.value if recurrence else "",
        recurring_interval_count=recurrence.interval_count if recurrence else None,
        stripe_account_id=connection.account_id,
        **_billing_fields(locked, billing, ip, now),
    )
    return purchase, plan


def _billing_fields(
    quote: Quote, billing: Billing, ip: str | None, now: datetime
) -> dict[str, object]:
    fields: dict[str, object] = {
        "billing_name": billing.name,
        "billing_email": billing.email,
        "billing_company": billing.company,
        "billing_address": dict(billing.address),
    }
    if quote.signature_required:
        fields.update(
            signature_name=billing.signature_name, signature_accepted_at=now, signature_ip=ip
        )
    return fields


def purchase_start(
    *,
    quote: Quote,
    billing: Billing,
    quote_version: int,
    ip: str | None,
    now: datetime | None = None,
) -> Purchase:
    """Start (or continue) paying ``quote``: a Purchase whose ``client_secret`` the page confirms.

    Raises PurchaseRefused (nothing charged, message for the buyer) or
    PaymentProviderUnavailable (Stripe unreachable; starting again is safe).
    Never a second charge: an earlier attempt is reused while Stripe can still
    take its payment, or cancelled on Stripe before a new one is made.
    """
    now = now or clock.utcnow()
    for _attempt in range(3):
        purchase, plan = _claim(
            quote=quote, billing=billing, quote_version=quote_version, ip=ip, now=now
        )
        if not purchase.stripe_payment_intent_id:
            purchase = _create_charge(purchase, plan)
            return _sync_billing(purchase, billing, ip, now)
        reused = _reuse_or_cancel(purchase, quote_version=quote_version)
        if reused is not None:
            return _sync_billing(reused, billing, ip, now)
    raise PaymentProviderUnavailable()  # pragma: no cover - Stripe kept changing under us


def _metadata(purchase: Purchase) -> dict[str, str]:
    quote = purchase.quote
    return {
        "dealdesk_purchase": purchase.reference,
        "dealdesk_quote": str(quote.pk),
        "quote_number": quote.display_number,
        "dealdesk_deal": str(quote.deal_id),
        "dealdesk_workspace": str(purchase.workspace_id),
    }


def _product_ids(account_id: str, plan: ChargePlan) -> dict[str, str]:
    """Stripe Products for the plan's lines: created once per account, then from our cache."""
    wanted = {item.product_key: item.product_name for item in plan.recurring + plan.one_time}
    return _cached_objects(
        account_id,
        StripeObjectKind.PRODUCT,
        wanted,
        lambda key, name: stripe_purchases.create_product(
            account_id=account_id, key=key, name=name
        ),
    )


def _tax_rate_ids(account_id: str, plan: ChargePlan) -> dict[int, str] | None:
    if not settings.STRIPE_TAX_RATES_ENABLED:
        return None  # the amounts are the same; only the tax breakdown is missing
    wanted = {str(bp): str(bp) for bp in plan.tax_rates}
    ids = _cached_objects(
        account_id,
        StripeObjectKind.TAX_RATE,
        wanted,
        lambda key, _name: stripe_purchases.create_tax_rate(
            account_id=account_id, basis_points=int(key)
        ),
    )
    return {int(key): value for key, value in ids.items()}


def _cached_objects(
    account_id: str,
    kind: StripeObjectKind,
    wanted: Mapping[str, str],
    create: Callable[[str, str], str],
) -> dict[str, str]:
    cached = dict(
        StripeObjectCache.objects.filter(
            account_id=account_id, kind=kind, key__in=list(wanted)
        ).values_list("key", "stripe_id")
    )
    for key, name in wanted.items():
        if key not in cached:
            # Idempotent on Stripe's side (the key names the account and our key), so a
            # race between two purchases yields one object and one cache row.
            cached[key] = create(key, name)
            StripeObjectCache.objects.bulk_create(
                [
                    StripeObjectCache(
                        account_id=account_id, kind=kind, key=key, stripe_id=cached[key]
                    )
                ],
                ignore_conflicts=True,
            )
    return cached


def _create_charge(purchase: Purchase, plan: ChargePlan) -> Purchase:
    """Stripe's customer and intent or subscription for a claimed attempt (no transaction)."""
    account_id = purchase.stripe_account_id
    quote = purchase.quote
    try:
        customer_id = purchase.stripe_customer_id or stripe_purchases.create_customer(
            account_id=account_id,
            reference=purchase.reference,
            billing=_purchase_billing(purchase).as_gateway(),
            metadata=_metadata(purchase),
        )
        product_ids = _product_ids(account_id, plan)
        charge = stripe_purchases.create_charge(
            account_id=account_id,
            reference=purchase.reference,
            plan=plan,
            customer_id=customer_id,
            product_ids=product_ids,
            tax_rate_ids=_tax_rate_ids(account_id, plan),
            description=f"{quote.display_number} {quote.title}",
            metadata=_metadata(purchase),
        )
    except gateway.StripeUnavailable as error:
        # The attempt stays "started": starting again repeats the same idempotent calls.
        raise PaymentProviderUnavailable() from error
    except gateway.StripeRefused as error:
        _fail(purchase, code=error.code or "stripe_refused", message=error.message)
        raise _refuse(
            "stripe_refused",
            _("The payment could not be set up. Nothing was charged. Please contact the seller."),
        ) from error
    if charge.amount != purchase.amount_due_today_minor:
        # Never ask the buyer for anything but the quote's total.
        logger.error(
            "Purchase %s: Stripe asks %s, the quote %s",
            purchase.reference,
            charge.amount,
            purchase.amount_due_today_minor,
        )
        _cancel_on_stripe(
            purchase, charge.payment_intent_id, charge.subscription_id, charge.invoice_id
        )
        _fail(purchase, code="amount_mismatch", message="")
        raise _refuse(
            "stripe_refused",
            _("The payment could not be set up. Nothing was charged. Please contact the seller."),
        )
    return _record_charge(purchase, customer_id, charge)


@transaction.atomic
def _record_charge(
    purchase: Purchase, customer_id: str, charge: stripe_purchases.Charge
) -> Purchase:
    locked = Purchase.objects.select_for_update().select_related("quote").get(pk=purchase.pk)
    if locked.status == PurchaseStatus.STARTED:  # else a concurrent start recorded the same ids
        locked.stripe_customer_id = customer_id
        locked.stripe_payment_intent_id = charge.payment_intent_id
        locked.stripe_subscription_id = charge.subscription_id
        locked.stripe_invoice_id = charge.invoice_id
        locked.client_secret = charge.client_secret
        locked.transition_to(PurchaseStatus.AWAITING_PAYMENT)
        locked.save()
    return locked


@transaction.atomic
def _fail(purchase: Purchase, *, code: str, message: str) -> None:
    locked = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if locked.status in (PurchaseStatus.STARTED, PurchaseStatus.AWAITING_PAYMENT):
        locked.transition_to(PurchaseStatus.FAILED)
    locked.failure_code = code[:64]
    locked.failure_message = message[:500]
    locked.save()


def _reuse_or_cancel(purchase: Purchase, *, quote_version: int) -> Purchase | None:
    """An earlier attempt with a Stripe intent: reuse it while payable, else retire it.

    Returns the reused purchase, or None once the attempt is out of the way
    (the caller then claims a new one). Raises PurchaseRefused when it was paid.
    """
    try:
        state = stripe_purchases.payment_state(
            account_id=purchase.stripe_account_id,
            payment_intent_id=purchase.stripe_payment_intent_id,
        )
        if state.succeeded or state.status == "processing":
            _record_state(purchase, state, clock.utcnow())
            raise _paid_refusal(state.succeeded)
        if state.payable and purchase.quote_version == quote_version:
            return _reopen(purchase)
        if state.payable:  # the quote has a new version: this attempt must never be paid
            try:
                _cancel_on_stripe(
                    purchase,
                    purchase.stripe_payment_intent_id,
                    purchase.stripe_subscription_id,
                    purchase.stripe_invoice_id,
                )
            except gateway.StripeRefused:
                # Paid between our read and the cancel: record it, charge nothing more.
                purchase_settle(purchase=purchase)
                raise _paid_refusal(True) from None
    except gateway.StripeUnavailable as error:
        raise PaymentProviderUnavailable() from error
    _mark_canceled(purchase)
    return None


def _paid_refusal(succeeded: bool) -> PurchaseRefused:
    if succeeded:
        return _refuse("paid", _("This quote has already been paid."))
    return _refuse(
        "processing", _("Your payment is being processed. Reload this page in a few minutes.")
    )


def _cancel_on_stripe(
    purchase: Purchase, payment_intent_id: str, subscription_id: str, invoice_id: str
) -> None:
    stripe_purchases.cancel_charge(
        account_id=purchase.stripe_account_id,
        reference=purchase.reference,
        payment_intent_id=payment_intent_id,
        subscription_id=subscription_id,
        invoice_id=invoice_id,
    )


@transaction.atomic
def _reopen(purchase: Purchase) -> Purchase:
    locked = Purchase.objects.select_for_update().select_related("quote").get(pk=purchase.pk)
    if locked.status == PurchaseStatus.FAILED:
        locked.transition_to(PurchaseStatus.AWAITING_PAYMENT)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:  # another attempt got in flight meanwhile
            raise _refuse(
                "busy", _("A payment for this quote is already under way. Reload the page.")
            ) from None
    return locked


@transaction.atomic
def _mark_canceled(purchase: Purchase) -> None:
    locked = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if locked.status != PurchaseStatus.CANCELED:
        locked.transition_to(PurchaseStatus.CANCELED)
        locked.save(update_fields=["status", "updated_at"])


def _sync_billing(purchase: Purchase, billing: Billing, ip: str | None, now: datetime) -> Purchase:
    """A continued attempt takes the buyer's latest billing details (and acceptance)."""
    if billing.fingerprint() != _purchase_billing(purchase).fingerprint():
        try:
            stripe_purchases.update_customer(
                account_id=purchase.stripe_account_id,
                customer_id=purchase.stripe_customer_id,
                billing=billing.as_gateway(),
                key=f"purchase:{purchase.reference}:customer:{billing.fingerprint()}",
            )
        except gateway.StripeUnavailable as error:
            raise PaymentProviderUnavailable() from error
    fields = _billing_fields(purchase.quote, billing, ip, now)
    Purchase.objects.filter(pk=purchase.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(purchase, name, value)
    return purchase


# --- Cancelling (the seller takes the quote offline) ------------------------------------


def purchase_cancel(*, purchase: Purchase, now: datetime | None = None) -> Purchase:
    """Make an unpaid attempt unpayable on Stripe, then mark it canceled.

    For the seller recalling or archiving the quote: a buyer's dialog that is still
    open (say, after a declined card) must not be able to pay it afterwards. Call it
    outside any transaction. Raises PaidMeanwhile when Stripe says the buyer paid
    (the payment is recorded first: money taken is never ignored), StripeRefused
    when Stripe will not cancel it for another reason, and PaymentProviderUnavailable
    when Stripe cannot be reached (nothing changed; calling again is safe).
    """
    try:
        try:
            _cancel_on_stripe(
                purchase,
                purchase.stripe_payment_intent_id,
                purchase.stripe_subscription_id,
                purchase.stripe_invoice_id,
            )
        except gateway.StripeRefused:
            state = stripe_purchases.payment_state(
                account_id=purchase.stripe_account_id,
                payment_intent_id=purchase.stripe_payment_intent_id,
            )
            if state.succeeded or state.status == "processing":
                _record_state(purchase, state, now or clock.utcnow())
                raise PaidMeanwhile(processing=not state.succeeded) from None
            if state.status != "canceled":
                raise
    except gateway.StripeUnavailable as error:
        raise PaymentProviderUnavailable() from error
    _mark_canceled(purchase)
    return Purchase.objects.get(pk=purchase.pk)


# --- Settling ---------------------------------------------------------------------------


def purchase_settle(*, purchase: Purchase, now: datetime | None = None) -> Purchase:
    """Record what Stripe says about the attempt's payment; safe to call again, concurrently.

    Paid: the purchase succeeds (amount, card, date), the quote is paid and its
    deal closed won, whatever the quote's state has become since. Declined: the
    reason is recorded and the quote stays payable.
    """
    if purchase.status in (PurchaseStatus.SUCCEEDED, PurchaseStatus.CANCELED):
        return purchase
    if not purchase.stripe_payment_intent_id:
        return purchase
    state = stripe_purchases.payment_state(
        account_id=purchase.stripe_account_id,
        payment_intent_id=purchase.stripe_payment_intent_id,
    )
    return _record_state(purchase, state, now or clock.utcnow())


@transaction.atomic
def _record_state(
    purchase: Purchase, state: stripe_purchases.PaymentState, now: datetime
) -> Purchase:
    # Quote before purchase, the order purchase_start locks them in.
    _lock_quote(purchase.quote)
    locked = Purchase.objects.select_for_update().select_related("quote").get(pk=purchase.pk)
    if locked.status in (PurchaseStatus.SUCCEEDED, PurchaseStatus.CANCELED):
        return locked
    if state.succeeded:
        if state.amount_received != locked.amount_due_today_minor:
            logger.error(
                "Purchase %s paid %s %s, quote due %s",
                locked.reference,
                state.amount_received,
                state.currency,
                locked.amount_due_today_minor,
            )
        locked.transition_to(PurchaseStatus.SUCCEEDED)
        locked.amount_paid_minor = state.amount_received
        locked.card_brand = state.card_brand[:32]
        locked.card_last4 = state.card_last4[:4]
        locked.failure_code = locked.failure_message = ""
        locked.paid_at = now
        locked.save()
        quote = quote_mark_paid(quote=locked.quote)
        deal_mark_won(deal=quote.deal, on=clock.local_date(now, timezone.get_default_timezone()))
    elif state.failed:
        if locked.status != PurchaseStatus.FAILED:
            locked.transition_to(PurchaseStatus.FAILED)
        locked.failure_code = state.failure_code[:64]
        locked.failure_message = state.failure_message[:500]
        locked.card_brand = state.card_brand[:32]
        locked.card_last4 = state.card_last4[:4]
        locked.save()
    elif state.status == "canceled":
        locked.transition_to(PurchaseStatus.CANCELED)
        locked.save()
    return locked
