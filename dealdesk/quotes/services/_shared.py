"""What every quote action needs: the locked row, the expiry instant, the seller's name."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from dealdesk.catalog.models import Product
from dealdesk.crm.models import Company, Contact
from dealdesk.lib import clock
from dealdesk.quotes import rules
from dealdesk.quotes.models import Quote
from dealdesk.quotes.services.errors import QuoteError, QuoteNotEditable
from dealdesk.workspaces.models import User, Workspace

# The amounts publishing writes onto a line; an edit clears them.
FROZEN_LINE_FIELDS = ("subtotal_minor", "discount_minor", "tax_minor", "total_minor")


def lock(quote: Quote) -> Quote:
    # of=("self",): lock the quote only, not the joined workspace row.
    return (
        Quote.objects.select_for_update(of=("self",)).select_related("workspace").get(pk=quote.pk)
    )


def lock_editable(quote: Quote) -> Quote:
    locked = lock(quote)
    if not locked.is_editable:
        raise QuoteNotEditable(
            _("This quote is published. Recall it to make changes; the link stays the same.")
        )
    return locked


def full_name(user: User) -> str:
    return user.get_full_name() or user.email


def require_same_workspace(workspace: Workspace, *objects: Company | Contact | Product) -> None:
    for obj in objects:
        if obj.workspace_id != workspace.pk:
            raise ValueError("Object belongs to another workspace.")


def default_expiry(now: datetime) -> date:
    today = clock.local_date(now, timezone.get_default_timezone())
    return date.fromordinal(today.toordinal() + rules.DEFAULT_VALIDITY_DAYS)


def end_of_expiry_date(expires_on: date, now: datetime) -> datetime:
    """The last instant of the chosen date (R8, R13); a date in the past is refused."""
    zone = timezone.get_default_timezone()
    if not rules.expiry_date_ok(expires_on, clock.local_date(now, zone)):
        raise QuoteError(_("Choose an expiration date in the future."))
    return clock.end_of_day(expires_on, zone)
