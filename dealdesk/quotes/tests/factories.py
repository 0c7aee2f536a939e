"""Quotes for tests, built through the real services so they are what the app makes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dealdesk.crm.models import Deal, DealLineItem
from dealdesk.factories import CompanyFactory, ContactFactory, DealFactory, DealLineItemFactory
from dealdesk.lib import clock
from dealdesk.payments.models import StripeConnection
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote
from dealdesk.workspaces.models import User, Workspace

# (name, quantity, unit price in cents, interval, interval count, tax bp)
DEFAULT_LINES = [
    ("Onboarding workshop", 1, 150_000, "", None, 1900),
    ("Growth plan", 25, 4_900, "month", 1, 1900),
]


def deal_with_lines(
    workspace: Workspace,
    lines: list[tuple[str, int, int, str, int | None, int]] | None = None,
    **deal_fields: object,
) -> Deal:
    company = CompanyFactory.create(
        workspace=workspace,
        name="Globex GmbH",
        address_line1="Hauptstraße 12",
        postal_code="10115",
        city="Berlin",
        country="Germany",
    )
    contact = ContactFactory.create(
        workspace=workspace,
        first_name="Carol",
        last_name="Meier",
        email="carol@globex.example",
        company=company,
    )
    deal = DealFactory.create(workspace=workspace, company=company, **deal_fields)
    deal.contacts.set([contact])
    for position, (name, quantity, amount, interval, count, tax) in enumerate(
        DEFAULT_LINES if lines is None else lines
    ):
        DealLineItemFactory.create(
            deal=deal,
            name=name,
            quantity=quantity,
            unit_amount_minor=amount,
            recurring_interval=interval,
            recurring_interval_count=count,
            tax_rate_bp=tax,
            position=position,
        )
    return deal


def draft_quote(
    deal: Deal,
    user: User,
    *,
    title: str = "Growth rollout",
    language: str = "en",
    expires_on: date | None = None,
    now: datetime | None = None,
) -> Quote:
    now = now or clock.utcnow()
    return services.quote_create(
        deal=deal,
        user=user,
        title=title,
        template="standard",
        language=language,
        expires_on=expires_on or (now.date() + timedelta(days=30)),
        now=now,
    )


def published_quote(
    deal: Deal, user: User, *, now: datetime | None = None, **draft_fields: object
) -> Quote:
    quote = draft_quote(deal, user, now=now, **draft_fields)  # type: ignore[arg-type]
    return services.quote_publish(quote=quote, user=user, now=now)


def ready_stripe(workspace: Workspace) -> StripeConnection:
    """A connected, activated Stripe account: payments may be switched on (R2, R7)."""
    return StripeConnection.objects.create(
        workspace=workspace, account_id="acct_test", charges_enabled=True
    )


def unactivated_stripe(workspace: Workspace) -> StripeConnection:
    """Connected, but Stripe can't accept charges on it yet (R2)."""
    return StripeConnection.objects.create(
        workspace=workspace, account_id="acct_pending", charges_enabled=False
    )


def add_line(deal: Deal, name: str, interval: str = "", count: int | None = None) -> DealLineItem:
    return DealLineItemFactory.create(
        deal=deal,
        name=name,
        unit_amount_minor=10_000,
        recurring_interval=interval,
        recurring_interval_count=count,
        position=deal.line_items.count(),
    )
