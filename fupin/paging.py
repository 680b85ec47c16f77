"""One paging and search pattern for every long list: Django's Paginator plus `_paging.html`.

A view calls `page_of(request, queryset)` (optionally after `search(...)`) and the template
includes `_search.html` above the list and `_paging.html` below it; the links keep the page's
other query parameters (Django's `{% querystring %}`).
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest

PER_PAGE = 50


def search_text(request: HttpRequest) -> str:
    """The `q` parameter, trimmed and bounded (a search box, not a document)."""
    return str(request.GET.get("q", "")).strip()[:100]


def search(queryset: QuerySet[Any], text: str, *fields: str) -> QuerySet[Any]:
    """Rows where any of `fields` contains `text` (codes and names: icontains)."""
    if not text:
        return queryset
    return queryset.filter(reduce(operator.or_, (Q(**{f"{f}__icontains": text}) for f in fields)))


def page_of(request: HttpRequest, items: Any, per_page: int = PER_PAGE) -> Page:
    """The requested page (`?page=`) of `items`; an out-of-range or bad number gives the nearest."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
