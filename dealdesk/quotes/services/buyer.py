"""What the buyer does on the quote's public page without paying: view it, sign it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from dealdesk.lib import clock
from dealdesk.quotes import rules, visits
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


def quote_record_view(*, quote_id: int, now: datetime | None = None) -> None:
    """Count a buyer's visit of a published quote. It reaches the quote's counters within
    seconds (``visits``): a page view takes no row lock and waits for no commit."""
    visits.visit_record(quote_id=quote_id, now=now)
