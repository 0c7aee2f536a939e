"""The buyer's side: the quote page behind its unguessable link, its PDF, the signature.

Buyers never sign in. Everything is rendered in the quote's language, whatever
the browser asks for, so amounts and dates read as the seller intended.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dealdesk.lib import clock
from dealdesk.payments import purchase_dialog
from dealdesk.payments.csp import allow_stripe_js
from dealdesk.payments.selectors import paid_purchase
from dealdesk.quotes import page_cache, pdf, rules, selectors, services
from dealdesk.quotes.forms import AcceptForm
from dealdesk.workspaces import throttle


def _not_found(request: HttpRequest) -> HttpResponse:
    """A friendly page for a wrong, recalled or archived link; the status is still 404."""
    return render(request, "quotes/public_not_found.html", status=404)


def _is_own_workspace(request: HttpRequest, workspace_id: int) -> bool:
    # A signed-in seller opening their own link is a preview, not a buyer's visit.
    workspace = getattr(request, "workspace", None)
    return workspace is not None and workspace.pk == workspace_id


def _purchase_context(doc: selectors.QuoteDocument, *, preview: bool) -> dict[str, Any]:
    """The Purchase dialog's data for a payable quote, or the purchase that paid it."""
    quote = doc.quote
    if doc.purchase is rules.PurchaseState.PAID:
        return {"paid_purchase": paid_purchase(quote=quote)}
    if not doc.shows_purchase or preview:
        return {}
    return {
        "purchase_prefill": purchase_dialog.billing_prefill(quote),
        "purchase_countries": purchase_dialog.countries(quote.language),
        "stripe_js_url": settings.STRIPE_JS_URL,
        "purchase_config": {
            "startUrl": reverse("payments:purchase_start", args=[quote.token]),
            "quoteVersion": quote.version,
            "language": quote.language,
            "addressLabels": purchase_dialog.address_labels(),
            "messages": purchase_dialog.script_messages(),
        },
    }


def _document_html(doc: selectors.QuoteDocument) -> SafeString:
    """The buyer's document of a published quote, rendered once per edition in the shared cache.

    Rendering its lines is most of a page view's time (11 ms for a few lines, tens of
    ms for hundreds); call inside the quote's language.
    """
    key = page_cache.document_key(selectors.page_stamp_of(doc.quote), is_expired=doc.is_expired)
    html: SafeString | None = page_cache.lookup(key)  # a SafeString: not escaped again
    if html is None:
        html = SafeString(render_to_string("quotes/includes/document.html", {"doc": doc}))
        page_cache.keep(key, html)
    return html


def render_quote_page(
    request: HttpRequest, doc: selectors.QuoteDocument, *, preview: bool, **extra: Any
) -> HttpResponse:
    quote = doc.quote
    with translation.override(quote.language):
        context = {
            "doc": doc,
            "quote": quote,
            "preview": preview,
            # A draft's preview shows live data: rendered every time.
            "document_html": _document_html(doc) if doc.is_frozen and not preview else "",
            "accept_form": extra.pop("accept_form", None) or AcceptForm(),
            **_purchase_context(doc, preview=preview),
            **extra,
        }
        response = render(
            request, "quotes/public.html", context, status=400 if extra.get("invalid") else 200
        )
    response["Content-Language"] = quote.language
    return response


@require_GET
@allow_stripe_js  # the buyer pays here through Stripe.js
def quote_page(request: HttpRequest, token: str) -> HttpResponse:
    # One statement for a page already rendered for this state of the quote: its stamp.
    stamp = selectors.public_page_stamp(token=token)
    if stamp is None:
        return _not_found(request)
    if not _is_own_workspace(request, stamp.workspace_id):
        services.quote_record_view(quote_id=stamp.quote_id)
    now = clock.utcnow()
    # Counting them leaves the messages for the page to show (and use up), rendered anew.
    has_messages = len(messages.get_messages(request)) > 0
    page: page_cache.CachedPage | None = None
    if not has_messages:
        page = page_cache.lookup(page_cache.page_key(stamp, is_expired=stamp.is_expired(now)))
    if page is not None:
        return page_cache.serve(page, request)

    quote = selectors.public_quote(token=token)
    if quote is None:  # recalled since the stamp was read
        return _not_found(request)
    doc = selectors.quote_document(quote=quote, now=now)
    if has_messages:
        return render_quote_page(request, doc, preview=False)
    rendered = render_quote_page(
        request, doc, preview=False, csrf_token=page_cache.csrf_placeholder()
    )
    key = page_cache.page_key(selectors.page_stamp_of(quote), is_expired=doc.is_expired)
    return page_cache.serve(page_cache.store(key, rendered), request)


@require_GET
def quote_pdf(request: HttpRequest, token: str) -> HttpResponse:
    # Anyone may ask for a PDF; a stored one is cheap, but not unlimited from one client.
    verdict = throttle.record(request, limit="public_pdf_ip")
    quote = selectors.public_quote(token=token)
    if quote is None:
        return _not_found(request)
    if verdict.refused:
        with translation.override(quote.language):
            refusal = HttpResponse(verdict.message, content_type="text/plain; charset=utf-8")
        return throttle.refuse(refusal, verdict)
    return pdf.pdf_response(selectors.quote_document(quote=quote, check_account=False))


@require_POST
@allow_stripe_js
def quote_accept(request: HttpRequest, token: str) -> HttpResponse:
    quote = selectors.public_quote(token=token)
    if quote is None:
        return _not_found(request)
    with translation.override(quote.language):
        form = AcceptForm(request.POST)
        if not form.is_valid():
            doc = selectors.quote_document(quote=quote)
            return render_quote_page(request, doc, preview=False, accept_form=form, invalid=True)
        try:
            services.quote_accept(
                quote=quote, name=form.cleaned_data["full_name"], ip=request.META.get("REMOTE_ADDR")
            )
        except services.QuoteError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you! You have accepted this quote."))
    return redirect("quotes:public", token=token)
