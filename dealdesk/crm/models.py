"""Companies, contacts, deals and the line items a deal is worth."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealdesk.catalog.models import PricedLine, Product
from dealdesk.workspaces.models import ScopedQuerySet, WorkspaceScoped


class Company(WorkspaceScoped):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("website domain"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet["Company"].as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class Contact(WorkspaceScoped):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet["Contact"].as_manager()

    class Meta:
        ordering = ["first_name", "last_name", "pk"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Stage(models.TextChoices):
    APPOINTMENT_SCHEDULED = "appointment_scheduled", _("Appointment scheduled")
    QUALIFIED = "qualified", _("Qualified to buy")
    PRESENTATION = "presentation", _("Presentation scheduled")
    DECISION_MAKER = "decision_maker", _("Decision maker bought in")
    CONTRACT_SENT = "contract_sent", _("Contract sent")
    CLOSED_WON = "closed_won", _("Closed won")
    CLOSED_LOST = "closed_lost", _("Closed lost")


class Deal(WorkspaceScoped):
    name = models.CharField(_("deal name"), max_length=200)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name=_("contacts"), blank=True, related_name="deals"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deal owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    stage = models.CharField(
        _("stage"), max_length=32, choices=Stage.choices, default=Stage.APPOINTMENT_SCHEDULED
    )
    close_date = models.DateField(_("close date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet["Deal"].as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class DealLineItem(PricedLine):
    """A line on a deal: copied from a product (then editable) or custom.

    Its amounts are in the deal's currency. The product link is informational;
    editing or archiving the product never changes the line.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="line_items")
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
