"""Settings of the worker processes started by the multi-process tests."""

from dealdesk.settings import *  # noqa: F403
from dealdesk.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "dealdesk.payments.tests.workers.apps.WorkerHandlersConfig"]
