from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "dealdesk.payments"
    label = "payments"
    verbose_name = "Payments"
