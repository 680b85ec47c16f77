"""The refusal shape every app's API shares: a Chinese `detail`, and the statuses each write
operation documents (400 bad request, 403 not allowed, 404 not found or not visible, 409 the
record's state does not allow it)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    detail = serializers.CharField(help_text="拒绝的原因（中文）")


NOT_FOUND = "不存在，或无权查看"
# A primary key in a URL: digits only, so that nonsense is a 404 before any query.
ID = r"[0-9]{1,18}"
# The refusals every write operation of the API documents.
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="请求内容有误"),
    403: OpenApiResponse(ErrorSerializer, description="无权进行该操作"),
    404: OpenApiResponse(ErrorSerializer, description=NOT_FOUND),
    409: OpenApiResponse(ErrorSerializer, description="当前状态不允许该操作"),
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with every "not found" worded as the pages word it: in Chinese, and the same
    for an id that does not exist and one outside the user's scope (Django's `Http404` from a
    lookup would say "No Campaign matches the given query.")."""
    if isinstance(exc, Http404):
        exc = NotFound(NOT_FOUND)
    return drf_exception_handler(exc, context)
