"""A published quote's page, rendered once and then served from the shared cache.

A published edition is frozen, so its page is the same bytes for every buyer. The key
names whatever on the page can still change: the edition (version, publication, status,
signature), the language, whether it has expired, the seller's logo, whether the Stripe
account takes payments, the buyer's company address (the Purchase dialog's prefill) and
the release (templates, translations, static files). Anything else makes a new key.

The one part that differs per visitor is the CSRF token (in the signature form, the
Purchase dialog and htmx's headers): the page is rendered with a placeholder that only
this deployment's secret key can produce, and each response fills in the visitor's own.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.crypto import salted_hmac
from redis import RedisError

from dealdesk.quotes.models import Quote

logger = logging.getLogger("dealdesk.quotes.page_cache")

CACHE_SECONDS = 24 * 60 * 60
_HEADERS = ("Content-Type", "Content-Language")


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    headers: tuple[tuple[str, str], ...]


@memoize
def csrf_placeholder() -> str:
    """Stands for the visitor's CSRF token in stored pages; a seller cannot type it into a
    quote, since it comes from the secret key."""
    return "csrf-" + salted_hmac("dealdesk.quotes.page_cache", "csrf").hexdigest()[:32]


def edition_parts(quote: Quote, *, is_expired: bool) -> tuple[object, ...]:
    """What a published quote's document shows that can still change, for cache keys."""
    return (
        quote.pk,
        quote.token,
        quote.version,
        quote.published_at.timestamp() if quote.published_at else "",
        quote.language,
        quote.status,
        is_expired,
        quote.expires_at.timestamp(),
        quote.accepted_at.timestamp() if quote.accepted_at else "",
        _logo_stamp(quote),
        release(),
    )


def page_key(quote: Quote, *, is_expired: bool, account_ready: bool) -> str:
    """The key of the whole page: the document's edition plus what only the page shows."""
    company = quote.company
    prefill: tuple[object, ...] = ()
    if company is not None:
        prefill = (company.pk, company.address_line1, company.address_line2)
        prefill += (company.postal_code, company.city, company.country)
    parts = (
        *edition_parts(quote, is_expired=is_expired),
        quote.payment_enabled,
        quote.signature_required,
        account_ready,
        *prefill,
    )
    return "quote-page:" + _digest(parts)


def document_key(quote: Quote, *, is_expired: bool) -> str:
    return "quote-document:" + _digest(edition_parts(quote, is_expired=is_expired))


def lookup(key: str) -> Any:
    """What the shared cache holds under ``key``, or None; a cache that cannot be reached
    only means rendering again."""
    try:
        return cache.get(key)
    except RedisError:
        logger.warning("quote page cache unavailable; rendering", exc_info=True)
        return None


def keep(key: str, value: object) -> None:
    try:
        cache.set(key, value, CACHE_SECONDS)
    except RedisError:
        logger.warning("quote page cache unavailable; nothing kept", exc_info=True)


def store(key: str, response: HttpResponse) -> CachedPage:
    """Keep a page rendered with ``csrf_token=csrf_placeholder()``; returns what was kept."""
    page = CachedPage(
        content=response.content,
        headers=tuple((name, response[name]) for name in _HEADERS if response.has_header(name)),
    )
    keep(key, page)
    return page


def serve(page: CachedPage, request: HttpRequest) -> HttpResponse:
    """The stored page with this visitor's CSRF token (which also sets its cookie)."""
    token = get_token(request).encode("ascii")
    response = HttpResponse(page.content.replace(csrf_placeholder().encode("ascii"), token))
    for name, value in page.headers:
        response[name] = value
    return response


@memoize
def release() -> str:
    """Changes whenever a deployment changes what pages look like: templates, translations
    and the static files' manifest. Computed once per process."""
    root = Path(settings.BASE_DIR)
    files = sorted(
        [
            *root.glob("dealdesk/**/templates/**/*.html"),
            *root.glob("dealdesk/locale/*/LC_MESSAGES/*.mo"),
            Path(settings.STATIC_ROOT) / "staticfiles.json",
        ]
    )
    digest = hashlib.blake2b(digest_size=8)
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _logo_stamp(quote: Quote) -> str:
    logo = getattr(quote.workspace, "logo", None)  # select_related; absent when none uploaded
    return f"{logo.pk}:{logo.updated_at.timestamp()}" if logo is not None else ""


def _digest(parts: tuple[object, ...]) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
