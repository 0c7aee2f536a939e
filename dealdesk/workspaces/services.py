"""Actions on workspaces and people. Keyword-only, one transaction each."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealdesk.workspaces.models import (
    INVITATION_LIFETIME,
    AuditEntry,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
    WorkspaceLogo,
)


@transaction.atomic
def workspace_signup(
    *, workspace_name: str, email: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create a workspace with its first member, who is its admin."""
    workspace = Workspace.objects.create(name=workspace_name.strip())
    user = User.objects.create_user(
        email=email, password=password, first_name=first_name, last_name=last_name
    )
    Membership.objects.create(user=user, workspace=workspace, role=Role.ADMIN)
    return user


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    link: str


def invitation_link(token: str) -> str:
    return settings.DEALDESK_BASE_URL + reverse("workspaces:invite_accept", args=[token])


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, email: str, role: Role, invited_by: User
) -> SentInvitation:
    """Create a single-use invitation and email its link. Earlier open invites lapse."""
    email = User.objects.normalize_email(email).strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s already has a DealDesk account."), params={"email": email}
        )
    now = timezone.now()
    Invitation.objects.usable().filter(workspace=workspace, email__iexact=email).update(
        revoked_at=now
    )
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        workspace=workspace,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=invited_by,
        expires_at=now + INVITATION_LIFETIME,
    )
    link = invitation_link(token)
    transaction.on_commit(
        lambda: send_mail(
            subject=_("You are invited to %(workspace)s on DealDesk")
            % {"workspace": workspace.name},
            message=_(
                "%(inviter)s invited you to join %(workspace)s on DealDesk.\n\n"
                "Accept the invitation within 7 days:\n%(link)s\n"
            )
            % {"inviter": invited_by, "workspace": workspace.name, "link": link},
            from_email=None,
            recipient_list=[email],
        )
    )
    return SentInvitation(invitation=invitation, link=link)


def invitation_for_token(token: str) -> Invitation | None:
    """The usable invitation behind a link, or None for a wrong, used or expired one."""
    return (
        Invitation.objects.usable()
        .select_related("workspace")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str, first_name: str, last_name: str) -> User:
    """Turn an invitation into a member account. The link works once."""
    invitation = (
        Invitation.objects.usable()
        .select_for_update()
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation link is no longer valid."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("An account with this email already exists."))
    user = User.objects.create_user(
        email=invitation.email, password=password, first_name=first_name, last_name=last_name
    )
    Membership.objects.create(user=user, workspace=invitation.workspace, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def membership_set_role(*, membership: Membership, role: Role) -> None:
    """Change a member's role; a workspace always keeps at least one admin."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.ADMIN and role != Role.ADMIN:
        _ensure_other_admin(locked)
    locked.role = role
    locked.save(update_fields=["role"])


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a member from the workspace and deactivate their login."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.role == Role.ADMIN:
        _ensure_other_admin(locked)
    user = locked.user
    locked.delete()
    user.is_active = False
    user.save(update_fields=["is_active"])


def _ensure_other_admin(membership: Membership) -> None:
    admins = (
        Membership.objects.select_for_update()
        .filter(workspace_id=membership.workspace_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
    )
    if not admins.exists():
        raise ValidationError(_("A workspace needs at least one admin."))


def audit_record(
    *,
    workspace: Workspace,
    actor: User | None,
    action: str,
    target: str = "",
    details: dict[str, object] | None = None,
) -> None:
    """Append an audit entry; ``actor`` is None for what Stripe did on its own (webhooks)."""
    AuditEntry.objects.create(
        workspace=workspace, actor=actor, action=action, target=target, details=details or {}
    )


@transaction.atomic
def workspace_logo_set(*, workspace: Workspace, data: bytes, content_type: str) -> None:
    WorkspaceLogo.objects.update_or_create(
        workspace=workspace,
        defaults={"data": data, "content_type": content_type, "updated_at": timezone.now()},
    )


@transaction.atomic
def workspace_logo_remove(*, workspace: Workspace) -> None:
    WorkspaceLogo.objects.filter(workspace=workspace).delete()
