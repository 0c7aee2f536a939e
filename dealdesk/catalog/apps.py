from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "dealdesk.catalog"
    label = "catalog"
    verbose_name = "Catalog"
