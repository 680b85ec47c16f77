"""The one shape of the assessments API's write handlers: what the URL names, as the user may
write it (else 404 or 403), the body (400), the service (its refusal with its own Chinese
message), then the record as it now is (201)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from fupin.assessments.models import Campaign
from fupin.assessments.services import AssessmentError
from fupin.regions.models import Region

S = TypeVar("S")
T = TypeVar("T")


class CountyOf(NamedTuple):
    """A county of a campaign, as a URL `/campaigns/<id>/…/<code>/` names it."""

    campaign: Campaign
    county: Region


def recorded(
    request: Request,
    found: S | Response,
    body: type[serializers.Serializer[Any]],
    write: Callable[[S, dict[str, Any]], T],
    answer: Callable[[S, T], Any],
    *,
    refused: int = status.HTTP_400_BAD_REQUEST,
    done: int = status.HTTP_201_CREATED,
) -> Response:
    """Write through a service and answer. `found` is what the view made of the URL and the user:
    already the answer (404 not visible, 403 may not write), or what the write is on. Then the body
    checked by `body` (400 naming the field); `write(found, the checked body)` calls the service,
    whose AssessmentError is answered with status `refused` and the service's message; otherwise
    `answer(found, what write returned)`, with status `done`."""
    if isinstance(found, Response):
        return found
    checked = body(data=request.data)
    checked.is_valid(raise_exception=True)
    try:
        made = write(found, dict(checked.validated_data))
    except AssessmentError as refusal:
        return Response({"detail": str(refusal)}, status=refused)
    return Response(answer(found, made), status=done)
