"""What every app's API does with the parameters of a request before any query: validate the
query string with a serializer, and answer 404 for a URL lookup that cannot be a key."""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.serializers import BaseSerializer

from fupin.api.errors import NOT_FOUND

# The largest id a query may carry: beyond it SQLite and PostgreSQL cannot even compare.
MAX_ID = 2**63 - 1


def query_filters(serializer_class: type[BaseSerializer[Any]], request: Request) -> dict[str, Any]:
    """The query parameters, validated (400 on a bad value). A plain dict, not the QueryDict: with
    HTML-form input DRF reads a missing boolean as false, which would filter instead of not."""
    params = serializer_class(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)


def lookup_ok(value: str, pattern: re.Pattern[str]) -> None:
    """What a lookup in a URL may look like; anything else is not found without asking the
    database (PostgreSQL refuses a NUL character in a query, which would otherwise be a server
    error)."""
    if not pattern.fullmatch(value):
        raise NotFound(NOT_FOUND)
