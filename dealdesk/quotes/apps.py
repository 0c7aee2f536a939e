from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "dealdesk.quotes"
    label = "quotes"
    verbose_name = "Quotes"
