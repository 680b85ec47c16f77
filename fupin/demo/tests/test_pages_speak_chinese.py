"""No codes on pages (issue #15, item 6): on a small seeded world — a synthetic county with its
help, a whole simulated assessment and the demo's logins — the main pages a province office and a
working group reach from the navigation show every value as its Chinese label: no English code
word of the project's choices (every TextChoices value of fupin's models, and the draw methods'
codes), and no Python `True`, `False` or `None`.

The walk follows the pages' own links, breadth first, one page per URL shape (digits stand for any
id), so it visits each kind of page once and stays small."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import models
from django.test import Client

from fupin import synth
from fupin.assessments.engine.sampling import SamplingSettings
from fupin.assessments.models.draws import METHOD_LABELS
from fupin.demo.assistance import assistance_load_synthetic
from fupin.demo.loading import registry_load_synth
from fupin.demo.people import demo_accounts_create
from fupin.demo.running import campaign_run_simulated
from fupin.regions.models import Region
from fupin.regions.services import regions_load_poverty_counties
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db

PAGES_PER_USER = 70
START = ["/", "/audit/", "/assessments/", "/assistance/", "/exits/", "/monitoring/"]
# Not pages a person reads: files, the API, the phone app's shell, leaving.
SKIP = re.compile(
    r"(\.(xlsx|docx|csv|json|js|css|png|pdf|zip)$|^/api/|^/field/|^/admin/|^/accounts/logout"
    r"|/evidence/|/files/|^/static/|^/media/)"
)
PYTHON_VALUES = frozenset({"True", "False", "None"})
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*")


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def code_words() -> frozenset[str]:
    """Every code of fupin's choices that a page must never show: the TextChoices values (and
    the draw methods' codes) that are words, not numbers or single letters."""
    values = {
        str(v)
        for cls in _subclasses(models.TextChoices)
        if cls.__module__.startswith("fupin.")
        for v in cls.values
    }
    values |= set(METHOD_LABELS)
    return frozenset(v for v in values if len(v) > 2 and WORD.fullmatch(v))


class _Text(HTMLParser):
    """The text a person reads on a page (no scripts, styles, attributes or code samples), and the
    links to follow."""

    HIDDEN = frozenset({"script", "style", "code", "template", "textarea", "title"})

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("/"):
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.chunks.append(data.strip())


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def walk(client: Client, start: list[str], codes: frozenset[str]) -> tuple[list[str], list[str]]:
    """Visit the pages reachable from `start`: (the paths seen, what each offending page shows)."""
    queue = deque(start)
    shapes: set[str] = set()
    seen: list[str] = []
    found: list[str] = []
    while queue and len(seen) < PAGES_PER_USER:
        url = queue.popleft()
        path = urlsplit(url).path
        if SKIP.search(path) or _shape(path) in shapes:
            continue
        shapes.add(_shape(path))
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        seen.append(path)
        parser = _Text()
        parser.feed(response.content.decode())
        for chunk in parser.chunks:
            bad = [w for w in WORD.findall(chunk) if w in codes or w in PYTHON_VALUES]
            if bad:
                found.append(f"{path}: {'、'.join(dict.fromkeys(bad))} in “{chunk[:80]}”")
        queue.extend(parser.links)
    return seen, found


@pytest.fixture
def seeded(tmp_path: Path, settings: Any) -> dict[str, Any]:
    """A small synthetic county with its help, a decided simulated assessment and the demo logins."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    regions_load_poverty_counties(provinces={"甘肃省"})
    config = synth.preset(
        "demo",
        seed=5,
        poor_villages=4,
        nonpoor_villages=2,
        registered_households=120,
        registered_persons=480,
        nonregistered_households=90,
    )
    batches = list(synth.generate(config))
    registry_load_synth(batches=batches, truth=tmp_path / "truth")
    county = Region.objects.get(code=batches[0].county.code + "000000")
    assistance_load_synthetic(county=county, seed=2016, year=2019)
    campaign_run_simulated(
        seed=2019,
        settings=SamplingSettings(
            villages=4, exited_per_village=4, poor_per_village=2, nonregistered_per_village=4
        ),
        truth_dir=tmp_path / "truth",
    )
    accounts = {a.username: a for a in demo_accounts_create(password="demo-Pass-2020")}
    return {"county": county, "accounts": accounts}


def test_the_main_pages_show_labels_not_codes(seeded: dict[str, Any]) -> None:
    from django.contrib.auth import get_user_model

    codes = code_words()
    assert {"water", "capital", "west", "stratified-srs+at-risk-census"} <= codes
    users = get_user_model().objects
    offences: list[str] = []
    visited: dict[str, list[str]] = {}
    # A still-poor registered household first (its causes, attribute and standard are labels).
    poor = Household.objects.filter(status="poor").exclude(main_cause="").order_by("id").first()
    assert poor is not None
    for username in ("sheng", "pinggu"):  # the province office, the working group
        client = Client()
        client.force_login(users.get(username=username))
        seen, found = walk(client, [f"/households/{poor.household_no}/", *START], codes)
        visited[username] = seen
        offences += [f"{username} {line}" for line in found]
    # The walk reached the pages each role works on.
    assert any(p.startswith("/households/") for p in visited["sheng"])
    assert any(re.fullmatch(r"/assessments/\d+/", p) for p in visited["pinggu"])
    assert not offences, "\n".join(offences)
