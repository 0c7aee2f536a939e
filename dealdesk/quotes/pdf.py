"""The quote as a PDF (WeasyPrint), with the same content as the buyer's page.

DejaVu Sans covers German (and most of Latin, Greek and Cyrillic); it ships with
Debian's fonts-dejavu-core, which the system packages script installs.

A published quote's PDF is rendered once per edition and then served from the
database (StoredQuotePdf); a draft's is rendered on every download, as it changes.
A logo changed after publishing shows on the buyer's page at once; a PDF already
stored keeps the logo it was rendered with, and PDFs rendered later (a new
version, or when the quote is accepted, paid or expires) show the new one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify
from weasyprint import HTML

from dealdesk.quotes.models import StoredQuotePdf
from dealdesk.quotes.selectors import QuoteDocument

_CSS = Path(__file__).resolve().parent / "static" / "quotes" / "pdf.css"


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return _CSS.read_text(encoding="utf-8")


def quote_html(doc: QuoteDocument) -> str:
    """The HTML the PDF is made from, in the quote's language."""
    with translation.override(doc.quote.language):
        return render_to_string("quotes/pdf.html", {"doc": doc, "stylesheet": _stylesheet()})


def quote_pdf(doc: QuoteDocument) -> bytes:
    """Render the PDF (slow: hundreds of milliseconds); downloads go through document_pdf."""
    pdf: bytes = HTML(string=quote_html(doc)).write_pdf()
    return pdf


def _edition(doc: QuoteDocument) -> dict[str, Any]:
    """What tells one stored PDF of a quote from another (see StoredQuotePdf)."""
    quote = doc.quote
    return {
        "quote": quote,
        "version": quote.version,
        "language": quote.language,
        "status": quote.status,
        "is_expired": doc.is_expired,
        "expires_at": quote.expires_at,
    }


def document_pdf(doc: QuoteDocument) -> bytes:
    """The quote's PDF: stored once per edition when published, rendered anew for a draft.

    Two first downloads at once both render, outside any transaction; the unique
    edition key lets one row in and both serve that row's bytes.
    """
    if not doc.is_frozen:
        return quote_pdf(doc)
    edition = _edition(doc)
    stored = StoredQuotePdf.objects.filter(**edition).values_list("pdf", flat=True).first()
    if stored is not None:
        return bytes(stored)
    rendered = quote_pdf(doc)
    row, created = StoredQuotePdf.objects.get_or_create(**edition, defaults={"pdf": rendered})
    if created:
        StoredQuotePdf.objects.filter(quote=doc.quote, version__lt=doc.quote.version).delete()
    return bytes(row.pdf)


def pdf_response(doc: QuoteDocument) -> HttpResponse:
    """The PDF as a download named after the quote."""
    response = HttpResponse(document_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(doc)}"'
    return response


def pdf_filename(doc: QuoteDocument) -> str:
    quote = doc.quote
    name = slugify(f"{quote.display_number or 'draft'} {quote.title}")[:80] or "quote"
    return f"{name}.pdf"
