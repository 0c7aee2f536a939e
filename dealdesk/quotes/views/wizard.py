"""The seller's quote wizard (R7): six steps, each saved as a draft, with back and next.

(1) deal & template → (2) buyer & seller → (3) line items → (4) signature &
payment → (5) comments & terms → (6) review & publish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseModelFormSet, modelformset_factory
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealdesk.crm.models import Deal
from dealdesk.lib import clock
from dealdesk.payments.selectors import payment_readiness
from dealdesk.quotes import selectors, services
from dealdesk.quotes.forms import (
    AddProductForm,
    DetailsForm,
    LineEditForm,
    NotesForm,
    PartiesForm,
    PaymentForm,
)
from dealdesk.quotes.models import Quote, QuoteLine
from dealdesk.workspaces.access import MemberRequest, member_required


@dataclass(frozen=True)
class Step:
    slug: str
    title: str | Promise


STEPS = (
    Step("details", gettext_lazy("Deal & template")),
    Step("parties", gettext_lazy("Buyer")),
    Step("lines", gettext_lazy("Line items")),
    Step("payment", gettext_lazy("Signature & payment")),
    Step("notes", gettext_lazy("Terms")),
    Step("review", gettext_lazy("Review")),
)
SLUGS = [step.slug for step in STEPS]


def _deal(request: MemberRequest, pk: int) -> Deal:
    return get_object_or_404(
        Deal.objects.for_workspace(request.workspace).select_related("company", "workspace"), pk=pk
    )


def seller_quote(request: MemberRequest, pk: int) -> Quote:
    """A quote of the signed-in seller's workspace; any other is a 404."""
    return get_object_or_404(
        Quote.objects.for_workspace(request.workspace).select_related("deal", "workspace"), pk=pk
    )


def step_url(quote: Quote, slug: str) -> str:
    return reverse("quotes:step", kwargs={"pk": quote.pk, "step": slug})


def _after_save(request: MemberRequest, quote: Quote, current: str) -> HttpResponse:
    """Where the step's buttons lead: back, next, or out to the quote."""
    index = SLUGS.index(current)
    go = request.POST.get("go", "next")
    if go == "back" and index > 0:
        return redirect(step_url(quote, SLUGS[index - 1]))
    if go == "exit":
        messages.success(request, _("Draft saved."))
        return redirect("quotes:detail", pk=quote.pk)
    if go == "stay":
        return redirect(step_url(quote, current))
    return redirect(step_url(quote, SLUGS[min(index + 1, len(SLUGS) - 1)]))


def _render(
    request: MemberRequest,
    current: str,
    context: dict[str, Any],
    *,
    quote: Quote | None = None,
    status: int = 200,
) -> HttpResponse:
    index = SLUGS.index(current)
    steps = [
        {
            "slug": step.slug,
            "title": step.title,
            "state": "done" if i < index else "current" if i == index else "todo",
            "url": step_url(quote, step.slug) if quote else "",
        }
        for i, step in enumerate(STEPS)
    ]
    context = {
        "quote": quote,
        "deal": quote.deal if quote else None,
        "steps": steps,
        "step": STEPS[index],
        "step_number": index + 1,
        "step_count": len(STEPS),
        "is_first": index == 0,
        "is_last": index == len(STEPS) - 1,
        **context,
    }
    return render(request, f"quotes/wizard/{current}.html", context, status=status)


# --- Step 1: deal & template (also creates the draft) ----------------------------------------


@member_required
def quote_create(request: MemberRequest, deal_pk: int) -> HttpResponse:
    """Start a quote from a deal. A deal without line items gets the R6 explanation instead."""
    deal = _deal(request, deal_pk)
    if not deal.line_items.exists():
        status = 409 if request.method == "POST" else 200
        return render(request, "quotes/wizard/no_lines.html", {"deal": deal}, status=status)
    initial = {
        "title": deal.name,
        "template": "standard",
        "language": request.user.language or "en",
        "expires_on": services.default_expiry(clock.utcnow()),
    }
    form = DetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            quote = services.quote_create(deal=deal, user=request.user, **form.cleaned_data)
        except services.QuoteError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Draft quote created. Continue with the buyer's details."))
            return _after_save(request, quote, "details")
    return _render(request, "details", {"form": form, "deal": deal}, status=_status(form))


def _status(form: Any) -> int:
    return 400 if form.is_bound and form.errors else 200


def _details(request: MemberRequest, quote: Quote) -> HttpResponse:
    initial = {
        "title": quote.title,
        "template": quote.template,
        "language": quote.language,
        "expires_on": quote.expires_on,
    }
    form = DetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_update_details(quote=quote, **form.cleaned_data)
        except services.QuoteError as error:
            form.add_error(None, str(error))
        else:
            return _after_save(request, quote, "details")
    context = {"form": form, "deal": quote.deal}
    return _render(request, "details", context, quote=quote, status=_status(form))


# --- Step 2: buyer & seller ------------------------------------------------------------------


def _parties(request: MemberRequest, quote: Quote) -> HttpResponse:
    initial = {
        "contacts": list(quote.contacts.all()),
        "company": quote.company,
        "seller_name": quote.seller_name,
        "seller_email": quote.seller_email,
        "seller_phone": quote.seller_phone,
    }
    form = PartiesForm(
        request.POST or None, initial=initial, deal=quote.deal, workspace=request.workspace
    )
    if request.method == "POST" and form.is_valid():
        services.quote_update_parties(quote=quote, **form.cleaned_data)
        return _after_save(request, quote, "parties")
    context = {"form": form, "deal": quote.deal}
    return _render(request, "parties", context, quote=quote, status=_status(form))


# --- Step 3: line items ----------------------------------------------------------------------

STALE_LINES = gettext_lazy(
    "The line items changed since this page was loaded, so nothing was saved. "
    "Here are the current line items."
)


class QuoteLinesFormSet(BaseModelFormSet[QuoteLine, LineEditForm]):
    """Rows for the quote's own lines only, at most one each; lines not posted stay as they are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django's defaults would build up to 2,000 rows from a posted TOTAL_FORMS.
        self.max_num = self.absolute_max = len(self.get_queryset())
        self.validate_max = True

    def clean(self) -> None:
        super().clean()
        # A missing, unknown or foreign form-N-id gives a row without a saved line.
        ids = [form.instance.pk for form in self.forms]
        counts = self.management_form.cleaned_data
        negative = any((counts.get(key) or 0) < 0 for key in (TOTAL_FORM_COUNT, INITIAL_FORM_COUNT))
        if negative or None in ids or len(set(ids)) != len(ids):
            raise ValidationError(STALE_LINES, code="stale")


LineFormSet = modelformset_factory(
    QuoteLine, form=LineEditForm, formset=QuoteLinesFormSet, extra=0, can_delete=False
)


def _line_formset(
    request: MemberRequest, quote: Quote, lines: QuerySet[QuoteLine], *, bound: bool
) -> BaseModelFormSet[QuoteLine, LineEditForm]:
    data = request.POST if bound else None
    return LineFormSet(data, queryset=lines, form_kwargs={"currency": quote.currency})


def _render_lines(
    request: MemberRequest,
    quote: Quote,
    formset: BaseModelFormSet[QuoteLine, LineEditForm],
    add_form: AddProductForm,
    status: int = 200,
) -> HttpResponse:
    doc = selectors.quote_document(quote=quote, check_account=False)
    prices = {item.line.pk: item for item in (*doc.one_time, *doc.recurring)}
    rows = [(form, prices[form.instance.pk]) for form in formset.forms]
    context = {
        "formset": formset,
        "rows": rows,
        "doc": doc,
        "add_form": add_form,
        "frequency_problem": services.frequency_problem(form.instance for form in formset.forms)
        if quote.payment_enabled
        else "",
    }
    return _render(request, "lines", context, quote=quote, status=status)


def _lines(request: MemberRequest, quote: Quote) -> HttpResponse:
    lines = quote.lines.all()
    add_form = AddProductForm(quote=quote)
    if request.method != "POST":
        return _render_lines(
            request, quote, _line_formset(request, quote, lines, bound=False), add_form
        )
    formset = _line_formset(request, quote, lines, bound=True)
    if not formset.is_valid():
        if formset.non_form_errors():
            # Rows that are not this quote's lines (another tab, a tampered or broken
            # management form) can't be shown again; show the current lines instead.
            messages.error(request, STALE_LINES)
            formset = _line_formset(request, quote, lines, bound=False)
        return _render_lines(request, quote, formset, add_form, status=400)
    services.quote_lines_update(quote=quote, lines=[form.save(commit=False) for form in formset])
    action, _sep, line_pk = request.POST.get("action", "").partition(":")
    if action in ("up", "down", "remove") and line_pk.isdigit():
        line = get_object_or_404(QuoteLine, quote=quote, pk=int(line_pk))
        if action == "remove":
            services.quote_line_remove(line=line)
            messages.success(request, _("“%(name)s” removed from the quote.") % {"name": line.name})
        else:
            services.quote_line_move(line=line, direction="up" if action == "up" else "down")
        return redirect(step_url(quote, "lines") + "#quote-lines")
    return _after_save(request, quote, "lines")


@require_POST
@member_required
def line_add(request: MemberRequest, pk: int) -> HttpResponse:
    quote = seller_quote(request, pk)
    if not quote.is_editable:
        return _not_editable(request, quote)
    form = AddProductForm(request.POST, quote=quote)
    if form.is_valid():
        try:
            line = services.quote_line_add_from_product(quote=quote, **form.cleaned_data)
        except services.QuoteError as error:
            form.add_error("product", str(error))
        else:
            messages.success(request, _("“%(name)s” added to the quote.") % {"name": line.name})
            return redirect(step_url(quote, "lines") + "#quote-lines")
    formset = LineFormSet(queryset=quote.lines.all(), form_kwargs={"currency": quote.currency})
    return _render_lines(request, quote, formset, form, status=400)


# --- Step 4: signature & payment -------------------------------------------------------------


def _payment(request: MemberRequest, quote: Quote) -> HttpResponse:
    readiness = payment_readiness(request.workspace)
    initial = {
        "payment_enabled": quote.payment_enabled,
        "collect_billing_address": quote.collect_billing_address,
        "signature_required": quote.signature_required,
    }
    # The switch is shown disabled when payments can't be on; the server refuses it anyway.
    switch_locked = not readiness.can_accept_payments and not quote.payment_enabled
    form = PaymentForm(request.POST or None, initial=initial, payments_available=not switch_locked)
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_update_payment(quote=quote, **form.cleaned_data)
        except (services.PaymentsUnavailable, services.FrequencyMismatch) as error:
            form.add_error("payment_enabled", str(error))
        else:
            return _after_save(request, quote, "payment")
    context = {
        "form": form,
        "readiness": readiness,
        "frequency_problem": services.frequency_problem(quote.lines.all()),
    }
    return _render(request, "payment", context, quote=quote, status=_status(form))


# --- Step 5: comments & terms ----------------------------------------------------------------


def _notes(request: MemberRequest, quote: Quote) -> HttpResponse:
    form = NotesForm(request.POST or None, instance=quote)
    if request.method == "POST" and form.is_valid():
        services.quote_update_notes(
            quote=quote, comments=form.cleaned_data["comments"], terms=form.cleaned_data["terms"]
        )
        return _after_save(request, quote, "notes")
    return _render(request, "notes", {"form": form}, quote=quote, status=_status(form))


# --- Step 6: review & publish ----------------------------------------------------------------


def _review(request: MemberRequest, quote: Quote, status: int = 200) -> HttpResponse:
    now = clock.utcnow()
    lines = list(quote.lines.all())
    readiness = payment_readiness(request.workspace) if quote.payment_enabled else None
    context = {
        "doc": selectors.quote_document(quote=quote, now=now, as_published=True),
        "problems": services.publish_problems(
            quote=quote, lines=lines, now=now, readiness=readiness
        ),
    }
    return _render(request, "review", context, quote=quote, status=status)


@require_POST
@member_required
def quote_publish(request: MemberRequest, pk: int) -> HttpResponse:
    quote = seller_quote(request, pk)
    republish = quote.version > 0
    try:
        quote = services.quote_publish(quote=quote, user=request.user)
    except services.PublishRefused:
        return _review(request, quote, status=400)
    except services.QuoteError as error:
        messages.error(request, str(error))
        return redirect("quotes:detail", pk=quote.pk)
    if republish:
        messages.success(request, _("Quote republished. The buyer's link now shows this version."))
    else:
        messages.success(
            request, _("Quote published. Copy the link below and send it to the buyer.")
        )
    return redirect("quotes:detail", pk=quote.pk)


# --- Dispatch --------------------------------------------------------------------------------

HANDLERS: dict[str, Callable[[MemberRequest, Quote], HttpResponse]] = {
    "details": _details,
    "parties": _parties,
    "lines": _lines,
    "payment": _payment,
    "notes": _notes,
    "review": _review,
}


def _not_editable(request: MemberRequest, quote: Quote) -> HttpResponse:
    if quote.status == "published":
        message = _("This quote is published. Recall it to make changes; the link stays the same.")
    else:
        message = _("This quote is %(status)s and can't be edited.") % {
            "status": quote.status_label.lower()
        }
    messages.info(request, message)
    return redirect("quotes:detail", pk=quote.pk)


@member_required
def quote_step(request: MemberRequest, pk: int, step: str) -> HttpResponse:
    quote = seller_quote(request, pk)
    handler = HANDLERS.get(step)
    if handler is None:
        raise Http404("No such step")
    if not quote.is_editable:
        return _not_editable(request, quote)
    if request.method == "POST" and step == "review":
        return redirect(step_url(quote, "review"))
    try:
        return handler(request, quote)
    except services.QuoteNotEditable:
        # Published from another tab between loading the step and saving it.
        quote.refresh_from_db()
        return _not_editable(request, quote)
