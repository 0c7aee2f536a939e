"""The seller's quote pages: list, detail (status, link, buyer visits), preview, PDF, recall."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealdesk.lib import clock
from dealdesk.payments.selectors import payment_readiness, purchase_summaries
from dealdesk.quotes import pdf, rules, selectors, services
from dealdesk.quotes.forms import ExtendForm
from dealdesk.quotes.models import Quote, QuoteStatus
from dealdesk.quotes.views.public import render_quote_page
from dealdesk.quotes.views.wizard import seller_quote
from dealdesk.workspaces.access import MemberRequest, member_required
from dealdesk.workspaces.listing import PER_PAGE


@member_required
def quote_list(request: MemberRequest) -> HttpResponse:
    statuses = dict(selectors.LIST_STATUSES)
    status = request.GET.get("status", "")
    status = status if status in statuses else ""
    query = request.GET.get("q", "").strip()
    quotes = selectors.quote_list(workspace=request.workspace, status=status, query=query)
    page_obj = Paginator(quotes, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "rows": selectors.quote_rows(page_obj),
        "q": query,
        "status": status,
        "statuses": selectors.LIST_STATUSES,
        "filtered": bool(status),
    }
    return render(request, "quotes/quote_list.html", context)


@member_required
def quote_detail(request: MemberRequest, pk: int) -> HttpResponse:
    return _render_detail(request, seller_quote(request, pk))


def _render_detail(
    request: MemberRequest, quote: Quote, extend_form: ExtendForm | None = None, status: int = 200
) -> HttpResponse:
    if extend_form is None and quote.shows_as_expired:
        extend_form = ExtendForm(initial={"expires_on": services.default_expiry(clock.utcnow())})
    public_url = ""
    if quote.token and quote.status in rules.PUBLIC:
        path = reverse("quotes:public", kwargs={"token": quote.token})
        public_url = request.build_absolute_uri(path)
    readiness = payment_readiness(request.workspace) if quote.payment_enabled else None
    purchases = purchase_summaries(workspace=request.workspace, quotes=[quote])[quote.pk]
    context = {
        "quote": quote,
        "deal": quote.deal,
        "doc": selectors.quote_document(quote=quote),
        "public_url": public_url,
        "extend_form": extend_form if quote.shows_as_expired else None,
        "readiness": readiness,
        "purchases": purchases,
        "signed_purchase": next(
            (
                s.purchase
                for s in purchases
                if s.purchase.is_settled and s.purchase.signature_accepted_at
            ),
            None,
        ),
        "purchase_blocked": (
            readiness is not None
            and not readiness.can_accept_payments
            and quote.status == QuoteStatus.PUBLISHED
        ),
    }
    return render(request, "quotes/quote_detail.html", context, status=status)


@member_required
def quote_preview(request: MemberRequest, pk: int) -> HttpResponse:
    """The buyer's page for the seller: works for drafts, never counts as a buyer's visit."""
    quote = seller_quote(request, pk)
    return render_quote_page(
        request, selectors.quote_document(quote=quote, as_published=True), preview=True
    )


@member_required
def quote_pdf(request: MemberRequest, pk: int) -> HttpResponse:
    quote = seller_quote(request, pk)
    return pdf.pdf_response(selectors.quote_document(quote=quote, check_account=False))


@require_POST
@member_required
def quote_recall(request: MemberRequest, pk: int) -> HttpResponse:
    quote = seller_quote(request, pk)
    try:
        services.quote_recall(quote=quote, user=request.user)
    except services.QuoteError as error:
        messages.error(request, str(error))
        return redirect("quotes:detail", pk=quote.pk)
    messages.success(
        request,
        _(
            "Quote recalled. The buyer's link shows “not available” until you publish again; "
            "the link stays the same."
        ),
    )
    return redirect("quotes:step", pk=quote.pk, step="details")


@require_POST
@member_required
def quote_duplicate(request: MemberRequest, pk: int) -> HttpResponse:
    """A new draft from this quote, opened in the wizard."""
    copy = services.quote_duplicate(quote=seller_quote(request, pk), user=request.user)
    messages.success(
        request,
        _("Copy created as a draft. Check it step by step, then publish it to get its own link."),
    )
    return redirect("quotes:step", pk=copy.pk, step="details")


@require_POST
@member_required
def quote_extend(request: MemberRequest, pk: int) -> HttpResponse:
    """A new expiration date for an expired quote; the buyer's link works again."""
    quote = seller_quote(request, pk)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, quote, extend_form=form, status=400)
    try:
        services.quote_extend(
            quote=quote, user=request.user, expires_on=form.cleaned_data["expires_on"]
        )
    except services.QuoteError as error:
        # Paid, recalled or extended in the meantime: the page shows where it stands now.
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Quote extended. The buyer's link shows it again, valid until the new date."),
        )
    return redirect("quotes:detail", pk=quote.pk)


@require_POST
@member_required
def quote_archive(request: MemberRequest, pk: int) -> HttpResponse:
    quote = seller_quote(request, pk)
    try:
        services.quote_archive(quote=quote, user=request.user)
    except services.QuoteError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Quote archived."))
    return redirect("quotes:detail", pk=quote.pk)
