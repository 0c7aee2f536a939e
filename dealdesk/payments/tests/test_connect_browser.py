"""An admin connects Stripe in a real browser, through the sandbox's authorize page (R1, R2)."""

from typing import Any

import pytest

from dealdesk.factories import PASSWORD
from dealdesk.workspaces.models import User
from stripe_sandbox.seed import DEMO_ACTIVE_ACCOUNT


def sign_in(page: Any, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/deals/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_r1_admin_connects_stripe_and_lands_ready_to_accept_payments(
    page: Any, live_server: Any, stripe_sandbox: Any, settings: Any, alice: User
) -> None:
    settings.DEALDESK_BASE_URL = live_server.url
    sign_in(page, live_server.url, alice)

    page.goto(f"{live_server.url}/settings/integrations/")
    page.get_by_role("button", name="Connect with Stripe").click()

    page.wait_for_url(f"{stripe_sandbox.url}/oauth/authorize?**")
    page.locator(f"input[name=account][value={DEMO_ACTIVE_ACCOUNT}]").check()
    page.get_by_role("button", name="Allow access to this account").click()

    page.wait_for_url(f"{live_server.url}/settings/integrations/")
    assert page.get_by_text("Ready to accept payments").is_visible()
    assert page.get_by_text(DEMO_ACTIVE_ACCOUNT).first.is_visible()
