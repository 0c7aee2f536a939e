import pytest

from dealdesk.crm.models import Deal
from dealdesk.quotes.models import Quote
from dealdesk.quotes.tests.factories import deal_with_lines, draft_quote, published_quote
from dealdesk.workspaces.models import User, Workspace


@pytest.fixture
def deal(acme: Workspace) -> Deal:
    return deal_with_lines(acme, name="Globex — Growth rollout")


@pytest.fixture
def draft(deal: Deal, bob: User) -> Quote:
    return draft_quote(deal, bob)


@pytest.fixture
def published(deal: Deal, bob: User) -> Quote:
    return published_quote(deal, bob)
