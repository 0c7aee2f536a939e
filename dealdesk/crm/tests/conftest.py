"""Acme's CRM data that bob works with and mallory (Umbrella) must never reach."""

from dataclasses import dataclass

import pytest

from dealdesk.crm.models import Company, Contact, Deal, DealLineItem
from dealdesk.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    DealLineItemFactory,
)
from dealdesk.workspaces.models import User, Workspace


@dataclass
class AcmeCrm:
    company: Company
    contact: Contact
    deal: Deal
    line: DealLineItem


@pytest.fixture
def acme_crm(acme: Workspace, alice: User) -> AcmeCrm:
    company = CompanyFactory.create(
        workspace=acme, name="Initech", domain="initech.example", city="Berlin"
    )
    contact = ContactFactory.create(
        workspace=acme, company=company, first_name="Carol", last_name="Buyer", job_title="CFO"
    )
    deal = DealFactory.create(workspace=acme, name="Initech rollout", company=company, owner=alice)
    deal.contacts.add(contact)
    line = DealLineItemFactory.create(deal=deal, name="Onboarding", unit_amount_minor=50_000)
    return AcmeCrm(company=company, contact=contact, deal=deal, line=line)
