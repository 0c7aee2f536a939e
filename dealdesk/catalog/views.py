from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealdesk.catalog import services
from dealdesk.catalog.forms import ProductForm
from dealdesk.catalog.models import Product
from dealdesk.workspaces.access import MemberRequest, member_required
from dealdesk.workspaces.listing import search_and_paginate


def _product(request: MemberRequest, pk: int) -> Product:
    return get_object_or_404(Product.objects.for_workspace(request.workspace), pk=pk)


@member_required
def product_list(request: MemberRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    products = Product.objects.for_workspace(request.workspace).filter(
        archived_at__isnull=not show_archived
    )
    context = search_and_paginate(request, products, ["name", "sku", "description"])
    context["show_archived"] = show_archived
    context["filtered"] = show_archived
    return render(request, "catalog/product_list.html", context)


@member_required
def product_create(request: MemberRequest) -> HttpResponse:
    form = ProductForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        product = form.save(commit=False)
        product.workspace = request.workspace
        product.save()
        messages.success(request, _("Product “%(name)s” created.") % {"name": product.name})
        return redirect("catalog:product_list")
    return render(request, "catalog/product_form.html", {"form": form})


@member_required
def product_edit(request: MemberRequest, pk: int) -> HttpResponse:
    product = _product(request, pk)
    form = ProductForm(request.POST or None, instance=product, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Product “%(name)s” saved.") % {"name": product.name})
        return redirect("catalog:product_list")
    return render(request, "catalog/product_form.html", {"form": form, "product": product})


@require_POST
@member_required
def product_archive(request: MemberRequest, pk: int) -> HttpResponse:
    product = _product(request, pk)
    services.product_archive(product=product)
    messages.success(
        request,
        _("“%(name)s” archived. Deals and quotes that use it are unchanged.")
        % {"name": product.name},
    )
    return redirect("catalog:product_list")


@require_POST
@member_required
def product_restore(request: MemberRequest, pk: int) -> HttpResponse:
    product = _product(request, pk)
    services.product_restore(product=product)
    messages.success(request, _("“%(name)s” restored.") % {"name": product.name})
    return redirect("catalog:product_list")
