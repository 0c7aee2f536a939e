"""Background work, run by ``manage.py db_worker``."""

from django_tasks import task

from dealdesk.payments.webhooks import webhook_process


@task()
def process_webhook_event(event_pk: int) -> str:
    return str(webhook_process(event_pk=event_pk))
