"""XLSX import of pairings and projects: the template, a dry run that writes nothing and names
every bad row's sheet, row and column, and a confirmed import that writes all rows or none."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.assistance.importing import COLUMNS, HOUSEHOLD_SHEET, PROJECT_SHEET, VILLAGE_SHEET
from fupin.assistance.models import HouseholdPairing, Project, VillagePairing
from fupin.assistance.services_manage import unit_create
from fupin.assistance.tests.conftest import identify, make_cadre
from fupin.files.sheets import Sheet, write_xlsx
from fupin.regions.models import Region
from fupin.testing.worlds import COUNTY, World

pytestmark = pytest.mark.django_db


def _xlsx(
    village_rows: list[list[object]], project_rows: list[list[object]], household_rows=()
) -> bytes:
    out = io.BytesIO()
    sheets = [Sheet(VILLAGE_SHEET, COLUMNS[VILLAGE_SHEET], village_rows)]
    sheets.append(Sheet(PROJECT_SHEET, COLUMNS[PROJECT_SHEET], project_rows))
    if household_rows:
        sheets.append(Sheet(HOUSEHOLD_SHEET, COLUMNS[HOUSEHOLD_SHEET], list(household_rows)))
    write_xlsx(out, sheets)
    return out.getvalue()


def _setup(world: World) -> None:
    unit_create(
        name="甘肃省财政厅", kind="government", region=Region.objects.get(code=COUNTY), actor="t"
    )
    identify(world.household)
    identify(world.other_household)
    make_cadre("周干部")


def _good(world: World) -> bytes:
    no = world.household.household_no
    return _xlsx(
        [["甘肃省财政厅", "东街村", "2016-01-01", "2019-01-01", "三年期满"]],
        [
            [
                "东街村养殖合作社",
                "东街村",
                "产业扶持",
                2018,
                "",
                "2018-04-01",
                100000,
                0,
                0,
                500,
                no,
                "",
            ]
        ],
        [[world.other_household.household_no, "周干部", "2018-01-01", "甘肃省财政厅"]],
    )


def test_the_template_downloads_with_one_sheet_per_kind(world: World) -> None:
    client = Client()
    client.force_login(world.users["county_officer"])
    r = client.get(reverse("assistance:import_template"))
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == [VILLAGE_SHEET, HOUSEHOLD_SHEET, PROJECT_SHEET]


def test_a_dry_run_writes_nothing_and_a_confirmed_import_writes_every_row(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path  # through the one web upload (fupin/registry/uploads.py)
    _setup(world)
    client = Client()
    client.force_login(world.users["county_officer"])
    url = reverse("assistance:import")
    assert client.get(url)["Location"] == "/imports/?kind=help"
    r = client.post(url, {"file": SimpleUploadedFile("帮扶.xlsx", _good(world))}, follow=True)
    html = r.content.decode()
    assert r.status_code == 200 and 'id="confirm"' in html
    assert not VillagePairing.objects.exists() and not Project.objects.exists()
    confirm = r.redirect_chain[-1][0] + "confirm/"
    r = client.post(confirm)
    assert r.status_code == 302
    pairing = VillagePairing.objects.get()
    assert pairing.end_reason == "三年期满"
    project = Project.objects.get()
    assert project.total_amount() == 100500
    assert [b.household for b in project.beneficiaries.all()] == [world.household]
    assert HouseholdPairing.objects.filter(cadre__username="周干部").count() == 1
    r = client.post(confirm, follow=True)  # the same upload twice: refused
    assert "已经导入" in r.content.decode() and VillagePairing.objects.count() == 1


def test_bad_rows_are_named_by_sheet_row_and_column_and_nothing_is_written(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    _setup(world)
    data = _xlsx(
        [
            ["甘肃省财政厅", "东街村", "2016-01-01", "", ""],
            ["不存在的单位", "东街村", "2016-01-01", "", ""],
            ["甘肃省财政厅", "城关村", "2016-13-01", "", ""],
        ],
        [["项目", "东街村", "修路", 2018, "", "", "", "", "", "", "", ""]],
    )
    client = Client()
    client.force_login(world.users["county_officer"])
    r = client.post(
        reverse("assistance:import"), {"file": SimpleUploadedFile("帮扶.xlsx", data)}, follow=True
    )
    problems = [
        (p["table"], p["row"], p["column"], p["reason"])
        for p in r.context["upload"].report["problems"]
    ]
    assert problems[0] == (VILLAGE_SHEET, 3, "帮扶单位", "没有该帮扶单位，或无权查看（须先登记）")
    assert problems[1][:3] == (VILLAGE_SHEET, 4, "帮扶村(名称或代码)")  # 城关村 is 宕昌县's
    assert problems[2][:3] == (PROJECT_SHEET, 2, "项目类别")
    assert 'id="confirm"' not in r.content.decode() and "没有该帮扶单位" in r.content.decode()
    assert not VillagePairing.objects.exists()


def test_the_api_dry_runs_and_imports_and_refuses_the_neighbour(world: World) -> None:
    _setup(world)
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=world.users["county_officer"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    url = "/api/assistance/import/"
    r = client.post(url, {"file": io.BytesIO(_good(world))}, format="multipart")
    assert r.status_code == 200 and r.json()["ok"] and r.json()["dry_run"]
    assert not VillagePairing.objects.exists()
    r = client.post(url, {"file": io.BytesIO(_good(world)), "confirm": "true"}, format="multipart")
    assert r.status_code == 200 and r.json()["created"][PROJECT_SHEET] == 1
    assert VillagePairing.objects.count() == 1
    neighbour = APIClient()
    token, _ = Token.objects.get_or_create(user=world.users["neighbour_officer"])
    neighbour.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    r = neighbour.post(
        url, {"file": io.BytesIO(_good(world)), "confirm": "true"}, format="multipart"
    )
    assert r.status_code == 400 and r.json()["problems"][0]["column"] == "帮扶单位"
    assert VillagePairing.objects.count() == 1
