""" "Process again" for a failed Stripe event, asked for on the workspace's events page or by
an operator in Django admin: one path, so both put the event back and queue it alike."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from dealdesk.payments.event_processing import event_process_again
from dealdesk.payments.models import WebhookEvent
from dealdesk.payments.tasks import event_enqueue


def event_retry(*, event: WebhookEvent) -> bool:
    """Send a failed (or dead) event back to be processed: pending again, and queued once
    the transaction it is part of commits. False when it had not failed: nothing to do."""
    with transaction.atomic():
        if not event_process_again(event=event):
            return False
        transaction.on_commit(partial(event_enqueue, event.pk))
    return True
