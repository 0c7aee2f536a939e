"""Quotes: the seller's offer built from a deal, frozen when published, seen by the buyer."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealdesk.catalog.models import PricedLine
from dealdesk.crm.models import Company, Contact, Deal
from dealdesk.lib import clock
from dealdesk.lib.pricing import LinePrice
from dealdesk.quotes import rules
from dealdesk.workspaces.models import ScopedQuerySet, Workspace, WorkspaceScoped

TOKEN_BYTES = 32  # 256 bits from ``secrets``; R8 asks for at least 128


class QuoteStatus(models.TextChoices):
    DRAFT = rules.Status.DRAFT.value, _("Draft")
    PUBLISHED = rules.Status.PUBLISHED.value, _("Published")
    RECALLED = rules.Status.RECALLED.value, _("Recalled")
    ACCEPTED = rules.Status.ACCEPTED.value, _("Accepted")
    PAID = rules.Status.PAID.value, _("Paid")
    ARCHIVED = rules.Status.ARCHIVED.value, _("Archived")


class QuoteTemplate(models.TextChoices):
    STANDARD = "standard", _("Standard — every line with discount and tax")
    COMPACT = "compact", _("Compact — line totals only")


class QuoteCounter(models.Model):
    """The last quote number handed out in a workspace; locked while the next is taken."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.workspace_id}: {self.last_number}"


class Quote(WorkspaceScoped):
    """A quote for a deal.

    While a draft (or recalled) its content is the seller's to edit: lines,
    buyer and seller details. Publishing freezes it: line amounts, totals and
    both parties' details are copied in, so later edits to products, the deal,
    the company or the workspace never change what the buyer sees.
    """

    # A deal with quotes is never deleted: buyers may hold links to them.
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="quotes")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )

    # Step 1: deal & template
    title = models.CharField(_("quote title"), max_length=200)
    template = models.CharField(
        _("template"), max_length=16, choices=QuoteTemplate.choices, default=QuoteTemplate.STANDARD
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    expires_at = models.DateTimeField(_("expires"))
    currency = models.CharField(_("currency"), max_length=3)

    # Step 2: parties. Drafts point at CRM rows; publishing copies them into the snapshots.
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("buyer contacts"), blank=True, related_name="+"
    )
    seller_name = models.CharField(_("your name"), max_length=200, blank=True)
    seller_email = models.EmailField(_("your email"), blank=True)
    seller_phone = models.CharField(_("your phone"), max_length=50, blank=True)

    # Step 4: signature & payment
    payment_enabled = models.BooleanField(_("use linked Stripe account"), default=False)
    collect_billing_address = models.BooleanField(_("collect billing address"), default=False)
    signature_required = models.BooleanField(_("collect a signature"), default=False)

    # Step 5: comments & terms
    comments = models.TextField(_("comments"), blank=True)
    terms = models.TextField(_("terms"), blank=True)

    # Publishing
    number = models.PositiveIntegerField(null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    buyer_snapshot = models.JSONField(default=dict, blank=True)
    seller_snapshot = models.JSONField(default=dict, blank=True)
    totals_snapshot = models.JSONField(default=dict, blank=True)

    # Buyer's visits (not the seller's previews)
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)

    # Signature (payment off)
    accepted_name = models.CharField(max_length=200, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet["Quote"].as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The seller's list: a workspace's newest quotes first, read a page at a time.
            models.Index(
                fields=["workspace", "-created_at", "-id"], name="quote_list_newest_first"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "number"], name="quote_number_unique_in_workspace"
            ),
            models.CheckConstraint(
                condition=Q(version=0) | Q(token__isnull=False, number__isnull=False),
                name="quote_published_has_token_and_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_number} {self.title}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(TOKEN_BYTES)

    @property
    def display_number(self) -> str:
        """ "Q-0042" once published; drafts have no number yet."""
        return f"Q-{self.number:04d}" if self.number else ""

    @property
    def is_editable(self) -> bool:
        return rules.is_editable(self.status)

    @property
    def expires_on(self) -> date:
        """The expiration date the seller chose, in the app's time zone."""
        return clock.local_date(self.expires_at, timezone.get_default_timezone())

    def is_expired(self, now: datetime | None = None) -> bool:
        return rules.is_expired(self.expires_at, now or clock.utcnow())

    @property
    def shows_as_expired(self) -> bool:
        """Published and past its date: the seller's lists show "Expired"."""
        return self.status == QuoteStatus.PUBLISHED and self.is_expired()

    @property
    def status_label(self) -> str:
        return str(_("Expired")) if self.shows_as_expired else self.get_status_display()

    @property
    def status_badge(self) -> str:
        """The .badge-* class for the seller's lists."""
        if self.shows_as_expired:
            return "danger"
        return {
            QuoteStatus.DRAFT: "neutral",
            QuoteStatus.PUBLISHED: "info",
            QuoteStatus.RECALLED: "warning",
            QuoteStatus.ACCEPTED: "success",
            QuoteStatus.PAID: "success",
            QuoteStatus.ARCHIVED: "neutral",
        }[QuoteStatus(self.status)]

    def transition_to(self, target: str) -> None:
        """The one way a quote's status changes; raises rules.IllegalTransition."""
        self.status = rules.check_transition(self.status, target).value


class QuoteLine(PricedLine):
    """A line on a quote: its own copy, independent of the deal's lines and the catalog.

    Input fields (quantity, price, discount, tax, recurrence) are edited in the
    wizard. The amount fields are written when the quote is published and are
    what the buyer sees from then on.
    """

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    # Frozen on publish
    subtotal_minor = models.BigIntegerField(null=True, blank=True)
    discount_minor = models.BigIntegerField(null=True, blank=True)
    tax_minor = models.BigIntegerField(null=True, blank=True)
    total_minor = models.BigIntegerField(null=True, blank=True)

    @property
    def frozen_price(self) -> LinePrice | None:
        if self.total_minor is None:
            return None
        return LinePrice(
            subtotal=self.subtotal_minor or 0,
            discount=self.discount_minor or 0,
            net=(self.subtotal_minor or 0) - (self.discount_minor or 0),
            tax=self.tax_minor or 0,
            total=self.total_minor,
        )

    def freeze(self, price: LinePrice) -> None:
        self.subtotal_minor = price.subtotal
        self.discount_minor = price.discount
        self.tax_minor = price.tax
        self.total_minor = price.total

    def unfreeze(self) -> None:
        self.subtotal_minor = self.discount_minor = self.tax_minor = self.total_minor = None


class StoredQuotePdf(models.Model):
    """A published quote's PDF, rendered the first time it is asked for and served from here.

    A published version never changes, so rendering it again for every download
    only costs time and memory. It is kept in the database so that every worker
    on every host serves the same file. The key holds everything the PDF prints
    that can still differ within one version: its language, the status line
    (accepted, paid), whether it has expired, and the expiry date itself.
    Rows of versions older than the current one are deleted when a newer one is
    stored. Drafts (and recalled quotes being edited) are never stored.
    """

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="stored_pdfs")
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(max_length=16, choices=QuoteStatus.choices)
    is_expired = models.BooleanField()
    expires_at = models.DateTimeField()
    pdf = models.BinaryField()
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["quote", "version", "language", "status", "is_expired", "expires_at"],
                name="stored_quote_pdf_one_per_edition",
            )
        ]

    def __str__(self) -> str:
        return f"{self.quote_id} v{self.version} {self.language} {self.status}"
