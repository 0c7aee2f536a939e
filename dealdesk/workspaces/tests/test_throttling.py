"""Issue item 6: sign-in, sign-up, password reset and invitations are throttled.

Limits come from settings.RATELIMITS (defaults: 10 failed sign-ins per account and 50
sign-in attempts per address per 15 minutes; 10 sign-ups, 10 reset emails, 20
invitation acceptances and 30 invitations sent per address per hour).
"""

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from dealdesk.factories import PASSWORD
from dealdesk.workspaces import throttle
from dealdesk.workspaces.forms import SignupEmailForm
from dealdesk.workspaces.models import INVITATION_LIFETIME, Invitation, User

pytestmark = pytest.mark.django_db

REFUSAL = re.compile(r"Too many attempts\. Try again in (\d+) minutes?\.")


def _from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def _sign_in(client: Client, email: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": email, "password": password})


def _fail_sign_ins(client: Client, email: str, times: int) -> None:
    for _ in range(times):
        assert _sign_in(client, email, "wrong-password").status_code == 200


def _assert_refused(response: Any, window_minutes: int) -> None:
    assert response.status_code == 429
    match = REFUSAL.search(response.content.decode())
    assert match, response.content.decode()
    assert 1 <= int(match.group(1)) <= window_minutes
    assert 0 < int(response["Retry-After"]) <= window_minutes * 60 + 5


def test_eleventh_sign_in_for_an_account_is_refused_even_with_the_right_password(
    alice: User,
) -> None:
    client = _from("10.0.0.1")
    _fail_sign_ins(client, alice.email, 10)

    response = _sign_in(client, alice.email, PASSWORD)

    _assert_refused(response, window_minutes=15)
    assert response.templates[0].name == "registration/login.html"  # the form, re-rendered
    assert "_auth_user_id" not in client.session


def test_account_limit_applies_from_every_address(alice: User) -> None:
    """Failures count per account wherever they come from: a botnet gains nothing."""
    for number in range(10):
        _fail_sign_ins(_from(f"10.0.1.{number}"), alice.email, 1)

    _assert_refused(_sign_in(_from("10.0.2.1"), alice.email, PASSWORD), window_minutes=15)


def test_account_limit_counts_the_address_however_it_is_typed(alice: User) -> None:
    client = _from("10.0.0.1")
    _fail_sign_ins(client, alice.email.upper(), 5)
    _fail_sign_ins(client, f"  {alice.email} ", 5)

    _assert_refused(_sign_in(client, alice.email, PASSWORD), window_minutes=15)


def test_other_accounts_still_sign_in(alice: User, bob: User) -> None:
    client = _from("10.0.0.1")
    _fail_sign_ins(client, alice.email, 10)

    assert _sign_in(client, bob.email, PASSWORD).status_code == 302


def test_address_limit_spans_accounts_and_a_success_does_not_reset_it(alice: User) -> None:
    attacker = _from("10.0.0.9")
    for number in range(49):
        _fail_sign_ins(attacker, f"victim{number}@example.com", 1)
    assert _sign_in(attacker, alice.email, PASSWORD).status_code == 302  # the 50th attempt

    response = _sign_in(_from("10.0.0.9"), alice.email, PASSWORD)

    _assert_refused(response, window_minutes=15)
    assert _sign_in(_from("10.0.0.10"), alice.email, PASSWORD).status_code == 302


def test_sign_up_is_throttled_per_address() -> None:
    client = _from("10.0.0.1")
    for number in range(10):
        client.post(reverse("workspaces:signup"), {"email": f"new{number}@example.com"})
    assert len(mail.outbox) == 10

    response = client.post(reverse("workspaces:signup"), {"email": "one-more@example.com"})

    _assert_refused(response, window_minutes=60)
    assert response.templates[0].name == "workspaces/signup.html"
    assert len(mail.outbox) == 10
    other = _from("10.0.0.2").post(reverse("workspaces:signup"), {"email": "x@example.com"})
    assert other.status_code == 302


def test_password_reset_is_throttled_per_address(alice: User) -> None:
    client = _from("10.0.0.1")
    for _ in range(10):
        assert client.post(reverse("password_reset"), {"email": alice.email}).status_code == 302

    response = client.post(reverse("password_reset"), {"email": alice.email})

    _assert_refused(response, window_minutes=60)
    assert response.templates[0].name == "registration/password_reset_form.html"
    assert len(mail.outbox) == 10


def test_invitation_acceptance_is_throttled_per_address(alice: User) -> None:
    client = _from("10.0.0.1")
    token, token_hash = Invitation.new_token()
    Invitation.objects.create(
        workspace=alice.membership.workspace,
        email="dave@acme.example",
        token_hash=token_hash,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    url = reverse("workspaces:invite_accept", args=[token])
    for _ in range(20):
        assert client.post(url, {"first_name": "Dave"}).status_code == 200  # form errors

    response = client.post(
        url, {"first_name": "Dave", "last_name": "New", "password": "welcome-aboard-2026"}
    )

    _assert_refused(response, window_minutes=60)
    assert not User.objects.filter(email="dave@acme.example").exists()


def test_sending_invitations_is_throttled_per_address(alice: User) -> None:
    client = _from("10.0.0.1")
    client.force_login(alice)
    for number in range(30):
        invite = {"email": f"p{number}@x.example", "role": "seller"}
        assert client.post(reverse("workspaces:members"), invite).status_code == 302

    response = client.post(
        reverse("workspaces:members"), {"email": "one-more@x.example", "role": "seller"}
    )

    _assert_refused(response, window_minutes=60)
    assert not Invitation.objects.filter(email="one-more@x.example").exists()


@pytest.mark.parametrize(("seconds", "minutes"), [(-1, 1), (0, 1), (1, 1), (60, 1), (61, 2)])
def test_refusal_rounds_the_wait_up_to_whole_minutes(seconds: int, minutes: int) -> None:
    assert throttle.minutes_to_wait(seconds) == minutes
    verdict = throttle.Verdict(refused=True, seconds_left=seconds)
    expected = "minute." if minutes == 1 else "minutes."
    assert verdict.message == f"Too many attempts. Try again in {minutes} {expected}"


@pytest.mark.parametrize("run", ["first", "second"])
def test_each_test_counts_from_zero(run: str, rf: RequestFactory) -> None:
    """The autouse fixture gives every test its own counters in the shared Redis."""
    request = rf.post("/", REMOTE_ADDR="10.0.0.1")
    for _ in range(10):
        assert not throttle.record(request, limit="sign_up_ip").refused

    assert throttle.record(request, limit="sign_up_ip").refused


def test_a_refused_form_submission_carries_the_message_as_a_non_field_error(
    rf: RequestFactory,
) -> None:
    request = rf.post("/", REMOTE_ADDR="10.0.0.1")
    for _ in range(10):
        allowed = SignupEmailForm({"email": "new@example.com"})
        assert not throttle.record_for_form(request, allowed, limit="sign_up_ip").refused
        assert allowed.is_valid()

    refused = SignupEmailForm({"email": "new@example.com"})
    verdict = throttle.record_for_form(request, refused, limit="sign_up_ip")

    assert verdict.refused
    assert refused.non_field_errors() == [verdict.message]
    assert not refused.is_valid()
