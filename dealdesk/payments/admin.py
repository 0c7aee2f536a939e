"""The operator's view of every workspace's Stripe events and payments (Django admin, staff only).

Purchases, subscriptions, renewals, refunds and disputes are read-only here: they are Stripe's
record, changed only through Stripe's events and the app's own services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from dealdesk.payments.event_retry import event_retry
from dealdesk.payments.models import (
    Dispute,
    Purchase,
    Refund,
    Subscription,
    SubscriptionPayment,
    WebhookEvent,
)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin[WebhookEvent]):
    list_display = (
        "received_at",
        "type",
        "status",
        "attempts",
        "account_id",
        "workspace",
        "next_attempt_at",
        "processed_at",
    )
    list_filter = (
        "status",
        "type",
        "livemode",
        ("workspace", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("stripe_event_id", "type", "account_id")
    date_hierarchy = "received_at"
    list_select_related = ("workspace",)
    ordering = ("-received_at", "-pk")
    actions = ("process_again",)
    # Events are Stripe's record: nothing here edits them, only processing changes them.
    readonly_fields = tuple(
        field.name for field in WebhookEvent._meta.get_fields() if field.concrete
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False

    @admin.action(description="Process again (failed events)", permissions=["change"])
    def process_again(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        with transaction.atomic():  # all queued together, once every one is pending again
            queued = sum(event_retry(event=event) for event in queryset)
        skipped = queryset.count() - queued
        self.message_user(
            request,
            f"{queued} event(s) queued to be processed again; {skipped} had not failed.",
            messages.SUCCESS if queued else messages.WARNING,
        )


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Stripe's record of money, for operators to look at: changed only by Stripe's events."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return tuple(field.name for field in self.model._meta.get_fields() if field.concrete)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "workspace",
        "quote",
        "status",
        "kind",
        "currency",
        "amount_paid_minor",
        "paid_at",
        "created_at",
    )
    list_filter = ("status", "kind", ("workspace", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "reference",
        "billing_email",
        "stripe_payment_intent_id",
        "stripe_subscription_id",
        "stripe_customer_id",
    )
    list_select_related = ("workspace", "quote")
    date_hierarchy = "created_at"


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = (
        "stripe_subscription_id",
        "workspace",
        "status",
        "current_period_end",
        "cancel_at",
        "canceled_at",
        "cancel_requested",
        "synced_at",
    )
    list_filter = ("status", "cancel_requested", ("workspace", admin.RelatedOnlyFieldListFilter))
    search_fields = ("stripe_subscription_id", "purchase__reference")
    list_select_related = ("workspace",)


@admin.register(SubscriptionPayment)
class SubscriptionPaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "stripe_invoice_id",
        "workspace",
        "status",
        "currency",
        "amount_minor",
        "paid_at",
        "invoiced_at",
    )
    list_filter = ("status", ("workspace", admin.RelatedOnlyFieldListFilter))
    search_fields = ("stripe_invoice_id", "subscription__stripe_subscription_id")
    list_select_related = ("workspace",)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = (
        "stripe_refund_id",
        "workspace",
        "status",
        "currency",
        "amount_minor",
        "reason",
        "requested_by",
        "refunded_at",
        "requested_at",
    )
    list_filter = ("status", "reason", ("workspace", admin.RelatedOnlyFieldListFilter))
    search_fields = ("stripe_refund_id", "stripe_charge_id", "purchase__reference")
    list_select_related = ("workspace", "requested_by")


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = (
        "stripe_dispute_id",
        "workspace",
        "status",
        "currency",
        "amount_minor",
        "reason",
        "disputed_at",
    )
    list_filter = ("status", ("workspace", admin.RelatedOnlyFieldListFilter))
    search_fields = ("stripe_dispute_id", "stripe_charge_id", "purchase__reference")
    list_select_related = ("workspace",)
