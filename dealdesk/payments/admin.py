"""The operator's view of every workspace's Stripe events (Django admin, staff only)."""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from dealdesk.payments.event_processing import event_process_again
from dealdesk.payments.models import WebhookEvent
from dealdesk.payments.tasks import event_enqueue


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
        queued = 0
        with transaction.atomic():
            for event in queryset:
                if event_process_again(event=event):
                    transaction.on_commit(partial(event_enqueue, event.pk))
                    queued += 1
        skipped = queryset.count() - queued
        self.message_user(
            request,
            f"{queued} event(s) queued to be processed again; {skipped} had not failed.",
            messages.SUCCESS if queued else messages.WARNING,
        )
