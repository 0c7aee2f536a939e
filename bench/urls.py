from django.urls import path

from bench import baseline

urlpatterns = [
    path("page/<str:name>/", baseline.page_from_memory),
    path("webhook/", baseline.webhook_insert),
]
