"""What the buyer does on the quote's public page without paying: view it, sign it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from dealdesk.lib import clock
from dealdesk.quotes import rules
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.quotes.services._shared import lock
from dealdesk.quotes.services.errors import QuoteError


@transaction.atomic
def quote_accept(*, quote: Quote, name: str, ip: str | None, now: datetime | None = None) -> Quote:
    """The buyer signs: typed full name, time and IP are recorded and the quote is accepted."""
    now = now or clock.utcnow()
    locked = lock(quote)
    if not rules.can_accept_signature(
        status=locked.status,
        signature_required=locked.signature_required,
        payment_enabled=locked.payment_enabled,
        expires_at=locked.expires_at,
        now=now,
    ):
        raise QuoteError(_("This quote can no longer be accepted. Please contact the seller."))
    locked.accepted_name = name.strip()
    locked.accepted_at = now
    locked.accepted_ip = ip
    locked.transition_to(QuoteStatus.ACCEPTED)
    locked.save(update_fields=["accepted_name", "accepted_at", "accepted_ip", "status"])
    return locked


def quote_record_view(*, quote: Quote, now: datetime | None = None) -> None:
    """Count a buyer's visit in one conditional UPDATE (no read-modify-write race).

    A single statement is its own transaction; no atomic block needed.
    """
    now = now or clock.utcnow()
    Quote.objects.filter(pk=quote.pk, status__in=rules.PUBLIC).update(
        view_count=F("view_count") + 1,
        last_viewed_at=now,
        first_viewed_at=Coalesce(F("first_viewed_at"), Value(now)),
    )
