"""The help's XLSX through the one web upload's API (`/api/registry/imports/` with kind=help):
a dry run that writes nothing, a confirmation that writes every row, hidden from the neighbour."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.assistance.importing import PROJECT_SHEET
from fupin.assistance.models import Project, VillagePairing
from fupin.assistance.tests.test_importing import _good, _setup
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_upload_api_checks_and_writes_the_help_and_hides_it_from_the_neighbour(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    _setup(world)
    c = _client(world.users["county_officer"])
    r = c.post(
        "/api/registry/imports/",
        {"file": SimpleUploadedFile("帮扶.xlsx", _good(world)), "kind": "help"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "checked" and body["report"]["outcome"] == "written"
    assert body["report"]["counts"][f"{PROJECT_SHEET}（将导入行数）"] == 1
    assert not VillagePairing.objects.exists() and not Project.objects.exists()
    neighbour = _client(world.users["neighbour_officer"])
    assert neighbour.get(f"/api/registry/imports/{body['id']}/").status_code == 404
    r = c.post(f"/api/registry/imports/{body['id']}/confirm/", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert VillagePairing.objects.count() == 1 and Project.objects.count() == 1
