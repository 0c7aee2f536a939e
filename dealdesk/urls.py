from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", lambda request: redirect("crm:deal_list"), name="home"),
    path("accounts/", include("dealdesk.workspaces.auth_urls")),
    path("", include("dealdesk.workspaces.urls")),
    path("products/", include("dealdesk.catalog.urls")),
    path("", include("dealdesk.crm.urls")),
    path("", include("dealdesk.quotes.urls")),
    path("", include("dealdesk.payments.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns.append(path("styleguide/", TemplateView.as_view(template_name="styleguide.html")))

if settings.DEALDESK_BENCH:
    # Baselines for `make bench` (see bench/README.md); not routed in normal runs.
    urlpatterns.append(path("bench/", include("bench.urls")))
