"""The workspace's link to its Stripe account (Stripe Connect, direct charges)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.Model):
    """Every verified Stripe event, stored once, processed (and retried) from this row."""

    stripe_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=128)
    account_id = models.CharField(max_length=255, blank=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=WebhookStatus.choices, default=WebhookStatus.PENDING
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_event_id} ({self.status})"
