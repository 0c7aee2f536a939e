from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "dealdesk.crm"
    label = "crm"
    verbose_name = "CRM"
