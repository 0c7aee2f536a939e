import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from dealdesk.workspaces.models import Invitation, Membership, Role, User, Workspace

pytestmark = pytest.mark.django_db(transaction=False)


def _invite(client: Client, email: str = "dave@acme.example", role: str = "seller") -> str:
    with_outbox_before = len(mail.outbox)
    response = client.post(reverse("workspaces:members"), {"email": email, "role": role})
    assert response.status_code == 302
    assert len(mail.outbox) == with_outbox_before + 1
    match = re.search(r"http://\S+/invite/(\S+)/", str(mail.outbox[-1].body))
    assert match
    return match.group(1)


def _accept(client: Client, token: str) -> object:
    return client.post(
        reverse("workspaces:invite_accept", args=[token]),
        {"first_name": "Dave", "last_name": "New", "password": "welcome-aboard-2026"},
    )


@pytest.mark.django_db(transaction=True)
def test_admin_invites_member_by_single_use_link(alice_client: Client, acme: Workspace) -> None:
    token = _invite(alice_client)

    response = _accept(Client(), token)

    assert response.status_code == 302  # type: ignore[attr-defined]
    dave = User.objects.get(email="dave@acme.example")
    assert dave.membership.workspace == acme
    assert dave.membership.role == Role.SELLER
    # The link works once.
    again = Client().get(reverse("workspaces:invite_accept", args=[token]))
    assert again.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_invitation_stores_only_a_hash_of_the_token(alice_client: Client) -> None:
    token = _invite(alice_client)

    invitation = Invitation.objects.get()
    assert invitation.token_hash != token
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_tampered_invitation_link_is_404(client: Client) -> None:
    response = client.get(reverse("workspaces:invite_accept", args=["forged-token"]))
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_revoked_invitation_link_stops_working(alice_client: Client) -> None:
    token = _invite(alice_client)
    invitation = Invitation.objects.get()

    alice_client.post(reverse("workspaces:invitation_revoke", args=[invitation.pk]))

    assert Client().get(reverse("workspaces:invite_accept", args=[token])).status_code == 404


def test_seller_cannot_invite(bob_client: Client) -> None:
    bob_client.post(reverse("workspaces:members"), {"email": "x@acme.example", "role": "admin"})
    assert not Invitation.objects.exists()


def test_seller_cannot_change_roles(bob_client: Client, alice: User) -> None:
    response = bob_client.post(
        reverse("workspaces:member_role", args=[alice.membership.pk]), {"role": "seller"}
    )
    assert response.status_code == 403
    alice.membership.refresh_from_db()
    assert alice.membership.role == Role.ADMIN


def test_last_admin_cannot_be_demoted(alice_client: Client, alice: User) -> None:
    alice_client.post(
        reverse("workspaces:member_role", args=[alice.membership.pk]), {"role": "seller"}
    )
    alice.membership.refresh_from_db()
    assert alice.membership.role == Role.ADMIN


def test_admin_removes_member_who_can_no_longer_sign_in(alice_client: Client, bob: User) -> None:
    alice_client.post(reverse("workspaces:member_remove", args=[bob.membership.pk]))

    bob.refresh_from_db()
    assert not bob.is_active
    assert not Membership.objects.filter(user=bob).exists()


def test_outsider_cannot_touch_another_workspaces_members(
    mallory_client: Client, bob: User
) -> None:
    for name in ["workspaces:member_role", "workspaces:member_remove"]:
        response = mallory_client.post(reverse(name, args=[bob.membership.pk]), {"role": "admin"})
        assert response.status_code == 404, name
    bob.refresh_from_db()
    assert bob.is_active


def test_outsider_members_page_lists_only_own_workspace(
    mallory_client: Client, alice: User, bob: User
) -> None:
    response = mallory_client.get(reverse("workspaces:members"))

    assert response.status_code == 200
    assert alice.email not in response.content.decode()
    assert bob.email not in response.content.decode()


def _messages(client: Client, response: object) -> list[str]:
    page = client.get(response["Location"])  # type: ignore[index]
    return [str(message) for message in page.context["messages"]]


@pytest.mark.django_db(transaction=True)
def test_invitation_does_not_reveal_an_account_in_another_workspace(
    alice_client: Client, mallory: User
) -> None:
    """Issue item 7: the admin sees the same outcome; the address holder learns why not."""
    new = alice_client.post(
        reverse("workspaces:members"), {"email": "dave@acme.example", "role": "seller"}
    )
    new_messages = _messages(alice_client, new)
    taken = alice_client.post(
        reverse("workspaces:members"), {"email": mallory.email, "role": "seller"}
    )
    taken_messages = _messages(alice_client, taken)

    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert new_messages == [
        "Invitation sent to dave@acme.example. The link works once, for 7 days."
    ]
    assert taken_messages == [new_messages[0].replace("dave@acme.example", mallory.email)]
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "dave@acme.example",
        mallory.email,
    }
    to_dave, to_mallory = mail.outbox
    assert "/invite/" in str(to_dave.body)
    assert to_mallory.to == [mallory.email]
    assert "/invite/" not in str(to_mallory.body)
    assert "exactly one workspace" in str(to_mallory.body)
    assert mallory.membership.workspace.name == "Umbrella Corp"


def test_admin_learns_when_the_invitee_is_already_a_member(alice_client: Client, bob: User) -> None:
    response = alice_client.post(
        reverse("workspaces:members"), {"email": bob.email, "role": "admin"}
    )

    assert response.status_code == 200
    assert "already a member of this workspace" in str(response.context["form"].errors)
    assert not Invitation.objects.exists()
