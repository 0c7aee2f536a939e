from django.urls import path

from dealdesk.payments import views, views_events, views_purchase, views_seller

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
    path("settings/integrations/stripe/events/", views_events.stripe_events, name="stripe_events"),
    path(
        "settings/integrations/stripe/events/<int:pk>/process-again/",
        views_events.stripe_event_process_again,
        name="stripe_event_process_again",
    ),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    # An admin acting on a paid purchase
    path(
        "purchases/<int:pk>/cancel-subscription/",
        views_seller.subscription_cancel_view,
        name="subscription_cancel",
    ),
    path(
        "purchases/<int:pk>/refund/<str:payment>/",
        views_seller.refund_view,
        name="refund",
    ),
    # The buyer paying a quote (no sign-in; the quote's token is the key)
    path("q/<str:token>/purchase/", views_purchase.purchase_start_view, name="purchase_start"),
    path(
        "q/<str:token>/purchase/<str:reference>/complete/",
        views_purchase.purchase_complete_view,
        name="purchase_complete",
    ),
    path(
        "q/<str:token>/receipt/<str:reference>/",
        views_purchase.purchase_receipt_view,
        name="purchase_receipt",
    ),
]
