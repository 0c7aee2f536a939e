"""Django's account pages under accounts/, with our throttled sign-in and password reset."""

from django.contrib.auth import urls as django_auth_urls
from django.urls import URLPattern, URLResolver, path

from dealdesk.workspaces.auth_views import PasswordResetView, SignInView

_OURS = {"login", "password_reset"}

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", SignInView.as_view(), name="login"),
    path("password_reset/", PasswordResetView.as_view(), name="password_reset"),
    *(p for p in django_auth_urls.urlpatterns if getattr(p, "name", None) not in _OURS),
]
