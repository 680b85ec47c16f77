"""The evaluators API: institutions, one person as JSON, a roster as multipart; passwords once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from openpyxl import Workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error

from fupin.accounts.models import Membership, Role
from fupin.assessments.models import Campaign, Enumerator, Expert, Institution
from fupin.assessments.services import campaign_create, institution_register
from fupin.assessments.services.roster import ROSTER_COLUMNS
from fupin.assessments.tests.conftest import MINXIAN, make_user
from fupin.assessments.workflows import CampaignKind
from fupin.regions.models import Region
from fupin.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashes(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def campaign(gansu_village: Region) -> Campaign:
    return campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=2020,
        name="岷县退出专项评估检查",
        scope=[Region.objects.get(code=MINXIAN)],
        actor="test",
    )


@pytest.fixture
def wg(campaign: Campaign) -> User:
    user = make_user("wg")
    Membership.objects.create(user=user, role=Role.WORKING_GROUP, campaign=campaign)
    return user


@pytest.fixture
def hust(wg: User) -> Institution:
    return institution_register(name="华中科技大学", province="42", user=wg)


@pytest.fixture
def admin(hust: Institution) -> User:
    user = make_user("hust_admin")
    Membership.objects.create(user=user, role=Role.INSTITUTION_ADMIN, institution=hust)
    return user


def api(user: User) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def roster(rows: list[list[Any]]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(list(ROSTER_COLUMNS))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("roster.xlsx", out.getvalue())


def test_the_working_group_registers_institutions(wg: User, admin: User, hust: Institution):
    r = api(wg).post(
        "/api/institutions/",
        {"name": "兰州大学", "province": "甘肃省", "took_part_in": ["62", "四川"]},
        format="json",
    )
    assert r.status_code == 201 and r.json()["took_part_in"] == ["62", "51"]
    r = api(wg).post("/api/institutions/", {"name": "兰州大学", "province": "62"}, format="json")
    assert r.status_code == 400 and "已登记" in r.json()["detail"]
    r = api(admin).post("/api/institutions/", {"name": "x", "province": "62"}, format="json")
    assert r.status_code == 403 and "评估工作组" in r.json()["detail"]
    assert [i["name"] for i in api(admin).get("/api/institutions/").json()] == ["华中科技大学"]
    assert len(api(wg).get("/api/institutions/").json()) == 2


def test_one_evaluator_by_json_gets_a_login_shown_once(
    campaign: Campaign, admin: User, hust: Institution
):
    url = f"/api/campaigns/{campaign.pk}/evaluators/"
    r = api(admin).post(
        url,
        {
            "kind": "enumerator",
            "name": "张三",
            "institution": hust.pk,
            "employer_province": "湖北",
            "experienced": True,
            "exam_passed": True,
        },
        format="json",
    )
    assert r.status_code == 201 and r["Cache-Control"] == "no-store"
    (created,) = r.json()["created"]
    assert created["evaluator"]["exam_passed"] is True
    assert Client().login(username=created["username"], password=created["password"])
    listed = api(admin).get(url)
    assert listed.status_code == 200 and [e["name"] for e in listed.json()] == ["张三"]
    assert created["password"] not in listed.content.decode()


def test_a_roster_by_multipart_checks_then_imports(
    campaign: Campaign, admin: User, hust: Institution
):
    url = f"/api/campaigns/{campaign.pk}/evaluators/"
    rows = [
        ["甲", "调查员", "湖北", "", "是", "是", "", ""],
        ["乙教授", "专家", "11", "甘肃", "是", "是", "", "yi"],
    ]
    r = api(admin).post(
        url, {"institution": hust.pk, "file": roster(rows), "dry_run": "true"}, format="multipart"
    )
    assert r.status_code == 200 and r.json()["dry_run"] is True and r.json()["created"] == []
    assert len(r.json()["people"]) == 2 and not Enumerator.objects.exists()
    r = api(admin).post(url, {"institution": hust.pk, "file": roster(rows)}, format="multipart")
    assert r.status_code == 201
    logins = {c["username"]: c["password"] for c in r.json()["created"]}
    assert "yi" in logins and len(logins) == 2
    assert all(Client().login(username=u, password=p) for u, p in logins.items())
    assert Expert.objects.get().took_part_in == ["62"]


def test_a_bad_roster_row_refuses_the_file(campaign: Campaign, admin: User, hust: Institution):
    r = api(admin).post(
        f"/api/campaigns/{campaign.pk}/evaluators/",
        {
            "institution": hust.pk,
            "file": roster(
                [
                    ["甲", "调查员", "湖北", "", "是", "是", "", ""],
                    ["乙", "老师", "湖北", "", "是", "是", "", ""],
                ]
            ),
        },
        format="multipart",
    )
    assert r.status_code == 400
    assert "第 3 行：“类别”须为“专家”或“调查员”：老师" in r.json()["errors"]
    assert not Enumerator.objects.exists()


def test_an_institution_admin_registers_only_its_own(campaign: Campaign, wg: User, admin: User):
    other = institution_register(name="中山大学", province="44", user=wg)
    url = f"/api/campaigns/{campaign.pk}/evaluators/"
    r = api(admin).post(
        url,
        {"kind": "enumerator", "name": "王五", "institution": other.pk, "employer_province": "44"},
        format="json",
    )
    assert r.status_code == 403 and "中山大学" in r.json()["detail"]
    r = api(admin).post(
        url,
        {
            "institution": other.pk,
            "file": roster([["王五", "调查员", "44", "", "否", "是", "", ""]]),
        },
        format="multipart",
    )
    assert r.status_code == 403
    assert not Enumerator.objects.exists()
    nobody = make_user("officer", Role.COUNTY_OFFICER)
    assert api(nobody).get(url).status_code == 404
    assert api(nobody).get("/api/institutions/").json() == []


def test_the_schema_documents_the_endpoints(db: None) -> None:
    r = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = r.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/campaigns/{campaign_id}/evaluators/"])
    assert {"get", "post"} <= set(paths["/api/institutions/"])


@pytest.fixture
def wsgi_app(db: None) -> Iterator[Any]:
    """The real WSGI application, keeping the test's database connection open between requests
    (as fupin/api/tests/test_schema.py does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.parametrize("persona", ["wg", "admin"])
def test_schemathesis_finds_no_server_error_in_the_evaluators_api(
    wsgi_app: Any, campaign: Campaign, wg: User, admin: User, persona: str
) -> None:
    """Valid and invalid bodies, as the working group and as an institution admin, who both get
    past the permission checks to the validation and the services."""
    user = {"wg": wg, "admin": admin}[persona]
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    mine = {"/api/campaigns/{campaign_id}/evaluators/", "/api/institutions/"}
    P, N = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
    seen = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path not in mine:
            continue
        seen.add((operation.method.upper(), operation.path))
        pinned = {"campaign_id": campaign.pk} if "{campaign_id}" in operation.path else None
        for mode, examples in ((P, 20), (N, 10)):

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=pinned))
            @settings(
                max_examples=examples,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def call(case: Any) -> None:
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])

            try:
                call()
            except Unsatisfiable:
                assert mode is N
    assert len(seen) == 4
