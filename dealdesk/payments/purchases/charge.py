"""Stripe's customer and intent (or subscription) for a claimed attempt, and recording them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.charge_plan import ChargePlan
from dealdesk.payments.models import Purchase, PurchaseStatus, StripeObjectCache, StripeObjectKind
from dealdesk.payments.purchases._shared import cancel_charge
from dealdesk.payments.purchases.billing import purchase_billing
from dealdesk.payments.purchases.errors import PaymentProviderUnavailable, setup_refusal
from dealdesk.payments.stripe_gateway import purchases as stripe_purchases

logger = logging.getLogger("dealdesk.payments.purchases")


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


def create_charge(purchase: Purchase, plan: ChargePlan) -> Purchase:
    """Stripe's customer and intent or subscription for a claimed attempt (no transaction)."""
    account_id = purchase.stripe_account_id
    quote = purchase.quote
    try:
        customer_id = purchase.stripe_customer_id or stripe_purchases.create_customer(
            account_id=account_id,
            reference=purchase.reference,
            billing=purchase_billing(purchase).as_gateway(),
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
        raise setup_refusal() from error
    if charge.amount != purchase.amount_due_today_minor:
        # Never ask the buyer for anything but the quote's total.
        logger.error(
            "Purchase %s: Stripe asks %s, the quote %s",
            purchase.reference,
            charge.amount,
            purchase.amount_due_today_minor,
        )
        cancel_charge(
            purchase,
            payment_intent_id=charge.payment_intent_id,
            subscription_id=charge.subscription_id,
            invoice_id=charge.invoice_id,
        )
        _fail(purchase, code="amount_mismatch", message="")
        raise setup_refusal()
    return _record_charge(purchase, customer_id, charge)


def _record_charge(
    purchase: Purchase, customer_id: str, charge: stripe_purchases.Charge
) -> Purchase:
    """Hand the started attempt to the buyer: one conditional update instead of a locked
    read and a write, applied only while the attempt is still started."""
    purchase.transition_to(PurchaseStatus.AWAITING_PAYMENT)
    fields = {
        "stripe_customer_id": customer_id,
        "stripe_payment_intent_id": charge.payment_intent_id,
        "stripe_subscription_id": charge.subscription_id,
        "stripe_invoice_id": charge.invoice_id,
        "client_secret": charge.client_secret,
        "status": purchase.status,
    }
    recorded = Purchase.objects.filter(pk=purchase.pk, status=PurchaseStatus.STARTED).update(
        **fields, updated_at=timezone.now()
    )
    if not recorded:  # a concurrent start recorded the same ids, or the seller cancelled it
        return Purchase.objects.select_related("quote").get(pk=purchase.pk)
    for name, value in fields.items():
        setattr(purchase, name, value)
    return purchase


@transaction.atomic
def _fail(purchase: Purchase, *, code: str, message: str) -> None:
    locked = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if locked.status in (PurchaseStatus.STARTED, PurchaseStatus.AWAITING_PAYMENT):
        locked.transition_to(PurchaseStatus.FAILED)
    locked.failure_code = code[:64]
    locked.failure_message = message[:500]
    locked.save()
