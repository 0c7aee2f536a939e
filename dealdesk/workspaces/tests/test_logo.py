"""The workspace logo: admins upload a small PNG or JPEG; it shows on the buyer's quote."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dealdesk.workspaces.models import Workspace, WorkspaceLogo

pytestmark = pytest.mark.django_db

# A 1 by 1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def _upload(client: Client, data: bytes, name: str = "logo.png") -> object:
    return client.post(
        reverse("workspaces:settings"),
        {"name": "Acme GmbH", "logo": SimpleUploadedFile(name, data, "image/png")},
    )


def test_admin_uploads_png_logo(alice_client: Client, acme: Workspace) -> None:
    response = _upload(alice_client, PNG)

    assert response.status_code == 302  # type: ignore[attr-defined]
    logo = WorkspaceLogo.objects.get(workspace=acme)
    assert logo.content_type == "image/png"
    assert logo.data_uri.startswith("data:image/png;base64,")
    page = alice_client.get(reverse("workspaces:settings")).content.decode()
    assert logo.data_uri in page


def test_logo_that_is_not_an_image_is_refused(alice_client: Client, acme: Workspace) -> None:
    response = _upload(alice_client, b"<svg onload=alert(1)></svg>", "logo.svg")

    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "logo" in response.context["form"].errors  # type: ignore[attr-defined]
    assert not WorkspaceLogo.objects.exists()


def test_logo_over_200_kb_is_refused(alice_client: Client) -> None:
    response = _upload(alice_client, PNG + b"\0" * (200 * 1024))

    assert "logo" in response.context["form"].errors  # type: ignore[attr-defined]
    assert not WorkspaceLogo.objects.exists()


def test_admin_removes_logo(alice_client: Client, acme: Workspace) -> None:
    _upload(alice_client, PNG)

    alice_client.post(reverse("workspaces:settings"), {"name": "Acme GmbH", "remove_logo": "on"})

    assert not WorkspaceLogo.objects.exists()


def test_seller_cannot_change_the_logo(bob_client: Client) -> None:
    _upload(bob_client, PNG)

    assert not WorkspaceLogo.objects.exists()
