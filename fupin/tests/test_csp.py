"""Every response carries the Content-Security-Policy (fupin/csp.py), and no page fupin serves
needs an inline script or style block to work under it (issue #18, item 3)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from fupin.csp import policy_header
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

FUPIN = Path(__file__).resolve().parent.parent
# Written to a file for reading offline (`fupin assess --report`), never served: it inlines
# ECharts on purpose so that the file works alone.
NOT_SERVED = {"assessments/report.html"}


def _policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split("; ")}


def _assert_strict(response: Any) -> None:
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]  # no inline script, no other origin
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"]


def test_the_header_is_the_configured_policy(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response["Content-Security-Policy"] == policy_header(settings.CONTENT_SECURITY_POLICY)
    _assert_strict(response)


@pytest.mark.parametrize(
    "path",
    ["/", "/audit/", "/api/households/", "/api/schema/", "/field/", "/field/sw.js", "/admin/"],
)
def test_pages_the_api_and_the_field_survey_send_it(world: World, path: str) -> None:
    client = Client()
    client.force_login(world.users["superuser"])
    response = client.get(path)
    assert response.status_code in {200, 302}, (path, response.status_code)
    _assert_strict(response)


def test_anonymous_answers_errors_and_static_files_send_it(client: Client) -> None:
    _assert_strict(client.get("/admin/login/"))
    _assert_strict(client.get("/api/households/"))  # 401
    _assert_strict(client.get("/no/such/page/"))  # 404
    _assert_strict(client.post("/api/token/", {}, content_type="application/json"))  # 400


def _served_templates() -> list[Path]:
    found = []
    for path in sorted(FUPIN.rglob("templates/**/*.html")):
        relative = "/".join(path.parts[path.parts.index("templates") + 1 :])
        if relative not in NOT_SERVED:
            found.append(path)
    return found


def test_the_template_list_is_not_empty() -> None:
    names = {p.name for p in _served_templates()}
    assert {"base.html", "checks.html", "dashboard.html", "village_charts.html"} <= names


@pytest.mark.parametrize("path", _served_templates(), ids=lambda p: p.name)
def test_no_served_template_has_an_inline_script_or_style_block(path: Path) -> None:
    """The policy would block them: their charts would not draw, their styles would not apply."""
    text = path.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, (path.name, tag)
    assert "<style" not in text, path.name
    assert not re.search(r"\son[a-z]+\s*=", text), path.name  # onclick= and the like
    assert "javascript:" not in text, path.name
