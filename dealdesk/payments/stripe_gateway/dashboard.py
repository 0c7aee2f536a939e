"""Links into the Stripe dashboard of a connected account, for the seller's pages."""

from __future__ import annotations

from dealdesk.payments.stripe_gateway.connect import dashboard_url

# Where the dashboard shows each kind of object: /<acct>[/test]/<section>/<id>.
_SECTIONS = {
    "customer": "customers",
    "payment_intent": "payments",
    "subscription": "subscriptions",
    "invoice": "invoices",
    "charge": "payments",  # the dashboard shows a charge on its payment's page
    "dispute": "disputes",
}


def dashboard_object_url(
    *, account_id: str, livemode: bool, object_type: str, object_id: str
) -> str:
    """The dashboard page of one object (``object_type`` as Stripe names it) on the account."""
    base = dashboard_url(account_id=account_id, livemode=livemode)
    return f"{base}/{_SECTIONS[object_type]}/{object_id}"
