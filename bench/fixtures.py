"""Workspaces and published quotes for the bench, made through the app's own services."""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client

from dealdesk.factories import CompanyFactory, ContactFactory, DealFactory, DealLineItemFactory
from dealdesk.payments.models import StripeConnection
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import draft_quote
from dealdesk.workspaces.models import Membership, Role, User, Workspace


@dataclass(frozen=True)
class Seller:
    workspace: Workspace
    user: User

    def session_cookie(self) -> str:
        """A signed-in session stored in the database, usable by any worker."""
        client = Client()
        client.force_login(self.user)
        return f"sessionid={client.cookies['sessionid'].value}"


def seller(name: str = "Bench Co", account_id: str = "acct_bench") -> Seller:
    workspace = Workspace.objects.create(name=name)
    user = User.objects.create_user(
        email=f"seller@{name.lower().replace(' ', '-')}.example", password="bench-password-1"
    )
    Membership.objects.create(user=user, workspace=workspace, role=Role.ADMIN)
    # A connected, activated Stripe account: the buyer's page shows the Purchase dialog.
    StripeConnection.objects.create(
        workspace=workspace, account_id=account_id, charges_enabled=True
    )
    return Seller(workspace, user)


def published_quote(owner: Seller, line_count: int, *, title: str = "Rollout") -> Quote:
    """A published, payable quote: one in five lines monthly, the rest one-time, 19% tax."""
    company = CompanyFactory.create(
        workspace=owner.workspace,
        name="Globex GmbH",
        address_line1="Hauptstraße 12",
        postal_code="10115",
        city="Berlin",
        country="Germany",
    )
    contact = ContactFactory.create(
        workspace=owner.workspace,
        first_name="Carol",
        last_name="Meier",
        email=f"carol{line_count}@globex.example",
        company=company,
    )
    deal = DealFactory.create(workspace=owner.workspace, company=company, name=f"{title} deal")
    deal.contacts.set([contact])
    for position in range(line_count):
        monthly = position % 5 == 0
        DealLineItemFactory.create(
            deal=deal,
            name=f"{'Seat plan' if monthly else 'Service'} {position + 1}",
            description="Delivered remotely, including documentation and a handover call.",
            quantity=1 + position % 7,
            unit_amount_minor=4_900 + 100 * position,
            recurring_interval="month" if monthly else "",
            recurring_interval_count=1 if monthly else None,
            tax_rate_bp=1900,
            discount_kind="percent" if position % 3 == 0 else "none",
            discount_value=1000 if position % 3 == 0 else 0,
            position=position,
        )
    quote = draft_quote(deal, owner.user, title=title)
    quote = services.quote_update_payment(
        quote=quote, payment_enabled=True, collect_billing_address=True, signature_required=False
    )
    return services.quote_publish(quote=quote, user=owner.user)
