"""Django's sign-in and password reset pages, with throttling (see workspaces.throttle)."""

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from dealdesk.workspaces import throttle
from dealdesk.workspaces.forms import SignInForm


class SignInView(auth_views.LoginView):
    form_class = SignInForm

    def form_invalid(self, form: SignInForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if form.throttled is not None:
            return throttle.refuse(response, form.throttled)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Every request for a reset email counts against the client's address."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        verdict = throttle.record_for_form(request, form, limit="password_reset_ip")
        if verdict.refused:
            response = self.render_to_response(self.get_context_data(form=form))
            return throttle.refuse(response, verdict)
        return super().post(request, *args, **kwargs)
