"""Every route, asked by an anonymous visitor, gives the login page or 401, never data.

The routes are read from the URL configuration itself, so a page added later is covered without
anyone remembering to list it; the few public ones are named here with the reason.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Routes that are public on purpose.
PUBLIC = {
    "accounts/login/",  # the login page itself
    "healthz",  # says only whether the database answers
    "favicon.ico",  # a redirect to the static icon
    "api/schema/",  # the OpenAPI document: endpoints, not data
    "api/token/",  # exchanges a password for a token (POST)
    "field/sw.js",  # the field survey's service worker: code, not data
    "field/manifest.webmanifest",
    "accounts/logout/",  # POST only; GET is refused (405)
}

# A sample value for each kind of path parameter: real-looking ids that do exist in `world`.
SAMPLE = {
    "code": "621126000000",
    "household_no": "6211261000010001",
    "pk": "1",
    "id": "1",
    "campaign": "1",
    "person_pk": "1",
    "client_id": str(uuid.UUID(int=1)),
    "step": "initial",
    "uidb64": "MQ",
    "token": "x",
}


def _routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    out: list[str] = []
    for p in (resolver or get_resolver()).url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith("admin/"):
                continue  # Django's admin: tested below as one
            out += _routes(p, route)
        elif isinstance(p, URLPattern):
            out.append(route)
    return out


def _path(route: str) -> str:
    # Regular-expression routes (the API router's) first, then path converters.
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE.get(m.group(1), "1"), route)
    route = re.sub(r"<([^>]+)>", lambda m: SAMPLE.get(m.group(1).split(":")[-1], "1"), route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\", "")


ROUTES = sorted(set(_routes()))


def test_the_route_list_is_not_empty():
    assert any(r.startswith("regions/") for r in ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_an_anonymous_request_gets_the_login_page_or_401(route, world, client):
    if route in PUBLIC or route.startswith("static/") or "format" in route:
        return
    path = _path(route)
    for method in ("get", "post"):
        r = getattr(client, method)(path)
        assert r.status_code in {302, 401, 405}, (method, path, r.status_code)
        if r.status_code == 302:
            assert r["Location"].startswith("/accounts/login/"), (method, path, r["Location"])
        body = r.content.decode("utf-8", "replace")
        for secret in ("张三", "621126198001010019", "岷县退出专项评估"):
            assert secret not in body, (method, path, secret)


def test_the_admin_sends_anonymous_visitors_to_its_login(client, db):
    r = client.get("/admin/registry/household/")
    assert r.status_code == 302
    assert r["Location"].startswith("/admin/login/")
