"""The demo workspace that `make demo` loads: a catalog, companies, contacts and deals,
connected to the Stripe sandbox's activated account so its published quote can be paid."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dealdesk.catalog.models import Billing, Product
from dealdesk.crm.models import Company, Contact, Deal, DealLineItem, Stage
from dealdesk.demo.stripe_connect import connect_demo_account
from dealdesk.lib import clock
from dealdesk.lib.pricing import DiscountKind
from dealdesk.payments.selectors import payment_readiness, stripe_connection
from dealdesk.quotes import services as quote_services
from dealdesk.quotes.models import Quote
from dealdesk.workspaces.models import Membership, Role, User, Workspace
from dealdesk.workspaces.services import workspace_signup

ADMIN_EMAIL = "admin@dealdesk.demo"
SELLER_EMAIL = "sam@dealdesk.demo"
PASSWORD = "dealdesk-demo"

# name, sku, unit price in cents (EUR), interval ("" = one-time), interval count, tax bp
PRODUCTS = [
    ("Onboarding workshop", "SRV-ONB", 150_000, "", None, 1900),
    ("Implementation package", "SRV-IMP", 490_000, "", None, 1900),
    ("Data migration", "SRV-MIG", 89_900, "", None, 1900),
    ("Growth plan (per seat)", "SUB-GRO-M", 4_900, "month", 1, 1900),
    ("Analytics add-on", "SUB-ANA-M", 1_900, "month", 1, 1900),
    ("Quarterly success review", "SUB-QSR", 120_000, "month", 3, 1900),
    ("Enterprise support", "SUB-SUP-Y", 120_000, "year", 1, 1900),
    ("Premium plan (per seat)", "SUB-PRE-Y", 48_000, "year", 1, 1900),
]

COMPANIES = [
    ("Globex GmbH", "globex.example", "Hauptstraße 12", "10115", "Berlin", "Germany"),
    ("Initech Ltd", "initech.example", "1 Office Park", "EC1A 1BB", "London", "United Kingdom"),
    ("Hooli Inc.", "hooli.example", "500 Market St", "94105", "San Francisco", "United States"),
]

CONTACTS = [
    ("Carol", "Meier", "carol@globex.example", "Head of Operations", 0),
    ("Dieter", "Schulz", "dieter@globex.example", "CFO", 0),
    ("Peter", "Gibbons", "peter@initech.example", "Project Lead", 1),
    ("Gavin", "Belson", "gavin@hooli.example", "CEO", 2),
]

# deal name, company index, contact indexes, stage, [(product sku, quantity, discount %)]
DEALS = [
    (
        "Globex — Growth rollout",
        0,
        [0, 1],
        Stage.PRESENTATION,
        [("SRV-ONB", 1, 0), ("SUB-GRO-M", 25, 1000), ("SUB-ANA-M", 1, 0)],
    ),
    (
        "Initech — Annual support",
        1,
        [2],
        Stage.DECISION_MAKER,
        [("SRV-IMP", 1, 0), ("SUB-SUP-Y", 1, 0), ("SUB-PRE-Y", 10, 500)],
    ),
    ("Hooli — Migration", 2, [3], Stage.QUALIFIED, [("SRV-MIG", 2, 0)]),
    ("Hooli — Expansion (no products yet)", 2, [3], Stage.APPOINTMENT_SCHEDULED, []),
]


# Terms in each quote language: the buyer reads the whole quote in one language.
QUOTE_TERMS = {
    "en": (
        "Prices exclude VAT, which is shown per line. Subscriptions renew automatically "
        "and can be cancelled at the end of any billing period."
    ),
    "de": (
        "Preise zuzüglich Umsatzsteuer, die je Position ausgewiesen ist. Abonnements "
        "verlängern sich automatisch und sind zum Ende jedes Abrechnungszeitraums kündbar."
    ),
}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    created: bool
    quote_url: str = ""
    quote_payable: bool = False  # the published quote takes payments now
    stripe_account: str = ""  # the connected Stripe account's name and id, if any
    stripe_problem: str = ""  # why the demo could not connect Stripe


def _public_url(quote: Quote | None) -> str:
    if quote is None or not quote.token:
        return ""
    return settings.DEALDESK_BASE_URL + reverse("quotes:public", kwargs={"token": quote.token})


@transaction.atomic
def load_demo_quotes(workspace: Workspace, now: datetime | None = None) -> Quote | None:
    """A published quote, an expired one and a draft; once per workspace.

    The published quote takes payments when the workspace's Stripe account can
    (the demo connects it first). Returns the published quote (the one to open as
    a buyer), also on later runs.
    """
    now = now or clock.utcnow()
    existing = Quote.objects.for_workspace(workspace)
    if existing.exists():
        return existing.filter(status="published", expires_at__gt=now).order_by("pk").first()
    deals = {deal.name: deal for deal in Deal.objects.for_workspace(workspace)}
    wanted = ("Globex — Growth rollout", "Initech — Annual support", "Hooli — Migration")
    if not all(name in deals and deals[name].line_items.exists() for name in wanted):
        return None  # the user changed the demo deals; leave their workspace alone
    seller = User.objects.get(email=SELLER_EMAIL)
    admin = User.objects.get(email=ADMIN_EMAIL)

    def quote_for(deal_name: str, user: User, title: str, when: datetime, **fields: str) -> Quote:
        quote = quote_services.quote_create(
            deal=deals[deal_name],
            user=user,
            title=title,
            template="standard",
            language=fields.get("language", "en"),
            expires_on=(when + timedelta(days=30)).date(),
            now=when,
        )
        return quote_services.quote_update_notes(
            quote=quote,
            comments=fields.get("comments", ""),
            terms=QUOTE_TERMS[fields.get("language", "en")],
        )

    yesterday = now - timedelta(days=1)
    published = quote_for(
        wanted[0],
        admin,
        "Growth plan rollout for Globex",
        yesterday,
        comments="Hello Carol, as discussed: the workshop first, then 25 seats from day one.",
    )
    published = quote_services.quote_update_payment(
        quote=published,
        payment_enabled=payment_readiness(workspace).can_accept_payments,
        collect_billing_address=False,
        signature_required=True,
    )
    published = quote_services.quote_publish(quote=published, user=admin, now=yesterday)
    quote_services.quote_record_view(quote_id=published.pk, now=now - timedelta(hours=5))

    then = now - timedelta(days=45)
    expired = quote_for(wanted[1], seller, "Jährlicher Support", then, language="de")
    quote_services.quote_publish(quote=expired, user=seller, now=then)

    quote_for(wanted[2], seller, "Data migration for Hooli", now)
    return published


def load_demo() -> DemoLogin:
    """Create the demo workspace once, connect it to the Stripe sandbox, add its quotes.

    Later runs leave the workspace as the user changed it. Stripe is called between
    the two transactions, never inside one.
    """
    existing = User.objects.filter(email=ADMIN_EMAIL).select_related("membership").first()
    if existing is not None:
        workspace = existing.membership.workspace
        return _login(workspace, created=False, quote=load_demo_quotes(workspace))
    admin = _create_workspace()
    workspace = admin.membership.workspace
    stripe_problem = connect_demo_account(workspace=workspace, admin=admin)
    return _login(
        workspace,
        created=True,
        quote=load_demo_quotes(workspace),
        stripe_problem=stripe_problem,
    )


def _login(
    workspace: Workspace,
    *,
    created: bool,
    quote: Quote | None,
    stripe_problem: str = "",
) -> DemoLogin:
    connection = stripe_connection(workspace)
    return DemoLogin(
        ADMIN_EMAIL,
        PASSWORD,
        created=created,
        quote_url=_public_url(quote),
        quote_payable=bool(
            quote
            and quote.payment_enabled
            and connection is not None
            and connection.can_accept_payments
        ),
        stripe_account=(
            f"{connection.account_name or connection.account_id} ({connection.account_id})"
            if connection
            else ""
        ),
        stripe_problem=stripe_problem,
    )


@transaction.atomic
def _create_workspace() -> User:
    """The demo admin, seller, catalog, companies, contacts and deals (no quotes yet)."""
    admin = workspace_signup(
        workspace_name="Acme Solutions",
        email=ADMIN_EMAIL,
        password=PASSWORD,
        first_name="Alex",
        last_name="Admin",
    )
    workspace = admin.membership.workspace
    seller = User.objects.create_user(
        email=SELLER_EMAIL, password=PASSWORD, first_name="Sam", last_name="Seller"
    )
    Membership.objects.create(user=seller, workspace=workspace, role=Role.SELLER)

    products = {}
    for name, sku, amount, interval, count, tax in PRODUCTS:
        products[sku] = Product.objects.create(
            workspace=workspace,
            name=name,
            sku=sku,
            unit_amount_minor=amount,
            currency="EUR",
            billing=Billing.RECURRING if interval else Billing.ONE_TIME,
            recurring_interval=interval,
            recurring_interval_count=count,
            tax_rate_bp=tax,
        )
    companies = [
        Company.objects.create(
            workspace=workspace,
            name=name,
            domain=domain,
            address_line1=street,
            postal_code=postal,
            city=city,
            country=country,
        )
        for name, domain, street, postal, city, country in COMPANIES
    ]
    contacts = [
        Contact.objects.create(
            workspace=workspace,
            first_name=first,
            last_name=last,
            email=email,
            job_title=title,
            company=companies[company],
        )
        for first, last, email, title, company in CONTACTS
    ]
    today = timezone.localdate()
    for index, (name, company, contact_ids, stage, lines) in enumerate(DEALS):
        deal = Deal.objects.create(
            workspace=workspace,
            name=name,
            company=companies[company],
            owner=seller if index % 2 else admin,
            stage=stage,
            close_date=today + timedelta(days=14 * (index + 1)),
            currency="EUR",
        )
        deal.contacts.set([contacts[i] for i in contact_ids])
        for position, (sku, quantity, discount_bp) in enumerate(lines):
            product = products[sku]
            DealLineItem.objects.create(
                deal=deal,
                product=product,
                name=product.name,
                quantity=quantity,
                unit_amount_minor=product.unit_amount_minor,
                recurring_interval=product.recurring_interval,
                recurring_interval_count=product.recurring_interval_count,
                tax_rate_bp=product.tax_rate_bp,
                discount_kind=DiscountKind.PERCENT if discount_bp else DiscountKind.NONE,
                discount_value=discount_bp,
                position=position,
            )
    return admin
