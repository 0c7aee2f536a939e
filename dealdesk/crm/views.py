"""Seller pages for companies, contacts and deals. Thin: look up in the workspace, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealdesk.crm import selectors, services
from dealdesk.crm.forms import (
    CompanyForm,
    ContactForm,
    DealForm,
    LineFromProductForm,
    LineItemForm,
)
from dealdesk.crm.models import Company, Contact, Deal, DealLineItem, Stage
from dealdesk.payments.deal_filters import PAYMENT_STATUSES, deals_by_payment_status
from dealdesk.quotes.selectors import deal_quotes
from dealdesk.workspaces.access import MemberRequest, member_required
from dealdesk.workspaces.listing import search_and_paginate


def _company(request: MemberRequest, pk: int) -> Company:
    return get_object_or_404(Company.objects.for_workspace(request.workspace), pk=pk)


def _contact(request: MemberRequest, pk: int) -> Contact:
    return get_object_or_404(Contact.objects.for_workspace(request.workspace), pk=pk)


def _deal(request: MemberRequest, pk: int) -> Deal:
    return get_object_or_404(
        Deal.objects.for_workspace(request.workspace).select_related("company", "owner"), pk=pk
    )


def _line(request: MemberRequest, deal_pk: int, pk: int) -> DealLineItem:
    deal = _deal(request, deal_pk)
    return get_object_or_404(DealLineItem.objects.select_related("deal"), deal=deal, pk=pk)


def _lines_url(deal: Deal) -> str:
    return reverse("crm:deal_detail", kwargs={"pk": deal.pk}) + "#line-items"


# --- Companies -----------------------------------------------------------------------------


@member_required
def company_list(request: MemberRequest) -> HttpResponse:
    companies = selectors.company_list(workspace=request.workspace)
    context = search_and_paginate(request, companies, ["name", "domain", "city", "country"])
    return render(request, "crm/company_list.html", context)


@member_required
def company_detail(request: MemberRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    context = {
        "company": company,
        "contacts": company.contacts.all(),
        "deals": company.deals.select_related("owner"),
    }
    return render(request, "crm/company_detail.html", context)


@member_required
def company_create(request: MemberRequest) -> HttpResponse:
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        company = services.company_save(
            company=form.save(commit=False), workspace=request.workspace
        )
        messages.success(request, _("Company “%(name)s” created.") % {"name": company.name})
        return redirect("crm:company_detail", pk=company.pk)
    return render(request, "crm/company_form.html", {"form": form})


@member_required
def company_edit(request: MemberRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    form = CompanyForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        services.company_save(company=form.save(commit=False), workspace=request.workspace)
        messages.success(request, _("Company “%(name)s” saved.") % {"name": company.name})
        return redirect("crm:company_detail", pk=company.pk)
    return render(request, "crm/company_form.html", {"form": form, "company": company})


@member_required
def company_delete(request: MemberRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if request.method == "POST":
        services.company_delete(company=company)
        messages.success(
            request,
            _("Company “%(name)s” deleted. Its contacts and deals are kept.")
            % {"name": company.name},
        )
        return redirect("crm:company_list")
    usage = selectors.company_usage(company=company)
    return render(
        request, "crm/confirm_delete.html", {"object": company, "kind": "company", **usage}
    )


# --- Contacts ------------------------------------------------------------------------------


@member_required
def contact_list(request: MemberRequest) -> HttpResponse:
    contacts = selectors.contact_list(workspace=request.workspace)
    context = search_and_paginate(
        request,
        contacts,
        ["first_name", "last_name", "email", "job_title", "company__name"],
    )
    return render(request, "crm/contact_list.html", context)


@member_required
def contact_detail(request: MemberRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(
        Contact.objects.for_workspace(request.workspace).select_related("company"), pk=pk
    )
    deals = contact.deals.select_related("company", "owner")
    return render(request, "crm/contact_detail.html", {"contact": contact, "deals": deals})


@member_required
def contact_create(request: MemberRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    company_pk = request.GET.get("company", "")
    if company_pk.isdigit():
        initial["company"] = _company(request, int(company_pk))
    form = ContactForm(request.POST or None, workspace=request.workspace, initial=initial)
    if request.method == "POST" and form.is_valid():
        contact = services.contact_save(
            contact=form.save(commit=False), workspace=request.workspace
        )
        messages.success(request, _("Contact “%(name)s” created.") % {"name": contact})
        return redirect("crm:contact_detail", pk=contact.pk)
    return render(request, "crm/contact_form.html", {"form": form})


@member_required
def contact_edit(request: MemberRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    form = ContactForm(request.POST or None, instance=contact, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        services.contact_save(contact=form.save(commit=False), workspace=request.workspace)
        messages.success(request, _("Contact “%(name)s” saved.") % {"name": contact})
        return redirect("crm:contact_detail", pk=contact.pk)
    return render(request, "crm/contact_form.html", {"form": form, "contact": contact})


@member_required
def contact_delete(request: MemberRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    if request.method == "POST":
        services.contact_delete(contact=contact)
        messages.success(
            request,
            _("Contact “%(name)s” deleted. Their deals are kept.") % {"name": contact},
        )
        return redirect("crm:contact_list")
    deals = contact.deals.count()
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": contact, "kind": "contact", "deals": deals, "contacts": 0},
    )


# --- Deals ---------------------------------------------------------------------------------


@member_required
def deal_list(request: MemberRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    deals = selectors.deal_list(workspace=request.workspace, stage=stage)
    payment = request.GET.get("payment", "")
    payment = payment if payment in dict(PAYMENT_STATUSES) else ""
    deals = deals_by_payment_status(deals, payment)
    context = search_and_paginate(request, deals, ["name", "company__name"])
    context["rows"] = [
        (deal, selectors.price_deal_lines(deal.line_items.all(), deal.currency).totals)
        for deal in context["page_obj"]
    ]
    context["stage"] = stage if stage in Stage.values else ""
    context["filtered"] = bool(context["stage"] or payment)
    context["stages"] = Stage.choices
    context["payment"] = payment
    context["payment_statuses"] = PAYMENT_STATUSES
    return render(request, "crm/deal_list.html", context)


@member_required
def deal_detail(request: MemberRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    return _render_deal(request, deal, LineFromProductForm(deal=deal))


def _render_deal(
    request: MemberRequest, deal: Deal, product_form: LineFromProductForm, status: int = 200
) -> HttpResponse:
    context = {
        "deal": deal,
        "contacts": deal.contacts.select_related("company"),
        "pricing": selectors.deal_pricing(deal=deal),
        "product_form": product_form,
        "deal_quotes": deal_quotes(workspace=request.workspace, deal=deal),
    }
    return render(request, "crm/deal_detail.html", context, status=status)


@member_required
def deal_create(request: MemberRequest) -> HttpResponse:
    initial: dict[str, Any] = {"owner": request.user}
    company_pk = request.GET.get("company", "")
    if company_pk.isdigit():
        initial["company"] = _company(request, int(company_pk))
    form = DealForm(request.POST or None, workspace=request.workspace, initial=initial)
    if request.method == "POST" and form.is_valid():
        deal = services.deal_save(
            deal=form.save(commit=False),
            workspace=request.workspace,
            contacts=form.cleaned_data["contacts"],
        )
        messages.success(request, _("Deal “%(name)s” created.") % {"name": deal.name})
        return redirect("crm:deal_detail", pk=deal.pk)
    return render(request, "crm/deal_form.html", {"form": form})


@member_required
def deal_edit(request: MemberRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    form = DealForm(request.POST or None, instance=deal, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_save(
                deal=form.save(commit=False),
                workspace=request.workspace,
                contacts=form.cleaned_data["contacts"],
            )
        except services.CurrencyLockedError as error:
            form.add_error("currency", str(error))
        else:
            messages.success(request, _("Deal “%(name)s” saved.") % {"name": deal.name})
            return redirect("crm:deal_detail", pk=deal.pk)
    return render(request, "crm/deal_form.html", {"form": form, "deal": deal})


@member_required
def deal_delete(request: MemberRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    if request.method == "POST":
        try:
            services.deal_delete(deal=deal)
        except services.DealInUse as error:
            messages.error(request, str(error))
            return redirect("crm:deal_detail", pk=deal.pk)
        messages.success(request, _("Deal “%(name)s” deleted.") % {"name": deal.name})
        return redirect("crm:deal_list")
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": deal, "kind": "deal", "lines": deal.line_items.count()},
    )


# --- Deal line items -----------------------------------------------------------------------


@require_POST
@member_required
def line_add_product(request: MemberRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    form = LineFromProductForm(request.POST, deal=deal)
    if not form.is_valid():
        return _render_deal(request, deal, form, status=400)
    line = services.line_add_from_product(
        deal=deal, product=form.cleaned_data["product"], quantity=form.cleaned_data["quantity"]
    )
    messages.success(request, _("“%(name)s” added.") % {"name": line.name})
    return redirect(_lines_url(deal))


@member_required
def line_add_custom(request: MemberRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    form = LineItemForm(request.POST or None, currency=deal.currency)
    if request.method == "POST" and form.is_valid():
        line = services.line_add_custom(deal=deal, line=form.save(commit=False))
        messages.success(request, _("“%(name)s” added.") % {"name": line.name})
        return redirect(_lines_url(deal))
    return render(request, "crm/line_form.html", {"form": form, "deal": deal, "nav": "deals"})


@member_required
def line_edit(request: MemberRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    deal = line.deal
    form = LineItemForm(request.POST or None, instance=line, currency=deal.currency)
    if request.method == "POST" and form.is_valid():
        services.line_update(line=form.save(commit=False))
        messages.success(request, _("“%(name)s” saved.") % {"name": line.name})
        return redirect(_lines_url(deal))
    return render(
        request, "crm/line_form.html", {"form": form, "deal": deal, "line": line, "nav": "deals"}
    )


@member_required
def line_delete(request: MemberRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    deal = line.deal
    if request.method == "POST":
        services.line_delete(line=line)
        messages.success(request, _("“%(name)s” removed from the deal.") % {"name": line.name})
        return redirect(_lines_url(deal))
    return render(
        request,
        "crm/confirm_delete.html",
        {"object": line, "kind": "line", "deal": deal, "nav": "deals"},
    )


@require_POST
@member_required
def line_move(request: MemberRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line(request, pk, line_pk)
    direction = request.POST.get("direction")
    if direction in ("up", "down"):
        services.line_move(line=line, direction="up" if direction == "up" else "down")
    # htmx follows the redirect and swaps just the line items card.
    return redirect(_lines_url(line.deal))
