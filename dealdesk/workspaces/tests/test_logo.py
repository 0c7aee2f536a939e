"""The workspace logo: admins upload a small PNG or JPEG; it shows on the buyer's quote."""

import base64
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image, ImageFile

from dealdesk.workspaces.models import Workspace, WorkspaceLogo

pytestmark = pytest.mark.django_db

X = " \N{MULTIPLICATION SIGN} "

# A 1 by 1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(side: int = 13_000) -> bytes:
    """A valid black-and-white PNG, side by side pixels, that is only ~20 KB on disk."""
    row = b"\0" * (1 + (side + 7) // 8)  # filter byte + 1 bit per pixel, all zero
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def image_file(
    size: tuple[int, int], image_format: str, mode: str = "RGB", **save_options: object
) -> bytes:
    """An image with some detail in it (a gradient), saved by Pillow."""
    image = Image.linear_gradient("L").resize(size).convert(mode)
    out = io.BytesIO()
    image.save(out, format=image_format, **save_options)
    return out.getvalue()


def _stored() -> WorkspaceLogo:
    return WorkspaceLogo.objects.get()


def _logo_errors(response: object) -> list[str]:
    errors: list[str] = response.context["form"].errors.get("logo", [])  # type: ignore[attr-defined]
    return errors


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


def test_item5_png_bomb_is_refused_from_its_header_with_its_size(
    alice_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = bomb_png(13_000)
    assert len(bomb) < 30 * 1024  # small enough to pass the byte limit
    decoded: list[object] = []
    # The size is judged from the header: not one pixel of the bomb may be decoded.
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image))

    response = _upload(alice_client, bomb)

    assert _logo_errors(response) == [
        f"The image is 13000{X}13000 pixels; the largest allowed is 2000{X}2000."
    ]
    assert not WorkspaceLogo.objects.exists()
    assert decoded == []


@override_settings(DEALDESK_LOGO_MAX_PIXELS=1_000)
def test_item5_pixel_total_is_capped_by_its_setting(alice_client: Client) -> None:
    response = _upload(alice_client, image_file((40, 40), "PNG"))

    assert _logo_errors(response) == [
        f"The image is 40{X}40 pixels; at most 1000 pixels in all are allowed."
    ]
    assert not WorkspaceLogo.objects.exists()


@override_settings(DEALDESK_LOGO_MAX_BYTES=1_000)
def test_item5_byte_limit_is_a_setting(alice_client: Client) -> None:
    response = _upload(alice_client, image_file((200, 200), "PNG", mode="RGB") + b"\0" * 1_000)

    assert _logo_errors(response) == ["The logo is too large: at most 1000\xa0bytes."]
    assert not WorkspaceLogo.objects.exists()


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_item5_truncated_image_is_refused(alice_client: Client, image_format: str) -> None:
    import weasyprint  # noqa: F401  it makes Pillow pad truncated files, process-wide

    whole = image_file((300, 300), image_format)

    response = _upload(alice_client, whole[: len(whole) // 2])

    assert _logo_errors(response) == [
        "The image could not be read; it may be damaged. Save it again and upload it."
    ]
    assert not WorkspaceLogo.objects.exists()


def test_item5_gif_is_refused(alice_client: Client) -> None:
    response = _upload(alice_client, image_file((40, 40), "GIF", mode="P"), "logo.gif")

    assert _logo_errors(response) == ["Upload the logo as a PNG or JPEG image."]
    assert not WorkspaceLogo.objects.exists()


def test_item5_png_named_jpg_is_read_and_stored_as_png(alice_client: Client) -> None:
    response = _upload(alice_client, image_file((40, 30), "PNG"), "logo.jpg")

    assert response.status_code == 302  # type: ignore[attr-defined]
    logo = _stored()
    assert logo.content_type == "image/png"
    assert Image.open(io.BytesIO(bytes(logo.data))).format == "PNG"


def test_item5_jpeg_is_reencoded_downscaled_and_stripped_of_exif(alice_client: Client) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x9286] = "secret comment"  # UserComment (private)
    upload = image_file((800, 400), "JPEG", exif=exif.tobytes(), quality=95)
    assert b"SpyCam" in upload

    response = _upload(alice_client, upload, "logo.jpg")

    assert response.status_code == 302  # type: ignore[attr-defined]
    logo = _stored()
    stored = bytes(logo.data)
    assert logo.content_type == "image/jpeg"
    assert stored != upload
    assert b"SpyCam" not in stored and b"Exif" not in stored
    image = Image.open(io.BytesIO(stored))
    assert (image.format, image.size) == ("JPEG", (600, 300))  # display width, same aspect
    assert not image.getexif()


def test_item5_png_text_and_colour_profile_are_dropped(alice_client: Client) -> None:
    from PIL import ImageCms, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Mallory's tracker")
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = image_file((64, 32), "PNG", mode="RGBA", pnginfo=info, icc_profile=profile)

    _upload(alice_client, upload)

    stored = bytes(_stored().data)
    assert stored != upload
    assert b"tEXt" not in stored and b"iCCP" not in stored and b"tracker" not in stored
    image = Image.open(io.BytesIO(stored))
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (64, 32))


def test_item5_help_text_states_the_limits(alice_client: Client) -> None:
    page = alice_client.get(reverse("workspaces:settings")).content.decode()

    assert f"PNG or JPEG, at most 200.0\xa0KB and 2000{X}2000 pixels." in page
