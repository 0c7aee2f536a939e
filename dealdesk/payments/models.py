"""The workspace's link to its Stripe account (Stripe Connect, direct charges)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealdesk.lib.pricing import Interval, Recurrence
from dealdesk.workspaces.models import ScopedQuerySet, WorkspaceScoped


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    DISCONNECTED = "disconnected", _("Disconnected")
    REVOKED = "revoked", _("Access revoked in Stripe")


class StripeConnection(WorkspaceScoped):
    """One connection of a workspace to a Stripe account.

    Rows are kept after disconnecting so paid quotes keep their history; at most
    one row per workspace is ``connected`` at a time, and a Stripe account is
    ``connected`` to at most one workspace of the installation (Stripe grants our
    platform one access per account: revoking it for one would revoke it for all).
    No OAuth secrets are stored: direct charges need only the platform key and the
    account id.
    """

    account_id = models.CharField(max_length=255)
    status = models.CharField(
        max_length=16, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED
    )
    livemode = models.BooleanField(default=False)
    scope = models.CharField(max_length=32, default="read_write")
    publishable_key = models.CharField(max_length=255, blank=True)
    account_name = models.CharField(max_length=255, blank=True)
    charges_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    requirements_due = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(default=timezone.now)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet["StripeConnection"].as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(status="connected"),
                name="one_live_stripe_connection_per_workspace",
            ),
            models.UniqueConstraint(
                fields=["account_id"],
                condition=Q(status="connected"),
                name="one_live_connection_per_stripe_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} ({self.status})"

    @property
    def is_connected(self) -> bool:
        return self.status == ConnectionStatus.CONNECTED

    @property
    def can_accept_payments(self) -> bool:
        return self.is_connected and self.charges_enabled


class WebhookStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Failed, gave up")


class WebhookEvent(models.Model):
    """Every verified Stripe event, stored once, processed (and retried) from this row.

    A worker claims the row (``processing`` until ``locked_until``, the lease) before it
    runs the handler; a failure schedules ``next_attempt_at`` until the retries run out.
    ``workspace`` is the one whose connection owns ``account_id`` when the event arrived:
    empty for accounts no workspace has connected, and for events Stripe sent before the
    connection was saved (``account.updated`` during the OAuth round trip) until they are
    processed, for the owner found then.
    """

    stripe_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=128)
    account_id = models.CharField(max_length=255, blank=True)
    workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stripe_events",
    )
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=WebhookStatus.choices, default=WebhookStatus.PENDING
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["workspace", "-received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_event_id} ({self.status})"

    @property
    def can_process_again(self) -> bool:
        return self.status in (WebhookStatus.FAILED, WebhookStatus.DEAD)


# --- Purchases: a buyer paying a published quote (R3, R9, R12) ---------------------------


class PurchaseStatus(models.TextChoices):
    STARTED = "started", _("Started")  # claimed; Stripe objects being created
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")  # client secret handed out
    SUCCEEDED = "succeeded", _("Paid")
    FAILED = "failed", _("Failed")  # e.g. declined; the same intent can still be paid
    CANCELED = "canceled", _("Canceled")  # its Stripe objects were canceled: can never pay


class PurchaseKind(models.TextChoices):
    PAYMENT = "payment", _("One-time payment")
    SUBSCRIPTION = "subscription", _("Subscription")


# An attempt being paid; with a paid one, the attempts that hold their quote: the
# database allows one of these per quote (the constraint below).
PURCHASE_IN_FLIGHT = (PurchaseStatus.STARTED, PurchaseStatus.AWAITING_PAYMENT)
PURCHASE_CLAIMING = (*PURCHASE_IN_FLIGHT, PurchaseStatus.SUCCEEDED)

PURCHASE_TRANSITIONS: dict[str, frozenset[str]] = {
    PurchaseStatus.STARTED: frozenset(
        {PurchaseStatus.AWAITING_PAYMENT, PurchaseStatus.FAILED, PurchaseStatus.CANCELED}
    ),
    PurchaseStatus.AWAITING_PAYMENT: frozenset(
        {PurchaseStatus.SUCCEEDED, PurchaseStatus.FAILED, PurchaseStatus.CANCELED}
    ),
    # A failed attempt's intent stays payable: another card may still pay it (then
    # the money is recorded), or a new start reuses it.
    PurchaseStatus.FAILED: frozenset(
        {PurchaseStatus.AWAITING_PAYMENT, PurchaseStatus.SUCCEEDED, PurchaseStatus.CANCELED}
    ),
    PurchaseStatus.SUCCEEDED: frozenset(),
    PurchaseStatus.CANCELED: frozenset(),
}


class IllegalPurchaseTransition(ValueError):
    def __init__(self, current: str, target: str) -> None:
        super().__init__(f"A {current} purchase cannot become {target}.")
        self.current = current
        self.target = target


def new_purchase_reference() -> str:
    """The purchase's id in the buyer's URLs: unguessable, unlike the primary key."""
    return secrets.token_urlsafe(18)


class Purchase(WorkspaceScoped):
    """One attempt of a buyer to pay a published quote, and what Stripe made of it.

    Amounts are the charge plan's, frozen when the attempt starts; the Stripe
    objects live on the workspace's connected account (direct charges, R3).
    """

    quote = models.ForeignKey("quotes.Quote", on_delete=models.PROTECT, related_name="purchases")
    reference = models.CharField(max_length=32, unique=True, default=new_purchase_reference)
    status = models.CharField(
        _("status"), max_length=20, choices=PurchaseStatus.choices, default=PurchaseStatus.STARTED
    )
    kind = models.CharField(max_length=16, choices=PurchaseKind.choices)
    quote_version = models.PositiveIntegerField()

    currency = models.CharField(max_length=3)
    amount_due_today_minor = models.BigIntegerField()
    amount_recurring_minor = models.BigIntegerField(default=0)
    recurring_interval = models.CharField(max_length=8, blank=True)
    recurring_interval_count = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_paid_minor = models.BigIntegerField(null=True, blank=True)

    billing_name = models.CharField(_("full name"), max_length=200)
    billing_email = models.EmailField(_("email"))
    billing_company = models.CharField(_("company"), max_length=200, blank=True)
    billing_address = models.JSONField(default=dict, blank=True)  # Stripe's address fields

    # The buyer's acceptance of the terms, when the quote asks for a signature.
    signature_name = models.CharField(max_length=200, blank=True)
    signature_accepted_at = models.DateTimeField(null=True, blank=True)
    signature_ip = models.GenericIPAddressField(null=True, blank=True)

    stripe_account_id = models.CharField(max_length=255)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    stripe_invoice_id = models.CharField(max_length=255, blank=True)
    client_secret = models.CharField(max_length=255, blank=True)

    card_brand = models.CharField(max_length=32, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)

    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet["Purchase"].as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Paid once: a quote has one purchase in flight or settled, whatever races.
            models.UniqueConstraint(
                fields=["quote"],
                condition=Q(status__in=["started", "awaiting_payment", "succeeded"]),
                name="one_live_purchase_per_quote",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"

    @property
    def is_settled(self) -> bool:
        return self.status == PurchaseStatus.SUCCEEDED

    @property
    def recurrence(self) -> Recurrence | None:
        """How often the recurring part is billed; None for a one-time purchase."""
        if not self.recurring_interval:
            return None
        return Recurrence(Interval(self.recurring_interval), self.recurring_interval_count or 1)

    def transition_to(self, target: str) -> None:
        """The one way a purchase's status changes; raises IllegalPurchaseTransition."""
        if target not in PURCHASE_TRANSITIONS[self.status]:
            raise IllegalPurchaseTransition(self.status, target)
        self.status = target


class StripeObjectKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    TAX_RATE = "tax_rate", _("Tax rate")


class StripeObjectCache(models.Model):
    """Stripe Products and TaxRates we created on a connected account, to reuse them.

    Keyed by the account and our own key (a charge plan's ``product_key``, or a
    tax rate's basis points), so a repeat purchase needs no catalog calls.
    """

    account_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=StripeObjectKind.choices)
    key = models.CharField(max_length=255)
    stripe_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "kind", "key"], name="one_stripe_object_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.key} → {self.stripe_id}"


# --- What Stripe's events tell about a paid purchase (R14): subscription, renewals, refunds


class SubscriptionStatus(models.TextChoices):
    INCOMPLETE = "incomplete", _("Incomplete")
    INCOMPLETE_EXPIRED = "incomplete_expired", _("Expired unpaid")
    TRIALING = "trialing", _("Trialing")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    CANCELED = "canceled", _("Cancelled")
    UNPAID = "unpaid", _("Unpaid")
    PAUSED = "paused", _("Paused")


class CancelRequest(models.TextChoices):
    NOW = "now", _("Cancel now")
    PERIOD_END = "period_end", _("Cancel at the end of the billing period")


# Stripe never moves a subscription out of these.
SUBSCRIPTION_FINAL = (SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED)


class Subscription(WorkspaceScoped):
    """The Stripe subscription a purchase with recurring lines created, as Stripe last said.

    Written only from a fresh read of the subscription in Stripe (never from an event's
    snapshot), under the purchase's row lock, so events arriving in any order converge.
    """

    purchase = models.OneToOneField(Purchase, on_delete=models.PROTECT, related_name="subscription")
    stripe_subscription_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=SubscriptionStatus.choices)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    stripe_created_at = models.DateTimeField(null=True, blank=True)
    # A seller's request to cancel it from DealDesk (who, when, how), kept after Stripe confirms.
    cancel_requested = models.CharField(
        max_length=16, choices=CancelRequest.choices, blank=True, default=""
    )
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Stripe's time of the latest event that made us read it (the sandbox's clock may run ahead).
    last_event_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet["Subscription"].as_manager()

    def __str__(self) -> str:
        return f"{self.stripe_subscription_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in SUBSCRIPTION_FINAL

    @property
    def cancel_pending(self) -> bool:
        """The seller asked to cancel it, and Stripe has not said so yet."""
        if self.cancel_requested == CancelRequest.NOW:
            return not self.is_final
        if self.cancel_requested == CancelRequest.PERIOD_END:
            return not self.is_final and self.cancel_at is None and not self.cancel_at_period_end
        return False


class SubscriptionPaymentStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class SubscriptionPayment(WorkspaceScoped):
    """One renewal invoice of a subscription (billing reason ``subscription_cycle``)."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="payments"
    )
    stripe_invoice_id = models.CharField(max_length=255, unique=True)
    billing_reason = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SubscriptionPaymentStatus.choices)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    paid_at = models.DateTimeField(null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    invoiced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet["SubscriptionPayment"].as_manager()

    class Meta:
        ordering = ["-invoiced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.stripe_invoice_id} ({self.status})"


class RefundReason(models.TextChoices):
    """The reasons Stripe takes on a refund."""

    REQUESTED_BY_CUSTOMER = "requested_by_customer", _("Requested by the customer")
    DUPLICATE = "duplicate", _("Duplicate payment")
    FRAUDULENT = "fraudulent", _("Fraudulent")


class RefundRequestStatus:
    """Our own statuses, before Stripe's (``pending``, ``succeeded``, ``failed``…) take over."""

    REQUESTED = "requested"  # sent (or being sent) to Stripe; its event will confirm it
    UNSENT = "unsent"  # Stripe could not be reached: the same confirmation may be sent again
    REFUSED = "refused"  # Stripe said no: nothing was refunded


class Refund(WorkspaceScoped):
    """Money given back on one of a purchase's charges (whole or part), as Stripe says.

    One row per refund, whether it was made in Stripe (created by the ``charge.refunded``
    handler) or asked for from DealDesk (created by the seller's request, then confirmed by
    the same handler through the Stripe refund id or the ``dealdesk_refund`` metadata).
    """

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    reason = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # A seller's request from DealDesk: the confirmation's token (a double submit finds the
    # same row), who asked, when, their note, and Stripe's refusal in words.
    request_key = models.UUIDField(null=True, blank=True, unique=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet["Refund"].as_manager()

    class Meta:
        ordering = ["-refunded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_refund_id"],
                condition=~Q(stripe_refund_id=""),
                name="one_row_per_stripe_refund",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_refund_id or self.request_key} ({self.status})"

    @property
    def is_requested(self) -> bool:
        """Asked for from DealDesk and not confirmed by Stripe yet."""
        return self.status == RefundRequestStatus.REQUESTED

    @property
    def counts(self) -> bool:
        """Whether it is (or may be becoming) money given back, for the timeline."""
        return self.status not in (RefundRequestStatus.UNSENT, RefundRequestStatus.REFUSED)


class Dispute(WorkspaceScoped):
    """A buyer's bank disputing one of a purchase's charges.

    ``stripe_event_at`` is Stripe's time of the event the row was last written from: an
    older event arriving late never overwrites a newer status.
    """

    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    stripe_charge_id = models.CharField(max_length=255)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    reason = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32)
    disputed_at = models.DateTimeField(null=True, blank=True)
    stripe_event_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet["Dispute"].as_manager()

    class Meta:
        ordering = ["-disputed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.stripe_dispute_id} ({self.status})"
