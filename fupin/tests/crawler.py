"""A newcomer's walk through the site: from the home page, follow every link and GET form a user
can reach (bounded), and report what would stop or confuse them.

Used by test_crawler.py on a small demo world, and by scripts/crawl_demo.py on a real demo
database. Findings, per page: a 404 or 500; a 403/409 without a Chinese reason; an English code
from fupin's own choices shown as text; a rate shown as a bare fraction (0.0071) instead of a
percentage; a count shown with decimals (5.00).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.apps import apps
from django.test import Client
from django.urls import Resolver404, resolve

# Pages not walked: leaving the session, Django's own admin, the field app (a JavaScript app
# over the API), the API, static files.
SKIP_PREFIXES = ("/accounts/logout", "/logout", "/admin/", "/api/", "/static/", "/field/")
MAX_PAGES = 400  # per user
MAX_PER_ROUTE = 4  # pages of one URL pattern (one household page stands for all)
MAX_DEPTH = 4

# English words a choices value may share with ordinary text on a page (usernames, brand).
ORDINARY = frozenset(
    {"fupin", "demo", "other", "none", "json", "csv", "xlsx", "html", "docx", "pdf"}
)

_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"(?<![\w/.-])[a-z][a-z_]*[a-z](?![\w/.-])")
_FRACTION = re.compile(r"(?<![\d.])[01]\.\d{4,}(?![\d%])")
_DECIMAL_COUNT = re.compile(r"(?<![\d.,])\d{1,3}\.00(?![\d%])")


def choice_codes() -> frozenset[str]:
    """The stored values of every choices field of fupin's models that look like English codes."""
    codes: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("fupin."):
            continue
        for f in model._meta.get_fields():
            for value, _label in getattr(f, "flatchoices", None) or ():
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z_]*[a-z]", value):
                    codes.add(value)
    return frozenset(codes - ORDINARY)


class _Page(HTMLParser):
    """Links, GET forms, visible text and the error message of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.alert: list[str] = []
        self._skip = 0
        self._alert_tags: list[str] = []  # open elements holding an error message
        self._form: tuple[str, dict[str, str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            if a.get("method", "get").lower() == "get":
                self._form = (a.get("action", ""), {})
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self._form[1].setdefault(a["name"], a.get("value", ""))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
        elif (
            self._form is not None
            and tag == "option"
            and self._select
            and a.get("value")
            and not self._form[1].get(self._select)
        ):
            # The first non-empty option stands for a user's choice.
            self._form[1][self._select] = a["value"]
        classes = a.get("class", "").split()
        if {"error", "errorlist"} & set(classes) or a.get("role") == "alert":
            self._alert_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        if self._alert_tags and tag == self._alert_tags[-1]:
            self._alert_tags.pop()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._alert_tags:
            self.alert.append(data)


@dataclass
class Finding:
    user: str
    url: str
    problem: str
    came_from: str = ""

    def __str__(self) -> str:
        return f"{self.user} {self.url} (from {self.came_from or '-'}): {self.problem}"


@dataclass
class Walk:
    pages: int = 0
    findings: list[Finding] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def _route(url: str) -> str:
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return parts.path
    keys = sorted(
        {k.split("=")[0] for k in parts.query.split("&") if k and not k.startswith("page=")}
    )
    return f"{match.view_name}?{'&'.join(keys)}"


def _inside(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def walk(client: Client, user: str, codes: frozenset[str], start: str = "/") -> Walk:
    """Follow links and GET forms from `start`, breadth first, within the bounds above."""
    result = Walk()
    seen: set[str] = {start}
    per_route: dict[str, int] = {}
    queue: deque[tuple[str, int, str]] = deque([(start, 0, "")])
    while queue and result.pages < MAX_PAGES:
        url, depth, came_from = queue.popleft()
        response = client.get(url)
        result.pages += 1
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1

        def report(problem: str, url: str = url, came_from: str = came_from) -> None:
            result.findings.append(Finding(user, url, problem, came_from))

        status = response.status_code
        if status in (301, 302):
            target = _inside(urljoin(url, response["Location"]))
            if target and target not in seen and not target.startswith("/accounts/login"):
                seen.add(target)
                queue.append((target, depth, url))
            continue
        if status in (404, 500) or status >= 500:
            report(f"HTTP {status}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = _Page()
        page.feed(response.content.decode("utf-8", "replace"))
        text = " ".join(page.text)
        if status in (400, 403, 409):
            reason = " ".join(page.alert)
            if not _CHINESE.search(reason):
                report(f"HTTP {status} without a Chinese reason: {reason.strip()[:80]!r}")
            if not page.links:
                report(f"HTTP {status} with no way back")
        elif status != 200:
            report(f"HTTP {status}")
        english = sorted({w for w in _WORD.findall(text) if w in codes})
        if english:
            report(f"English codes shown: {', '.join(english[:8])}")
        fractions = sorted(set(_FRACTION.findall(text)))
        if fractions:
            report(f"bare fractions shown: {', '.join(fractions[:5])}")
        decimals = sorted(set(_DECIMAL_COUNT.findall(text)))
        if decimals:
            report(f"counts with decimals: {', '.join(decimals[:5])}")
        if status != 200 or depth >= MAX_DEPTH:
            continue
        found = [urljoin(url, href) for href in page.links]
        for action, values in page.forms:
            target = urljoin(url, action or url)
            found.append(target.split("?")[0] + "?" + urlencode(values))
        for raw in found:
            target = _inside(raw.split("#")[0])
            if target is None or target in seen:
                continue
            seen.add(target)
            route = _route(target)
            if per_route.get(route, 0) >= MAX_PER_ROUTE:
                continue
            per_route[route] = per_route.get(route, 0) + 1
            queue.append((target, depth + 1, url))
    return result
