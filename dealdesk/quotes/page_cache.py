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
from datetime import UTC, datetime
from functools import cache as memoize
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.crypto import salted_hmac
from redis import RedisError

from dealdesk.crm.models import Company
from dealdesk.quotes import rules
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


@dataclass(frozen=True)
class PageStamp:
    """What a published quote's page shows that can still change, as plain values: read
    in one query for each view (``selectors.public_page_stamp``) or taken from a quote."""

    quote_id: int
    token: str
    version: int
    published_at: datetime | None
    language: str
    status: str
    expires_at: datetime
    accepted_at: datetime | None
    payment_enabled: bool
    signature_required: bool
    workspace_id: int
    logo: tuple[object, ...]  # id and time of upload; () without a logo
    company_address: tuple[object, ...]  # the Purchase dialog's prefill; () without a company
    account_takes_payments: bool

    @classmethod
    def of(cls, quote: Quote, *, account_takes_payments: bool) -> PageStamp:
        logo = getattr(quote.workspace, "logo", None)  # absent when none was uploaded
        company = quote.company
        return cls(
            quote_id=quote.pk,
            token=quote.token or "",
            version=quote.version,
            published_at=quote.published_at,
            language=quote.language,
            status=quote.status,
            expires_at=quote.expires_at,
            accepted_at=quote.accepted_at,
            payment_enabled=quote.payment_enabled,
            signature_required=quote.signature_required,
            workspace_id=quote.workspace_id,
            logo=(logo.pk, logo.updated_at) if logo is not None else (),
            company_address=_address(company) if company is not None else (),
            account_takes_payments=account_takes_payments,
        )

    def is_expired(self, now: datetime) -> bool:
        return rules.is_expired(self.expires_at, now)

    def edition(self, *, is_expired: bool) -> tuple[object, ...]:
        """What the document shows that can still change: the frozen edition (published
        again, a new version), its status, whether it has expired, the seller's logo."""
        return (
            self.quote_id,
            self.token,
            self.version,
            self.published_at,
            self.language,
            self.status,
            is_expired,
            self.expires_at,
            self.accepted_at,
            self.logo,
            release(),
        )


# The company's fields the Purchase dialog prefills the billing address from.
COMPANY_ADDRESS_FIELDS = ("address_line1", "address_line2", "postal_code", "city", "country")


def _address(company: Company) -> tuple[object, ...]:
    return (company.pk, *(getattr(company, name) for name in COMPANY_ADDRESS_FIELDS))


def document_key(stamp: PageStamp, *, is_expired: bool) -> str:
    return "quote-document:" + _digest(stamp.edition(is_expired=is_expired))


def page_key(stamp: PageStamp, *, is_expired: bool) -> str:
    """The whole page: the document's edition plus what only the page shows. Build it
    from the state the page was rendered from (read in one statement), so a page is
    never kept under the key of a state it does not show."""
    parts = (
        *stamp.edition(is_expired=is_expired),
        stamp.payment_enabled,
        stamp.signature_required,
        stamp.account_takes_payments,
        stamp.company_address,
    )
    return "quote-page:" + _digest(parts)


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
    """Changes whenever a deployment changes what pages look like: templates, translations,
    the static files' manifest and the addresses pages link to. Once per process."""
    root = Path(settings.BASE_DIR)
    files = sorted(
        [
            *root.glob("dealdesk/**/templates/**/*.html"),
            *root.glob("dealdesk/locale/*/LC_MESSAGES/*.mo"),
            Path(settings.STATIC_ROOT) / "staticfiles.json",
        ]
    )
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{settings.STATIC_URL} {settings.STRIPE_JS_URL}".encode())  # in the page
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _digest(parts: tuple[object, ...]) -> str:
    return hashlib.blake2b(repr(_plain(parts)).encode(), digest_size=16).hexdigest()


def _plain(value: object) -> object:
    """The same text for the same value from any database driver, host or process."""
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value
