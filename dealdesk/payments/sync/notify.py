"""Telling the seller who owns a quote what happened to its payments, by email.

The three emails the owner gets: the quote was paid, a renewal failed, the subscription was
cancelled. Each is queued after the transaction that recorded it commits, so a rolled-back
change never mails anyone, and sent by the task worker: a slow or failing mail server
never holds up, or fails, the buyer's purchase or a Stripe event (a failed send is a
failed task, kept with its error by the task backend).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django_tasks import task

from dealdesk.lib.money import format_money
from dealdesk.payments.models import Purchase
from dealdesk.quotes.models import Quote
from dealdesk.workspaces.models import User


def quote_owner(quote: Quote) -> User | None:
    """Who hears about the quote's payments: its author, else the deal's owner."""
    owner: User | None = quote.created_by or quote.deal.owner
    return owner if owner is not None and owner.is_active and owner.email else None


def _date(moment: datetime | None) -> str:
    return formats.date_format(moment, "DATE_FORMAT") if moment is not None else ""


def notify_owner(
    *, purchase: Purchase, kind: str, amount_minor: int = 0, when: datetime | None = None
) -> None:
    """Email the quote's owner once the current transaction commits (queued, see above).

    ``kind``: ``quote_paid`` or ``renewal_failed`` (with the amount), or
    ``subscription_canceled`` (with the date). Plain text, in the owner's language.
    """
    quote = Quote.objects.select_related("created_by", "deal__owner").get(pk=purchase.quote_id)
    owner = quote_owner(quote)
    if owner is None:
        return
    link = settings.DEALDESK_BASE_URL + reverse("quotes:detail", args=[quote.pk])
    currency = purchase.currency

    def compose() -> tuple[str, str]:
        with translation.override(owner.language):
            names = {"number": quote.display_number, "title": quote.title, "link": link}
            if kind == "quote_paid":
                subject = _("Quote %(number)s was paid") % names
                message = _(
                    "%(buyer)s paid %(amount)s for %(number)s %(title)s. The deal is closed "
                    "won.\n\nSee the quote: %(link)s\n"
                ) % {
                    **names,
                    "buyer": purchase.billing_company or purchase.billing_name,
                    "amount": format_money(amount_minor, currency, owner.language),
                }
            elif kind == "renewal_failed":
                subject = _("Renewal payment failed for %(number)s") % names
                message = _(
                    "The renewal payment of %(amount)s for %(number)s %(title)s failed. "
                    "The subscription is past due; Stripe retries the payment as set up "
                    "in your Stripe account.\n\nSee the quote: %(link)s\n"
                ) % {**names, "amount": format_money(amount_minor, currency, owner.language)}
            else:
                subject = _("Subscription cancelled for %(number)s") % names
                message = _(
                    "The subscription for %(number)s %(title)s was cancelled in Stripe "
                    "on %(date)s.\n\nSee the quote: %(link)s\n"
                ) % {**names, "date": _date(when)}
            return subject, message

    subject, message = compose()
    recipient = owner.email
    transaction.on_commit(lambda: owner_email_send.enqueue(recipient, subject, message))


@task()
def owner_email_send(recipient: str, subject: str, message: str) -> None:
    """Send one notification to a seller (run by the task worker)."""
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[recipient])
