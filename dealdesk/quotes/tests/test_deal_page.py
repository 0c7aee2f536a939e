"""The deal page lists the deal's quotes; a deal with quotes is never deleted."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from dealdesk.crm.models import Deal
from dealdesk.factories import DealFactory, DealLineItemFactory
from dealdesk.quotes import services
from dealdesk.workspaces.models import User, Workspace

pytestmark = pytest.mark.django_db


def test_r6_deal_page_offers_create_quote_only_with_line_items(
    bob_client: Client, acme: Workspace
) -> None:
    empty = DealFactory.create(workspace=acme)
    with_lines = DealFactory.create(workspace=acme)
    DealLineItemFactory.create(deal=with_lines)

    empty_page = bob_client.get(reverse("crm:deal_detail", args=[empty.pk])).content.decode()
    full_page = bob_client.get(reverse("crm:deal_detail", args=[with_lines.pk])).content.decode()

    create_url = reverse("quotes:create", args=[with_lines.pk])
    assert create_url in full_page
    assert reverse("quotes:create", args=[empty.pk]) not in empty_page


def test_deal_with_a_quote_cannot_be_deleted(
    bob: User, bob_client: Client, acme: Workspace
) -> None:
    deal = DealFactory.create(workspace=acme)
    DealLineItemFactory.create(deal=deal)
    services.quote_create(
        deal=deal,
        user=bob,
        title="Proposal",
        template="standard",
        language="en",
        expires_on=date.today() + timedelta(days=30),
    )

    response = bob_client.post(reverse("crm:deal_delete", args=[deal.pk]), follow=True)

    assert Deal.objects.filter(pk=deal.pk).exists()
    assert "cannot be deleted" in response.content.decode()
