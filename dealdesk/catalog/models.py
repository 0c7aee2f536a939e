"""Products the workspace sells, with their price and how they are billed."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealdesk.lib.pricing import DiscountKind, Interval, LineInput, Recurrence
from dealdesk.workspaces.models import ScopedQuerySet, WorkspaceScoped


class Billing(models.TextChoices):
    ONE_TIME = "one_time", _("One-time")
    RECURRING = "recurring", _("Recurring")


class IntervalChoice(models.TextChoices):
    DAY = Interval.DAY.value, _("Day")
    WEEK = Interval.WEEK.value, _("Week")
    MONTH = Interval.MONTH.value, _("Month")
    YEAR = Interval.YEAR.value, _("Year")


class DiscountKindChoice(models.TextChoices):
    NONE = DiscountKind.NONE.value, _("No discount")
    PERCENT = DiscountKind.PERCENT.value, _("Percent")
    AMOUNT = DiscountKind.AMOUNT.value, _("Fixed amount")


class PricedLine(models.Model):
    """What a deal line and a quote line share: what is sold, how often, at what price.

    Amounts are in the currency of the deal or quote the line belongs to.
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_amount_minor = models.BigIntegerField(_("unit price"))
    recurring_interval = models.CharField(
        _("billing interval"), max_length=8, choices=IntervalChoice.choices, blank=True
    )
    recurring_interval_count = models.PositiveSmallIntegerField(
        _("interval count"), null=True, blank=True
    )
    discount_kind = models.CharField(
        _("discount"),
        max_length=8,
        choices=DiscountKindChoice.choices,
        default=DiscountKindChoice.NONE,
    )
    discount_value = models.BigIntegerField(_("discount value"), default=0)
    tax_rate_bp = models.PositiveIntegerField(_("tax rate"), default=0)
    position = models.PositiveIntegerField(default=0)

    COPIED_FIELDS = (
        "name",
        "description",
        "quantity",
        "unit_amount_minor",
        "recurring_interval",
        "recurring_interval_count",
        "discount_kind",
        "discount_value",
        "tax_rate_bp",
        "position",
    )

    class Meta:
        abstract = True
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="%(app_label)s_%(class)s_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_amount_minor__gte=0),
                name="%(app_label)s_%(class)s_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_value__gte=0),
                name="%(app_label)s_%(class)s_discount_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    Q(recurring_interval="", recurring_interval_count=None)
                    | (Q(recurring_interval_count__gte=1) & ~Q(recurring_interval=""))
                ),
                name="%(app_label)s_%(class)s_recurrence_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def recurrence(self) -> Recurrence | None:
        if not self.recurring_interval:
            return None
        return Recurrence(Interval(self.recurring_interval), self.recurring_interval_count or 1)

    def as_line_input(self) -> LineInput:
        return LineInput(
            quantity=self.quantity,
            unit_amount_minor=self.unit_amount_minor,
            discount_kind=DiscountKind(self.discount_kind),
            discount_value=self.discount_value,
            tax_rate_bp=self.tax_rate_bp,
            recurrence=self.recurrence,
        )

    @classmethod
    def copy_fields(cls, source: PricedLine) -> dict[str, Any]:
        """The editable fields of another line, for a new, independent copy."""
        return {field: getattr(source, field) for field in cls.COPIED_FIELDS}

    @staticmethod
    def product_fields(product: Product) -> dict[str, Any]:
        """A catalog product's name, price, billing and tax, for a new line made from it."""
        recurrence = product.recurrence
        return {
            "name": product.name,
            "description": product.description,
            "unit_amount_minor": product.unit_amount_minor,
            "recurring_interval": recurrence.interval.value if recurrence else "",
            "recurring_interval_count": recurrence.interval_count if recurrence else None,
            "tax_rate_bp": product.tax_rate_bp,
        }


class ProductQuerySet(ScopedQuerySet["Product"]):
    def active(self) -> ProductQuerySet:
        return self.filter(archived_at__isnull=True)


class Product(WorkspaceScoped):
    name = models.CharField(_("name"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    description = models.TextField(_("description"), blank=True)
    unit_amount_minor = models.BigIntegerField(_("unit price"))
    currency = models.CharField(_("currency"), max_length=3)
    billing = models.CharField(
        _("billing"), max_length=16, choices=Billing.choices, default=Billing.ONE_TIME
    )
    recurring_interval = models.CharField(
        _("billing interval"), max_length=8, choices=IntervalChoice.choices, blank=True
    )
    recurring_interval_count = models.PositiveSmallIntegerField(
        _("interval count"), null=True, blank=True
    )
    tax_rate_bp = models.PositiveIntegerField(_("tax rate"), default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "sku"],
                condition=~Q(sku=""),
                name="product_sku_unique_in_workspace",
            ),
            models.CheckConstraint(
                condition=Q(unit_amount_minor__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate_bp__lte=10000), name="product_tax_rate_at_most_100"
            ),
            models.CheckConstraint(
                condition=(
                    Q(billing="one_time", recurring_interval="", recurring_interval_count=None)
                    | (
                        Q(billing="recurring", recurring_interval_count__gte=1)
                        & ~Q(recurring_interval="")
                    )
                ),
                name="product_billing_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def recurrence(self) -> Recurrence | None:
        if self.billing != Billing.RECURRING:
            return None
        return Recurrence(Interval(self.recurring_interval), self.recurring_interval_count or 1)
