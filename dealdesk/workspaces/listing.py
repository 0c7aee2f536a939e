"""Search and pagination shared by every list page."""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest

M = TypeVar("M", bound=models.Model)

PER_PAGE = 25


def search_and_paginate(
    request: HttpRequest,
    queryset: models.QuerySet[M],
    search_fields: Sequence[str],
    per_page: int = PER_PAGE,
) -> dict[str, Any]:
    """Filter by ``?q=`` over ``search_fields`` (case-insensitive) and page by ``?page=``."""
    query = request.GET.get("q", "").strip()
    if query:
        condition = models.Q()
        for field in search_fields:
            condition |= models.Q(**{f"{field}__icontains": query})
        queryset = queryset.filter(condition)
    page_obj = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return {"page_obj": page_obj, "q": query}
