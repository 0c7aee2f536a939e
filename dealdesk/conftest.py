"""Named actors shared by every test.

alice is the admin of Acme, bob a seller at Acme, mallory the admin of another
workspace (Umbrella) who must never see Acme's data.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from dealdesk.factories import MembershipFactory, UserFactory, WorkspaceFactory
from dealdesk.workspaces.models import Role, User, Workspace


@pytest.fixture(autouse=True)
def _postgresql_only(request: pytest.FixtureRequest) -> None:
    """The suite runs on PostgreSQL, the production database, never silently on SQLite."""
    if "django_db_setup" in request.fixturenames and connection.vendor != "postgresql":
        pytest.fail("Tests run on PostgreSQL: set DATABASE_URL (make test does).")


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings: Any) -> None:
    """Background tasks run right away in tests, with Django's own immediate backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_ratelimit_counters(settings: Any) -> None:
    """Each test starts from empty caches: its own key prefix in the shared Redis, so
    attempts count from zero and no cached page of an earlier run (whose quote had the
    same id) is served.

    Overriding CACHES makes Django drop its cache connections, so the new prefix applies
    at once. Nothing is flushed: other test runs may share the same Redis.
    """
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"{prefix}-{alias}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Named actors get passwords; a cheap hasher keeps tests fast (never used outside tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def acme(db: None) -> Workspace:
    return WorkspaceFactory.create(name="Acme GmbH")


@pytest.fixture
def umbrella(db: None) -> Workspace:
    return WorkspaceFactory.create(name="Umbrella Corp")


def _member(workspace: Workspace, email: str, first: str, role: Role) -> User:
    user = UserFactory.create(email=email, first_name=first, last_name="Example")
    MembershipFactory.create(user=user, workspace=workspace, role=role)
    return user


@pytest.fixture
def alice(acme: Workspace) -> User:
    return _member(acme, "alice@acme.example", "Alice", Role.ADMIN)


@pytest.fixture
def bob(acme: Workspace) -> User:
    return _member(acme, "bob@acme.example", "Bob", Role.SELLER)


@pytest.fixture
def mallory(umbrella: Workspace) -> User:
    return _member(umbrella, "mallory@umbrella.example", "Mallory", Role.ADMIN)


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice: User) -> Client:
    return _client_for(alice)


@pytest.fixture
def bob_client(bob: User) -> Client:
    return _client_for(bob)


@pytest.fixture
def mallory_client(mallory: User) -> Client:
    return _client_for(mallory)


@pytest.fixture(scope="session")
def _sandbox_server() -> Iterator[Any]:
    """One local Stripe sandbox for the test session, on a free loopback port."""
    from stripe_sandbox.testing import SandboxThread

    with SandboxThread() as sandbox:
        yield sandbox


@pytest.fixture
def stripe_sandbox(_sandbox_server: Any, settings: Any) -> Any:
    """The app talks to a freshly reset sandbox: real HTTP through the official library."""
    sandbox = _sandbox_server
    sandbox.reset()
    settings.STRIPE_API_BASE = sandbox.url
    settings.STRIPE_CONNECT_BASE = sandbox.url
    settings.STRIPE_JS_URL = f"{sandbox.url}/v3/"
    settings.STRIPE_DASHBOARD_URL = f"{sandbox.url}/dashboard"
    settings.STRIPE_SECRET_KEY = sandbox.config.platform_secret_key
    settings.STRIPE_PUBLISHABLE_KEY = sandbox.config.platform_publishable_key
    settings.STRIPE_CLIENT_ID = sandbox.config.client_id
    return sandbox
