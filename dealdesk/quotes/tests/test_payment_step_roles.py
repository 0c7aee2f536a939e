"""Item 13: who can make payments available. Admins get the link to the integrations page;
sellers, who may not connect Stripe, are told which admin to ask, with no link they can't use.
"""

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.factories import MembershipFactory, UserFactory
from dealdesk.payments.models import ConnectionStatus, StripeConnection
from dealdesk.quotes import services
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import draft_quote, ready_stripe, unactivated_stripe
from dealdesk.workspaces.models import Role, User, Workspace

pytestmark = pytest.mark.django_db

INTEGRATIONS = reverse("payments:integrations")


def _payment_step(client: Client, quote: Quote) -> str:
    response = client.get(reverse("quotes:step", kwargs={"pk": quote.pk, "step": "payment"}))
    assert response.status_code == 200
    return response.content.decode()


def _blocked_alert(page: str) -> str:
    return page.split('id="purchase-blocked"')[1].split('class="layout-sidebar"')[0]


def test_item13_seller_is_told_which_admin_to_ask_without_a_link(
    bob_client: Client, draft: Quote, alice: User
) -> None:
    page = _payment_step(bob_client, draft)

    assert "Ask an admin (Alice Example) to connect Stripe." in page
    assert INTEGRATIONS not in page


def test_item13_admin_keeps_the_link_to_connect_stripe(
    alice_client: Client, draft: Quote, bob: User
) -> None:
    page = _payment_step(alice_client, draft)

    assert f'href="{INTEGRATIONS}"' in page
    assert "Connect your Stripe account in Settings → Integrations" in page
    assert "Ask an admin" not in page


def test_item13_seller_sees_every_admin_and_only_admins(
    bob_client: Client, draft: Quote, alice: User, acme: Workspace
) -> None:
    zoe = UserFactory.create(email="zoe@acme.example", first_name="Zoe", last_name="Admin")
    MembershipFactory.create(user=zoe, workspace=acme, role=Role.ADMIN)

    page = _payment_step(bob_client, draft)

    assert "Ask an admin (Alice Example, Zoe Admin) to connect Stripe." in page


def test_item13_seller_with_an_unactivated_account_is_told_to_ask_an_admin(
    bob_client: Client, draft: Quote, alice: User, acme: Workspace
) -> None:
    unactivated_stripe(acme)

    page = _payment_step(bob_client, draft)

    assert "Ask an admin (Alice Example) to finish the account setup in Stripe." in page
    assert INTEGRATIONS not in page


def test_item13_admin_names_are_escaped(bob_client: Client, draft: Quote, alice: User) -> None:
    alice.first_name = "<i>Alice</i>"
    alice.save()

    page = _payment_step(bob_client, draft)

    assert "Ask an admin (&lt;i&gt;Alice&lt;/i&gt; Example) to connect Stripe." in page


def test_item13_quote_page_of_a_blocked_payable_quote_names_the_admin_to_sellers(
    bob_client: Client, alice_client: Client, bob: User, deal: Deal, acme: Workspace
) -> None:
    ready_stripe(acme)
    quote = draft_quote(deal, bob)
    services.quote_update_payment(
        quote=quote, payment_enabled=True, collect_billing_address=False, signature_required=False
    )
    services.quote_publish(quote=quote, user=bob)
    StripeConnection.objects.filter(workspace=acme).update(status=ConnectionStatus.REVOKED)
    url = reverse("quotes:detail", kwargs={"pk": quote.pk})

    seller = _blocked_alert(bob_client.get(url).content.decode())
    admin = _blocked_alert(alice_client.get(url).content.decode())

    assert "Ask an admin (Alice Example) to connect Stripe." in seller
    assert INTEGRATIONS not in seller
    assert f'href="{INTEGRATIONS}"' in admin
