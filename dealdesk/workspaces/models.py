"""Tenants and people: a workspace, its members with their roles, and invitations."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

INVITATION_LIFETIME = timedelta(days=7)


class EmailUserManager(UserManager["User"]):
    """Users sign in with their email address; there is no separate user name."""

    def _create_user_object(
        self, username: str | None, email: str | None, password: str | None, **extra: Any
    ) -> User:
        email = self.normalize_email(email or username)
        user = self.model(email=email, **extra)
        user.set_password(password)
        return user

    def _create_user(
        self, username: str | None, email: str | None, password: str | None, **extra: Any
    ) -> User:
        user = self._create_user_object(username, email, password, **extra)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(None, email, password, **extra)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(None, email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email"), unique=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = EmailUserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Workspace(models.Model):
    """A company using DealDesk. Every piece of business data belongs to one."""

    name = models.CharField(_("name"), max_length=120)
    # The seller's postal address and VAT number, printed in the seller block of quotes.
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def admin_names(self) -> list[str]:
        """Who a seller can ask for what only admins may do, such as connecting Stripe."""
        admins = User.objects.filter(
            membership__workspace=self, membership__role=Role.ADMIN
        ).order_by("first_name", "last_name", "email")
        return [str(admin) for admin in admins]


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SELLER = "seller", _("Seller")


class Membership(models.Model):
    """A user's place in a workspace. A user belongs to exactly one workspace."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.SELLER)
    joined_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.workspace}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True).filter(
            expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """A single-use invite link. Only a hash of the token is stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.SELLER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.workspace}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        """Return (token for the link, hash to store)."""
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @staticmethod
    def hash_token(token: str) -> str:
        return _hash_token(token)


M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M]):
    def for_workspace(self, workspace: Workspace) -> ScopedQuerySet[M]:
        return self.filter(workspace=workspace)


class WorkspaceScoped(models.Model):
    """Base for business data: every row belongs to one workspace.

    Views reach rows only through ``Model.objects.for_workspace(request.workspace)``
    so another workspace's object is a 404, never a 403 that leaks existence.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Who did what, when, to which outside resource (e.g. connecting a Stripe account)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.target}"


class WorkspaceLogo(models.Model):
    """The logo on the workspace's quotes. Kept apart so workspace lookups stay light.

    Stored in the database (small, PNG or JPEG only) so quotes and PDFs need no
    media server; pages embed it as a data URI. ``data`` is never the upload
    itself but its checked re-encoding (workspaces.logo.clean_logo).
    """

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="logo")
    content_type = models.CharField(max_length=32)
    data = models.BinaryField()
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Logo of {self.workspace}"

    @property
    def data_uri(self) -> str:
        encoded = base64.b64encode(bytes(self.data)).decode("ascii")
        return f"data:{self.content_type};base64,{encoded}"
