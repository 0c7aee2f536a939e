import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from dealdesk.factories import PASSWORD
from dealdesk.workspaces import services
from dealdesk.workspaces.models import Membership, Role, User, Workspace

pytestmark = pytest.mark.django_db


def _signup_link(client: Client, email: str) -> str:
    outbox_before = len(mail.outbox)
    response = client.post(reverse("workspaces:signup"), {"email": email})
    assert response.status_code == 302
    assert len(mail.outbox) == outbox_before + 1
    match = re.search(r"http://\S+(/signup/\S+/)", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


SIGNUP = {
    "workspace_name": "Initech",
    "first_name": "Peter",
    "last_name": "Gibbons",
    "password": "tps-reports-2026",
}


def test_signup_link_creates_workspace_with_its_admin(client: Client) -> None:
    link = _signup_link(client, "Peter@Initech.example")
    assert not User.objects.exists()  # nothing exists until the link is followed

    response = client.post(link, SIGNUP)

    assert response.status_code == 302
    membership = Membership.objects.select_related("workspace", "user").get()
    assert membership.workspace.name == "Initech"
    assert membership.role == Role.ADMIN
    assert membership.user.email == "Peter@initech.example"
    assert client.get(reverse("catalog:product_list")).status_code == 200


def test_signup_link_works_once(client: Client) -> None:
    link = _signup_link(client, "peter@initech.example")
    client.post(link, SIGNUP)

    again = Client().get(link)

    assert again.status_code == 404
    assert Workspace.objects.count() == 1


def test_forged_or_expired_signup_link_is_404(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = _signup_link(client, "peter@initech.example")
    assert client.get(link[:-3] + "xx/").status_code == 404

    monkeypatch.setattr(services, "SIGNUP_LINK_MAX_AGE", timedelta(seconds=-1))
    assert client.get(link).status_code == 404
    assert client.post(link, SIGNUP).status_code == 404
    assert not User.objects.exists()


def test_signup_refuses_weak_password(client: Client) -> None:
    link = _signup_link(client, "peter@initech.example")

    response = client.post(link, {**SIGNUP, "password": "123"})

    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert not User.objects.exists()


def test_signup_does_not_reveal_an_existing_account(client: Client, alice: User) -> None:
    """Issue item 7: the same answer for a taken and a new address; the owner is told."""
    new = client.post(reverse("workspaces:signup"), {"email": "newcomer@example.com"})
    taken = client.post(reverse("workspaces:signup"), {"email": alice.email.upper()})

    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    page = client.get(taken["Location"])
    assert page.status_code == 200
    assert page.templates[0].name == "workspaces/signup_sent.html"
    assert User.objects.count() == 1
    assert Workspace.objects.count() == 1  # alice's only
    to_newcomer, to_alice = mail.outbox
    assert to_newcomer.to == ["newcomer@example.com"]
    assert "/signup/" in str(to_newcomer.body)
    assert to_alice.to == [alice.email]
    assert "already have an account" in str(to_alice.body)
    assert reverse("password_reset") in str(to_alice.body)
    assert "/signup/" not in str(to_alice.body)


def test_login_with_email_and_logout(client: Client, alice: User) -> None:
    response = client.post(reverse("login"), {"username": alice.email, "password": PASSWORD})
    assert response.status_code == 302

    assert client.get(reverse("crm:deal_list")).status_code == 200
    client.post(reverse("logout"))
    response = client.get(reverse("crm:deal_list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_password_reset_sends_email(client: Client, alice: User) -> None:
    response = client.post(reverse("password_reset"), {"email": alice.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert alice.email in mail.outbox[0].to


def test_seller_pages_need_sign_in(client: Client) -> None:
    for name in ["crm:deal_list", "catalog:product_list", "workspaces:settings"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login"))


def test_user_language_is_used_for_pages(bob: User, bob_client: Client) -> None:
    bob.language = "de"
    bob.save()

    response = bob_client.get(reverse("workspaces:profile"))

    assert response.headers["Content-Language"] == "de"


def test_profile_saved_message_speaks_the_newly_chosen_language(
    bob: User, bob_client: Client
) -> None:
    """Issue item 15: switching to German answers in German at once."""
    response = bob_client.post(
        reverse("workspaces:profile"),
        {"first_name": "Bob", "last_name": "Example", "language": "de"},
    )

    assert response.status_code == 302
    assert response.headers["Content-Language"] == "de"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    page = bob_client.get(response["Location"])
    assert page.headers["Content-Language"] == "de"
    assert [str(m) for m in page.context["messages"]] == ["Profil gespeichert."]
