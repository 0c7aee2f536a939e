"""Actions on quotes. Keyword-only, one transaction each; callers pass rows they looked up
through ``for_workspace`` (or, for the buyer, through the token).

Callers use this package as one API (``services.quote_publish(...)``); the
modules behind it are split by concept:

- ``drafting``: a draft from a deal, the wizard's steps and the quote's lines;
- ``lifecycle``: publish, recall, archive, paid, duplicate, extend;
- ``buyer``: the buyer's visits and signature;
- ``messages``: the rules that refuse an action, in the seller's words;
- ``errors``: the exceptions, whose text is for the seller or buyer.
"""

from dealdesk.quotes.services._shared import default_expiry
from dealdesk.quotes.services.buyer import quote_accept, quote_record_view
from dealdesk.quotes.services.drafting import (
    quote_create,
    quote_line_add_from_product,
    quote_line_move,
    quote_line_remove,
    quote_lines_update,
    quote_update_details,
    quote_update_notes,
    quote_update_parties,
    quote_update_payment,
)
from dealdesk.quotes.services.errors import (
    DealHasNoLines,
    FrequencyMismatch,
    PaymentsUnavailable,
    PublishRefused,
    QuoteError,
    QuoteNotEditable,
)
from dealdesk.quotes.services.lifecycle import (
    quote_archive,
    quote_duplicate,
    quote_extend,
    quote_mark_paid,
    quote_publish,
    quote_recall,
)
from dealdesk.quotes.services.messages import (
    frequency_message,
    frequency_problem,
    publish_problems,
)

__all__ = [
    "DealHasNoLines",
    "FrequencyMismatch",
    "PaymentsUnavailable",
    "PublishRefused",
    "QuoteError",
    "QuoteNotEditable",
    "default_expiry",
    "frequency_message",
    "frequency_problem",
    "publish_problems",
    "quote_accept",
    "quote_archive",
    "quote_create",
    "quote_duplicate",
    "quote_extend",
    "quote_line_add_from_product",
    "quote_line_move",
    "quote_line_remove",
    "quote_lines_update",
    "quote_mark_paid",
    "quote_publish",
    "quote_recall",
    "quote_record_view",
    "quote_update_details",
    "quote_update_notes",
    "quote_update_parties",
    "quote_update_payment",
]
