"""Starting (or continuing) a buyer's payment of a published quote, exactly once.

Lock the quote row, check it may be bought, claim the attempt with a Purchase
row (the database allows one in flight or settled per quote), commit; only then
call Stripe, with idempotency keys made from the purchase, and record the result
in a second short transaction. A repeated or concurrent start continues the same
attempt with the same keys, so Stripe returns the same customer and intent.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dealdesk.lib import clock
from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.charge_plan import ChargePlan
from dealdesk.payments.models import (
    PURCHASE_CLAIMING,
    PURCHASE_IN_FLIGHT,
    Purchase,
    PurchaseStatus,
)
from dealdesk.payments.purchases._shared import (
    cancel_recorded_charge,
    lock_quote,
    mark_canceled,
    payment_state,
)
from dealdesk.payments.purchases.billing import Billing, billing_fields, purchase_billing
from dealdesk.payments.purchases.charge import create_charge
from dealdesk.payments.purchases.errors import (
    PaymentProviderUnavailable,
    PurchaseRefused,
    paid_refusal,
)
from dealdesk.payments.purchases.refusals import check_purchasable
from dealdesk.payments.purchases.settle import purchase_settle, record_state
from dealdesk.payments.stripe_gateway import purchases as stripe_purchases
from dealdesk.quotes.models import Quote


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
            purchase = create_charge(purchase, plan)
            return _sync_billing(purchase, billing, ip, now)
        reused = _reuse_or_cancel(purchase, quote_version=quote_version)
        if reused is not None:
            return _sync_billing(reused, billing, ip, now)
    raise PaymentProviderUnavailable()  # pragma: no cover - Stripe kept changing under us


@transaction.atomic
def _claim(
    *, quote: Quote, billing: Billing, quote_version: int, ip: str | None, now: datetime
) -> tuple[Purchase, ChargePlan]:
    """The attempt to continue (in flight, or failed with a still-open intent) or a new one."""
    locked = lock_quote(quote)
    # One read for every attempt that matters here: a paid one, the one in flight (the
    # database allows one of these), and failed ones whose intent another card may pay.
    attempts = list(
        Purchase.objects.filter(quote=locked)
        .filter(
            Q(status__in=PURCHASE_CLAIMING)
            | (Q(status=PurchaseStatus.FAILED) & ~Q(stripe_payment_intent_id=""))
        )
        .order_by("-created_at", "-pk")
    )
    paid = any(attempt.status == PurchaseStatus.SUCCEEDED for attempt in attempts)
    connection, plan = check_purchasable(locked, quote_version=quote_version, now=now, paid=paid)
    current = next((a for a in attempts if a.status in PURCHASE_IN_FLIGHT), None)
    if current is None:  # else the latest failed one
        current = next((a for a in attempts if a.status == PurchaseStatus.FAILED), None)
    if current is not None:
        current.quote = locked
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
        **billing_fields(locked, billing, ip, now),
    )
    return purchase, plan


def _reuse_or_cancel(purchase: Purchase, *, quote_version: int) -> Purchase | None:
    """An earlier attempt with a Stripe intent: reuse it while payable, else retire it.

    Returns the reused purchase, or None once the attempt is out of the way
    (the caller then claims a new one). Raises PurchaseRefused when it was paid.
    """
    try:
        state = payment_state(purchase)
        if state.succeeded or state.status == "processing":
            record_state(purchase, state, clock.utcnow())
            raise paid_refusal(state.succeeded)
        if state.payable and purchase.quote_version == quote_version:
            return _reopen(purchase)
        if state.payable:  # the quote has a new version: this attempt must never be paid
            try:
                cancel_recorded_charge(purchase)
            except gateway.StripeRefused:
                # Paid between our read and the cancel: record it, charge nothing more.
                purchase_settle(purchase=purchase)
                raise paid_refusal(True) from None
    except gateway.StripeUnavailable as error:
        raise PaymentProviderUnavailable() from error
    mark_canceled(purchase)
    return None


@transaction.atomic
def _reopen(purchase: Purchase) -> Purchase:
    locked = Purchase.objects.select_for_update().select_related("quote").get(pk=purchase.pk)
    if locked.status == PurchaseStatus.FAILED:
        locked.transition_to(PurchaseStatus.AWAITING_PAYMENT)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:  # another attempt got in flight meanwhile
            raise PurchaseRefused(
                "busy", _("A payment for this quote is already under way. Reload the page.")
            ) from None
    return locked


def _sync_billing(purchase: Purchase, billing: Billing, ip: str | None, now: datetime) -> Purchase:
    """A continued attempt takes the buyer's latest billing details (and acceptance)."""
    if billing.fingerprint() != purchase_billing(purchase).fingerprint():
        try:
            stripe_purchases.update_customer(
                account_id=purchase.stripe_account_id,
                customer_id=purchase.stripe_customer_id,
                billing=billing.as_gateway(),
                key=f"purchase:{purchase.reference}:customer:{billing.fingerprint()}",
            )
        except gateway.StripeUnavailable as error:
            raise PaymentProviderUnavailable() from error
    fields = billing_fields(purchase.quote, billing, ip, now)
    if all(getattr(purchase, name) == value for name, value in fields.items()):
        return purchase  # a new attempt: created with these very details
    Purchase.objects.filter(pk=purchase.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(purchase, name, value)
    return purchase
