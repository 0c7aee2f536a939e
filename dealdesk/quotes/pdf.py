"""The quote as a PDF (WeasyPrint), with the same content as the buyer's page.

DejaVu Sans covers German (and most of Latin, Greek and Cyrillic); it ships with
Debian's fonts-dejavu-core, which the system packages script installs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify
from weasyprint import HTML

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
    pdf: bytes = HTML(string=quote_html(doc)).write_pdf()
    return pdf


def pdf_filename(doc: QuoteDocument) -> str:
    quote = doc.quote
    name = slugify(f"{quote.display_number or 'draft'} {quote.title}")[:80] or "quote"
    return f"{name}.pdf"
