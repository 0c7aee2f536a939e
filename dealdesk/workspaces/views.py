from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealdesk.workspaces import services, throttle
from dealdesk.workspaces.access import MemberRequest, admin_required, member_required
from dealdesk.workspaces.forms import (
    AcceptInvitationForm,
    InvitationForm,
    ProfileForm,
    RoleForm,
    SignupEmailForm,
    SignupForm,
    WorkspaceForm,
)
from dealdesk.workspaces.models import Invitation, Membership, Role, WorkspaceLogo

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


def signup(request: HttpRequest) -> HttpResponse:
    """Step one of sign-up: the same answer for every address (see services.signup_start)."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupEmailForm(request.POST or None)
    if request.method == "POST":
        verdict = throttle.record_for_form(request, form, limit="sign_up_ip")
        if verdict.refused:
            return throttle.refuse(
                render(request, "workspaces/signup.html", {"form": form}), verdict
            )
        if form.is_valid():
            services.signup_start(email=form.cleaned_data["email"])
            return redirect("workspaces:signup_sent")
    return render(request, "workspaces/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "workspaces/signup_sent.html")


def signup_finish(request: HttpRequest, token: str) -> HttpResponse:
    """Step two, from the emailed link: company, name and password create the workspace."""
    email = services.signup_email_for_token(token)
    if email is None:
        return render(request, "workspaces/signup_link_invalid.html", status=404)
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None, email=email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.workspace_signup(
                workspace_name=form.cleaned_data["workspace_name"],
                email=email,
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend=AUTH_BACKEND)
            messages.success(request, _("Welcome to DealDesk! Start by adding your products."))
            return redirect("catalog:product_list")
    return render(request, "workspaces/signup_finish.html", {"form": form, "email": email})


def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "workspaces/invite_invalid.html", status=404)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    context = {"form": form, "invitation": invitation}
    if request.method == "POST":
        verdict = throttle.record_for_form(request, form, limit="invitation_accept_ip")
        if verdict.refused:
            response = render(request, "workspaces/invite_accept.html", context)
            return throttle.refuse(response, verdict)
        if form.is_valid():
            try:
                user = services.invitation_accept(
                    token=token,
                    password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                login(request, user, backend=AUTH_BACKEND)
                messages.success(
                    request, _("You joined %(workspace)s.") % {"workspace": invitation.workspace}
                )
                return redirect("home")
    return render(request, "workspaces/invite_accept.html", context)


@member_required
def workspace_settings(request: MemberRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None, request.FILES or None, instance=request.workspace)
    if request.method == "POST":
        if not request.membership.is_admin:
            messages.error(request, _("Only workspace admins can change workspace settings."))
            return redirect("workspaces:settings")
        if form.is_valid():
            form.save()
            logo = form.cleaned_data.get("logo")
            if logo:
                services.workspace_logo_set(
                    workspace=request.workspace, data=logo.data, content_type=logo.content_type
                )
            elif form.cleaned_data.get("remove_logo"):
                services.workspace_logo_remove(workspace=request.workspace)
            messages.success(request, _("Workspace settings saved."))
            return redirect("workspaces:settings")
    logo = WorkspaceLogo.objects.filter(workspace=request.workspace).first()
    return render(request, "workspaces/settings.html", {"form": form, "logo": logo})


@member_required
def members(request: MemberRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(workspace=request.workspace)
        .select_related("user")
        .order_by("user__first_name", "user__email")
    )
    invitations = Invitation.objects.usable().filter(workspace=request.workspace)
    form = InvitationForm(request.POST or None)
    context = {
        "memberships": memberships,
        "invitations": invitations,
        "form": form,
        "role_choices": Role.choices,
    }
    if request.method == "POST":
        if not request.membership.is_admin:
            messages.error(request, _("Only workspace admins can invite members."))
            return redirect("workspaces:members")
        verdict = throttle.record_for_form(request, form, limit="invitation_send_ip")
        if verdict.refused:
            return throttle.refuse(render(request, "workspaces/members.html", context), verdict)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    workspace=request.workspace,
                    email=form.cleaned_data["email"],
                    role=Role(form.cleaned_data["role"]),
                    invited_by=request.user,
                )
            except ValidationError as error:
                form.add_error("email", error)
            else:
                # The same words whether or not the address has an account elsewhere, and
                # no link: only the invitee holds it (see services.invitation_create).
                messages.success(
                    request,
                    _("Invitation sent to %(email)s. The link works once, for 7 days.")
                    % {"email": invitation.email},
                )
                return redirect("workspaces:members")
    return render(request, "workspaces/members.html", context)


@require_POST
@admin_required
def member_role(request: MemberRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=pk, workspace=request.workspace)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_set_role(
                membership=membership, role=Role(form.cleaned_data["role"])
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Role updated."))
    return redirect("workspaces:members")


@require_POST
@admin_required
def member_remove(request: MemberRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=pk, workspace=request.workspace)
    try:
        services.membership_remove(membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Member removed."))
    return redirect("workspaces:members")


@require_POST
@admin_required
def invitation_revoke(request: MemberRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk, workspace=request.workspace)
    services.invitation_revoke(invitation=invitation)
    messages.success(request, _("Invitation revoked."))
    return redirect("workspaces:members")


@member_required
def profile(request: MemberRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Speak the newly chosen language from here on: the message below, this response,
        # and (through the cookie) the pages seen after signing out.
        translation.activate(user.language)
        request.LANGUAGE_CODE = translation.get_language()
        messages.success(request, _("Profile saved."))
        response = redirect("workspaces:profile")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response
    return render(request, "workspaces/profile.html", {"form": form})
