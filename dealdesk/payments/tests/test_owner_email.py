"""The seller's payment emails are sent by the task worker: a mail server that is down
never fails the buyer's purchase, and the email is composed in the owner's language."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Any

import pytest
import stripe
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from dealdesk.payments.models import StripeConnection
from dealdesk.payments.purchases import purchase_settle
from dealdesk.payments.tests.purchase_fixtures import ONE_TIME, pay, payable_quote
from dealdesk.payments.tests.sync_fixtures import start
from dealdesk.quotes.models import QuoteStatus
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


class MailServerDown(BaseEmailBackend):
    """Refuses every message, as an unreachable SMTP server does."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_mail_server_that_is_down_does_not_fail_the_paid_quote(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)

    with django_capture_on_commit_callbacks(execute=True):
        purchase_settle(purchase=purchase)  # the email's task fails on its own

    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PAID


def test_the_paid_email_is_queued_after_commit_and_sent_by_the_worker(
    acme: Workspace,
    bob: User,
    connected: StripeConnection,
    northwind: stripe.StripeClient,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    quote = payable_quote(acme, bob, ONE_TIME)
    purchase = start(quote)
    assert pay(northwind, purchase)

    with django_capture_on_commit_callbacks(execute=True):
        purchase_settle(purchase=purchase)

    assert mail.outbox == []  # not sent in the buyer's request
    (queued,) = [
        result
        for result in default_task_backend.results  # type: ignore[attr-defined]
        if result.task.name == "owner_email_send"
    ]
    recipient, subject, _ = queued.args
    assert recipient == bob.email
    assert quote.display_number in subject
