"""Attach the signed-in member's workspace to every request and use their language."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from dealdesk.workspaces.models import Membership


class WorkspaceMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.workspace = None  # type: ignore[attr-defined]
        user = request.user
        if user.is_authenticated:
            membership = (
                Membership.objects.select_related("workspace").filter(user_id=user.pk).first()
            )
            request.membership = membership  # type: ignore[attr-defined]
            request.workspace = membership.workspace if membership else None  # type: ignore[attr-defined]
            language = getattr(user, "language", "")
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
