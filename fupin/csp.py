"""The Content-Security-Policy header on every response, from settings.CONTENT_SECURITY_POLICY.

Django 6.0 brings its own CSP middleware; until fupin moves to it, this is the same idea in a
few lines: one policy, built once, added to each response that has none of its own (the evidence
download sets a stricter sandbox and keeps it).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def policy_header(policy: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *values]) for name, values in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = policy_header(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.header
        return response
