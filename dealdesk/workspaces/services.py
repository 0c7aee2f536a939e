"""Actions on workspaces and people. Keyword-only, one transaction each."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
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

SIGNUP_LINK_MAX_AGE = timedelta(days=2)
_SIGNUP_SALT = "dealdesk.workspaces.signup"


def signup_start(*, email: str) -> None:
    """Begin a sign-up by email, without revealing whether the address has an account.

    Sign-up happens in two steps so that its answer is the same for every address:
    the form asks only for the email and always says "check your email". A new
    address gets a signed link (valid two days, no database row); following it asks
    for the company, name and password and only then creates the workspace and its
    admin, which also proves the address belongs to them. An address that already has
    an account gets an email saying so, with links to sign in and to reset the
    password, and nothing is created.
    """
    email = User.objects.normalize_email(email).strip()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        with translation.override(existing.language):
            send_mail(
                subject=_("Your DealDesk account"),
                message=_(
                    "Someone, maybe you, tried to create a DealDesk workspace with this "
                    "email address. You already have an account.\n\n"
                    "Sign in: %(login)s\n"
                    "Forgot your password? Choose a new one: %(reset)s\n\n"
                    "If this was not you, you can ignore this email.\n"
                )
                % {
                    "login": settings.DEALDESK_BASE_URL + reverse("login"),
                    "reset": settings.DEALDESK_BASE_URL + reverse("password_reset"),
                },
                from_email=None,
                recipient_list=[existing.email],
            )
        return
    token = signing.dumps(email, salt=_SIGNUP_SALT)
    link = settings.DEALDESK_BASE_URL + reverse("workspaces:signup_finish", args=[token])
    send_mail(
        subject=_("Create your DealDesk workspace"),
        message=_(
            "Welcome to DealDesk! Follow this link within 2 days to create your "
            "workspace:\n%(link)s\n\n"
            "If you did not ask for this, you can ignore this email.\n"
        )
        % {"link": link},
        from_email=None,
        recipient_list=[email],
    )


def signup_email_for_token(token: str) -> str | None:
    """The address a sign-up link may still create an account for.

    None for a forged or expired link, and for one already used (the address has an
    account now); only the owner of the address holds the link, so that reveals nothing.
    """
    try:
        email: str = signing.loads(token, salt=_SIGNUP_SALT, max_age=SIGNUP_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if User.objects.filter(email__iexact=email).exists():
        return None
    return email


def workspace_signup(
    *, workspace_name: str, email: str, password: str, first_name: str = "", last_name: str = ""
) -> User:
    """Create a workspace with its first member, who is its admin."""
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(_("This sign-up link was already used. Sign in instead."))
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(name=workspace_name.strip())
            user = User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name
            )
            Membership.objects.create(user=user, workspace=workspace, role=Role.ADMIN)
    except IntegrityError as error:  # the same link followed twice at once
        raise ValidationError(_("This sign-up link was already used. Sign in instead.")) from error
    return user


def invitation_link(token: str) -> str:
    return settings.DEALDESK_BASE_URL + reverse("workspaces:invite_accept", args=[token])


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, email: str, role: Role, invited_by: User
) -> Invitation:
    """Create a single-use invitation and email its link. Earlier open invites lapse.

    A user belongs to exactly one workspace, so an address that already has an
    account in another workspace cannot join. The admin is not told: to them the
    invitation looks like any other (listed, revocable, lapsing), so inviting does not
    reveal who uses DealDesk. The address gets an email explaining that it cannot
    join, without a link; the invitation can never be accepted.
    """
    email = User.objects.normalize_email(email).strip()
    existing = User.objects.filter(email__iexact=email).first()
    if (
        existing is not None
        and Membership.objects.filter(user=existing, workspace=workspace).exists()
    ):
        raise ValidationError(
            _("%(email)s is already a member of this workspace."), params={"email": email}
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
    if existing is not None:
        transaction.on_commit(
            lambda: _email_cannot_join(user=existing, workspace=workspace, invited_by=invited_by)
        )
        return invitation
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
    return invitation


def _email_cannot_join(*, user: User, workspace: Workspace, invited_by: User) -> None:
    with translation.override(user.language):
        send_mail(
            subject=_("You are invited to %(workspace)s on DealDesk")
            % {"workspace": workspace.name},
            message=_(
                "%(inviter)s invited you to join %(workspace)s on DealDesk.\n\n"
                "You already have a DealDesk account with this email address, and an "
                "account belongs to exactly one workspace, so you cannot join "
                "%(workspace)s with it. Ask %(inviter)s to invite another address of "
                "yours instead.\n\n"
                "Sign in to your account: %(login)s\n"
            )
            % {
                "inviter": invited_by,
                "workspace": workspace.name,
                "login": settings.DEALDESK_BASE_URL + reverse("login"),
            },
            from_email=None,
            recipient_list=[user.email],
        )


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
