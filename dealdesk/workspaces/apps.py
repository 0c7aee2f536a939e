from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "dealdesk.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces"
