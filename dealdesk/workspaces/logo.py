"""Checking and cleaning an uploaded workspace logo with Pillow.

A few kilobytes of PNG can declare a 13000 by 13000 pixel image that takes seconds and
gigabytes to decode every time a quote PDF embeds it. So the size the file
declares is checked from its header before any pixel is decoded, Pillow's
decompression-bomb warning is an error, and what is stored is our own
re-encoding: PNG or JPEG as uploaded, without metadata, at most
``DEALDESK_LOGO_DISPLAY_WIDTH`` pixels wide.
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin

# Pillow format name → what the logo is stored and served as.
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
# The file's first bytes → the Pillow reader for it. A reader parses the header only.
_READERS: dict[bytes, type[ImageFile.ImageFile]] = {
    b"\x89PNG\r\n\x1a\n": PngImagePlugin.PngImageFile,
    b"\xff\xd8\xff": JpegImagePlugin.JpegImageFile,
}
# Modes stored as they are; everything else (palette, 1-bit, 16-bit…) becomes RGB(A).
_PNG_MODES = {"RGB", "RGBA", "L", "LA"}
_JPEG_MODES = {"RGB", "L"}
JPEG_QUALITY = 88

# What Pillow raises for files that are damaged, truncated or made to hurt.
_BROKEN = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


class LogoRejected(Exception):
    """The upload is not a logo we store; the message is for the seller."""


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str


@dataclass(frozen=True)
class LogoLimits:
    max_bytes: int
    max_side: int
    max_pixels: int
    display_width: int

    @property
    def max_dimensions(self) -> str:
        return dimensions(self.max_side, self.max_side)

    @classmethod
    def from_settings(cls) -> LogoLimits:
        return cls(
            max_bytes=settings.DEALDESK_LOGO_MAX_BYTES,
            max_side=settings.DEALDESK_LOGO_MAX_SIDE,
            max_pixels=settings.DEALDESK_LOGO_MAX_PIXELS,
            display_width=settings.DEALDESK_LOGO_DISPLAY_WIDTH,
        )


def dimensions(width: int, height: int) -> str:
    """Width by height, as people write an image's size in any language."""
    return f"{width} \N{MULTIPLICATION SIGN} {height}"


def too_large_message(limits: LogoLimits) -> str:
    return _("The logo is too large: at most %(size)s.") % {
        "size": filesizeformat(limits.max_bytes)
    }


def clean_logo(raw: bytes, limits: LogoLimits | None = None) -> Logo:
    """The logo to store for an upload, or LogoRejected saying what is wrong with it."""
    limits = limits or LogoLimits.from_settings()
    if len(raw) > limits.max_bytes:
        raise LogoRejected(too_large_message(limits))
    reader = next((r for magic, r in _READERS.items() if raw.startswith(magic)), None)
    if reader is None:
        raise LogoRejected(_("Upload the logo as a PNG or JPEG image."))
    try:
        # The header only, and without Pillow's own bomb check (Image.open's), so
        # that an oversized image gets our limits and a message with its size.
        image = reader(io.BytesIO(raw))
        _check_size(image.width, image.height, limits)
        with warnings.catch_warnings(), _whole_files_only():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            cleaned = _reencode(image, limits)
    except LogoRejected:
        raise
    except _BROKEN:
        raise LogoRejected(
            _("The image could not be read; it may be damaged. Save it again and upload it.")
        ) from None
    if len(cleaned.data) > limits.max_bytes:
        raise LogoRejected(too_large_message(limits))
    return cleaned


@contextmanager
def _whole_files_only() -> Iterator[None]:
    """Let Pillow refuse a truncated file while we decode one.

    WeasyPrint switches Pillow's process-wide LOAD_TRUNCATED_IMAGES on when it is
    imported, which would quietly pad a cut-off upload with grey. Only our own
    complete re-encodings ever reach WeasyPrint, so it loses nothing meanwhile.
    """
    tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def _check_size(width: int, height: int, limits: LogoLimits) -> None:
    if width > limits.max_side or height > limits.max_side:
        raise LogoRejected(
            _("The image is %(size)s pixels; the largest allowed is %(max_size)s.")
            % {"size": dimensions(width, height), "max_size": limits.max_dimensions}
        )
    if width * height > limits.max_pixels:
        raise LogoRejected(
            _("The image is %(size)s pixels; at most %(max_pixels)s pixels in all are allowed.")
            % {"size": dimensions(width, height), "max_pixels": limits.max_pixels}
        )


def _reencode(image: Image.Image, limits: LogoLimits) -> Logo:
    """Our own copy of the pixels: upright, display-sized, without EXIF, ICC or text chunks."""
    source_format = image.format or ""
    image = ImageOps.exif_transpose(image)
    if source_format == "PNG":
        if image.mode not in _PNG_MODES:
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    elif image.mode not in _JPEG_MODES:
        image = image.convert("RGB")
    if image.width > limits.display_width:
        height = max(1, round(image.height * limits.display_width / image.width))
        image = image.resize((limits.display_width, height), Image.Resampling.LANCZOS)
    clean = Image.new(image.mode, image.size)
    clean.paste(image)  # a new image carries no info dict: nothing of the upload's metadata
    out = io.BytesIO()
    if source_format == "PNG":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return Logo(data=out.getvalue(), content_type=CONTENT_TYPES[source_format])
