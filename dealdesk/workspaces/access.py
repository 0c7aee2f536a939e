"""Who may see what: decorators for seller views and the typed request they receive."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from dealdesk.workspaces.models import Membership, User, Workspace

P = ParamSpec("P")


class MemberRequest(HttpRequest):
    """An HttpRequest from a signed-in workspace member (set by WorkspaceMiddleware)."""

    user: User
    membership: Membership
    workspace: Workspace


View = Callable[Concatenate[MemberRequest, P], HttpResponse]


def member_required(view: View[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Signed in and member of a workspace; otherwise to the login page or a 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if getattr(request, "workspace", None) is None:
            raise Http404("No workspace")
        return view(cast(MemberRequest, request), *args, **kwargs)

    return login_required(wrapper)


def admin_required(view: View[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Workspace admins only; a seller of the same workspace is told it is not allowed."""

    @wraps(view)
    def wrapper(request: MemberRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.membership.is_admin:
            raise PermissionDenied("Only workspace admins can do this.")
        return view(request, *args, **kwargs)

    return member_required(wrapper)
