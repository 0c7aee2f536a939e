from django.urls import path

from dealdesk.payments import views

app_name = "payments"

urlpatterns = [
    path("settings/integrations/", views.integrations, name="integrations"),
    path("settings/integrations/stripe/connect/", views.stripe_connect, name="stripe_connect"),
    path("settings/integrations/stripe/callback/", views.stripe_callback, name="stripe_callback"),
    path("settings/integrations/stripe/recheck/", views.stripe_recheck, name="stripe_recheck"),
    path(
        "settings/integrations/stripe/disconnect/",
        views.stripe_disconnect,
        name="stripe_disconnect",
    ),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
