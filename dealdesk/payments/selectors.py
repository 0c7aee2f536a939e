"""Reads about the workspace's payment setup, for the quote wizard and pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from dealdesk.lib.pricing import Recurrence
from dealdesk.payments import stripe_gateway as gateway
from dealdesk.payments.models import (
    PURCHASE_IN_FLIGHT,
    ConnectionStatus,
    Dispute,
    Purchase,
    PurchaseStatus,
    Refund,
    StripeConnection,
    Subscription,
    SubscriptionPayment,
    WebhookEvent,
    WebhookStatus,
)
from dealdesk.payments.timeline import DashboardLink, TimelineEntry, purchase_timeline
from dealdesk.workspaces.models import AuditEntry, Workspace

if TYPE_CHECKING:
    from dealdesk.quotes.models import Quote


@dataclass(frozen=True)
class PaymentReadiness:
    """Whether quotes of a workspace can take payments now, and if not, why (R2, R4, R7)."""

    connection: StripeConnection | None
    can_accept_payments: bool
    reason: str
    revoked: bool = False  # the latest connection ended because access was revoked in Stripe


def stripe_connection(workspace: Workspace) -> StripeConnection | None:
    """The workspace's current Stripe connection, if it has one."""
    return (
        StripeConnection.objects.for_workspace(workspace)
        .filter(status=ConnectionStatus.CONNECTED)
        .first()
    )


def takes_payments_exists(workspace_ref: OuterRef) -> Exists:
    """``StripeConnection.can_accept_payments`` in SQL: whether the workspace that
    ``workspace_ref`` names has such a connection, to annotate its rows."""
    return Exists(
        StripeConnection.objects.filter(
            workspace=workspace_ref, status=ConnectionStatus.CONNECTED, charges_enabled=True
        )
    )


def payment_readiness(workspace: Workspace) -> PaymentReadiness:
    connection = stripe_connection(workspace)
    if connection is None:
        latest = StripeConnection.objects.for_workspace(workspace).order_by("-ended_at").first()
        if latest is not None and latest.status == ConnectionStatus.REVOKED:
            return PaymentReadiness(
                None,
                False,
                _(
                    "Access to your Stripe account was revoked in Stripe, so buyers cannot pay. "
                    "Connect it again in Settings → Integrations."
                ),
                revoked=True,
            )
        return PaymentReadiness(
            None,
            False,
            _("Connect your Stripe account in Settings → Integrations to take payments."),
        )
    if not connection.can_accept_payments:
        return PaymentReadiness(
            connection,
            False,
            _(
                "Stripe needs more information before this account can accept payments. "
                "Finish the account setup in Stripe, then re-check in Settings → Integrations."
            ),
        )
    return PaymentReadiness(connection, True, "")


def recent_connections(workspace: Workspace, limit: int = 5) -> list[StripeConnection]:
    """Earlier connections, newest first, for the integrations page's history."""
    return list(
        StripeConnection.objects.for_workspace(workspace)
        .exclude(status=ConnectionStatus.CONNECTED)
        .order_by("-connected_at")[:limit]
    )


def stripe_activity(workspace: Workspace, limit: int = 10) -> list[AuditEntry]:
    """Who connected, re-checked or disconnected Stripe, and what Stripe did on its own."""
    return list(
        AuditEntry.objects.filter(workspace=workspace, action__startswith="stripe.")
        .select_related("actor")
        .order_by("-created_at", "-pk")[:limit]
    )


# An attempt not touched for this long is abandoned: it no longer holds the quote online.
PURCHASE_HOLD = timedelta(minutes=30)


def purchase_in_flight(*, quote: Quote, now: datetime) -> bool:
    """Whether a buyer is paying the quote right now (started or awaiting payment, recently)."""
    return (
        Purchase.objects.filter(
            quote=quote, status__in=PURCHASE_IN_FLIGHT, updated_at__gt=now - PURCHASE_HOLD
        )
        .only("pk")
        .exists()
    )


def payable_purchases(*, quote: Quote) -> list[Purchase]:
    """Attempts whose Stripe intent a buyer's still-open dialog could pay (awaiting, or failed
    with the intent left open for another card)."""
    return list(
        Purchase.objects.filter(
            quote=quote,
            status__in=(PurchaseStatus.AWAITING_PAYMENT, PurchaseStatus.FAILED),
        )
        .exclude(stripe_payment_intent_id="")
        .order_by("created_at", "pk")
    )


def paid_purchase(*, quote: Quote) -> Purchase | None:
    """The purchase that paid the quote ("Paid on …"), if there is one."""
    return (
        Purchase.objects.filter(quote=quote, status=PurchaseStatus.SUCCEEDED)
        .order_by("-paid_at")
        .first()
    )


# --- Purchases on the seller's quote and deal pages ----------------------------------------

PURCHASE_BADGES = {
    PurchaseStatus.STARTED: "warning",
    PurchaseStatus.AWAITING_PAYMENT: "warning",
    PurchaseStatus.SUCCEEDED: "success",
    PurchaseStatus.FAILED: "danger",
    PurchaseStatus.CANCELED: "neutral",
}


@dataclass(frozen=True)
class StripeLink:
    """One Stripe object of a purchase and its page in the connected account's dashboard."""

    label: str
    object_id: str
    url: str


@dataclass(frozen=True)
class PurchaseSummary:
    """A purchase as the seller sees it: the row, its badge, billing period and Stripe links."""

    purchase: Purchase
    badge: str
    recurrence: Recurrence | None
    stripe_links: tuple[StripeLink, ...]
    # What Stripe's events told since (R14): its subscription, renewals, refunds, disputes.
    subscription: Subscription | None = None
    renewals: tuple[SubscriptionPayment, ...] = ()
    refunds: tuple[Refund, ...] = ()
    disputes: tuple[Dispute, ...] = ()
    # All of it in time order, each linked to Stripe's dashboard (payments.timeline).
    timeline: tuple[TimelineEntry, ...] = ()


def _stripe_links(purchase: Purchase, livemode: bool) -> tuple[StripeLink, ...]:
    objects = (
        (_("Customer"), "customer", purchase.stripe_customer_id),
        (_("Payment"), "payment_intent", purchase.stripe_payment_intent_id),
        (_("Subscription"), "subscription", purchase.stripe_subscription_id),
        (_("Invoice"), "invoice", purchase.stripe_invoice_id),
    )
    return tuple(
        StripeLink(
            label=label,
            object_id=object_id,
            url=gateway.dashboard_object_url(
                account_id=purchase.stripe_account_id,
                livemode=livemode,
                object_type=object_type,
                object_id=object_id,
            ),
        )
        for label, object_type, object_id in objects
        if object_id
    )


def purchase_summaries(
    *, workspace: Workspace, quotes: Sequence[Quote]
) -> dict[int, list[PurchaseSummary]]:
    """Every attempt to pay each of ``quotes`` (newest first), keyed by quote id.

    Five queries whatever the number of quotes and attempts: the purchases with their
    subscriptions (and who asked to cancel them), the renewals, refunds and disputes, and
    the connections they were made on (whose mode picks the test or live dashboard).
    """
    by_quote: dict[int, list[PurchaseSummary]] = {quote.pk: [] for quote in quotes}
    purchases = list(
        Purchase.objects.for_workspace(workspace)
        .filter(quote_id__in=list(by_quote))
        .select_related("subscription", "subscription__cancel_requested_by")
        .prefetch_related("subscription__payments", "refunds", "disputes")
        .order_by("-created_at", "-pk")
    )
    if not purchases:
        return by_quote
    livemode = dict(
        StripeConnection.objects.for_workspace(workspace)
        .filter(account_id__in={p.stripe_account_id for p in purchases})
        .order_by("connected_at")
        .values_list("account_id", "livemode")
    )
    for purchase in purchases:
        recurrence = purchase.recurrence
        mode = livemode.get(purchase.stripe_account_id, False)
        events = _events_of(purchase)
        by_quote[purchase.quote_id].append(
            PurchaseSummary(
                purchase=purchase,
                badge=PURCHASE_BADGES[PurchaseStatus(purchase.status)],
                recurrence=recurrence,
                stripe_links=_stripe_links(purchase, mode),
                timeline=purchase_timeline(
                    purchase=purchase, link=_dashboard_link(purchase, mode), **events
                ),
                **events,
            )
        )
    return by_quote


def _dashboard_link(purchase: Purchase, livemode: bool) -> DashboardLink:
    def link(object_type: str, object_id: str) -> str:
        return gateway.dashboard_object_url(
            account_id=purchase.stripe_account_id,
            livemode=livemode,
            object_type=object_type,
            object_id=object_id,
        )

    return link


def _events_of(purchase: Purchase) -> dict[str, Any]:
    """The purchase's prefetched subscription, renewals, refunds and disputes."""
    subscription: Subscription | None = getattr(purchase, "subscription", None)
    return {
        "subscription": subscription,
        "renewals": tuple(subscription.payments.all()) if subscription is not None else (),
        "refunds": tuple(purchase.refunds.all()),
        "disputes": tuple(purchase.disputes.all()),
    }


def workspace_stripe_events(workspace: Workspace, *, status: str = "") -> QuerySet[WebhookEvent]:
    """The Stripe events of the workspace's connected accounts, newest first (operations)."""
    events = WebhookEvent.objects.filter(workspace=workspace)
    if status in WebhookStatus.values:
        events = events.filter(status=status)
    return events.order_by("-received_at", "-pk")
