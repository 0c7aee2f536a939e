import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from dealdesk.factories import PASSWORD
from dealdesk.workspaces.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def test_signup_creates_workspace_with_its_admin(client: Client) -> None:
    response = client.post(
        reverse("workspaces:signup"),
        {
            "workspace_name": "Initech",
            "first_name": "Peter",
            "last_name": "Gibbons",
            "email": "Peter@Initech.example",
            "password": "tps-reports-2026",
        },
    )

    assert response.status_code == 302
    membership = Membership.objects.select_related("workspace", "user").get()
    assert membership.workspace.name == "Initech"
    assert membership.role == Role.ADMIN
    assert membership.user.email == "Peter@initech.example"
    assert client.get(reverse("catalog:product_list")).status_code == 200


def test_signup_refuses_existing_email_and_weak_password(client: Client, alice: User) -> None:
    response = client.post(
        reverse("workspaces:signup"),
        {
            "workspace_name": "X",
            "first_name": "A",
            "last_name": "B",
            "email": alice.email,
            "password": "123",
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "email" in form.errors
    assert "password" in form.errors
    assert User.objects.count() == 1


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
