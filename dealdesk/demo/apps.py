from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "dealdesk.demo"
    label = "demo"
    verbose_name = "Demo data"
