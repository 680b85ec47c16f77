"""The assistance API is scoped exactly like the pages; measures and visits can be created."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry
from fupin.assistance.models import AssistanceMeasure, HouseholdPairing, VisitLog
from fupin.assistance.services import ledger_visit_add, project_beneficiary_add, project_create
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

BASE = "/api/assistance"


def _api(world: World, persona: str | None) -> APIClient:
    client = APIClient()
    if persona is not None:
        token, _ = Token.objects.get_or_create(user=world.users[persona])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_anonymous_calls_get_401(world: World) -> None:
    for path in ("pairings/", "measures/", "visits/", "projects/"):
        assert _api(world, None).get(f"{BASE}/{path}").status_code == 401


def test_a_cadre_lists_exactly_their_pairings(world: World) -> None:
    rows = _api(world, "cadre").get(f"{BASE}/pairings/").json()["results"]
    assert [(r["household"], r["cadre"], r["active"]) for r in rows] == [
        (world.household.household_no, "cadre", True)
    ]
    assert _api(world, "neighbour_officer").get(f"{BASE}/pairings/").json()["results"] == []


def test_guessed_ids_answer_404(world: World) -> None:
    visit = ledger_visit_add(
        household=world.other_household, date=dt.date(2019, 1, 2), content="走访", actor="t"
    )
    client = _api(world, "cadre")
    assert client.get(f"{BASE}/visits/{visit.pk}/").status_code == 404
    assert client.get(f"{BASE}/visits/99999999/").status_code == 404
    assert client.get(f"{BASE}/visits/99999999999999999999999/").status_code == 404
    other = HouseholdPairing.objects.create(
        household=world.other_household,
        cadre=world.users["county_officer"],
        start=dt.date(2016, 1, 1),
    )
    assert client.get(f"{BASE}/pairings/{other.pk}/").status_code == 404
    assert _api(world, "county_officer").get(f"{BASE}/visits/{visit.pk}/").status_code == 200


def test_the_cadre_creates_a_measure_for_their_household_audited(world: World) -> None:
    r = _api(world, "cadre").post(
        f"{BASE}/measures/",
        {
            "household": world.household.household_no,
            "kind": "education",
            "description": "雨露计划助学",
            "amount": "3000",
            "start_date": "2019-09-01",
        },
    )
    assert r.status_code == 201, r.json()
    assert r.json()["recorded_by"] == "cadre" and r.json()["amount"] == "3000.00"
    m = AssistanceMeasure.objects.get()
    assert AuditEntry.objects.filter(
        model="AssistanceMeasure", object_key=str(m.pk), household=world.household
    ).exists()


def test_a_measure_for_a_household_out_of_scope_answers_404(world: World) -> None:
    r = _api(world, "cadre").post(
        f"{BASE}/measures/",
        {
            "household": world.other_household.household_no,
            "kind": "education",
            "description": "x",
            "start_date": "2019-09-01",
        },
    )
    assert r.status_code == 404 and not AssistanceMeasure.objects.exists()


def test_a_reader_who_may_not_write_gets_403(world: World) -> None:
    r = _api(world, "province_officer").post(
        f"{BASE}/visits/",
        {"household": world.household.household_no, "date": "2019-09-01", "content": "x"},
    )
    assert r.status_code == 403 and not VisitLog.objects.exists()


def test_the_township_office_records_a_visit(world: World) -> None:
    r = _api(world, "township_officer").post(
        f"{BASE}/visits/",
        {
            "household": world.household.household_no,
            "date": "2019-09-01",
            "content": "乡扶贫站回访",
            "visitor_name": "刘站长",
        },
    )
    assert r.status_code == 201
    rows = _api(world, "cadre").get(f"{BASE}/visits/").json()["results"]
    assert [(v["visitor_name"], v["visitor"]) for v in rows] == [("刘站长", "township_officer")]


def test_a_future_visit_is_a_400_with_the_reason(world: World) -> None:
    r = _api(world, "cadre").post(
        f"{BASE}/visits/",
        {"household": world.household.household_no, "date": "2099-01-01", "content": "x"},
    )
    assert r.status_code == 400 and "未来" in r.json()["detail"]


def test_projects_totals_and_benefits_are_scoped(world: World) -> None:
    county = world.household.village.parent.parent
    p = project_create(
        name="岷县肉牛养殖",
        region=county,
        kind="industry",
        year=2019,
        funds={"central": 1000, "donation": 500},
        actor="t",
    )
    project_beneficiary_add(project=p, household=world.household, amount=800, actor="t")
    project_beneficiary_add(project=p, household=world.other_household, amount=700, actor="t")
    cadre = _api(world, "cadre")
    detail = cadre.get(f"{BASE}/projects/{p.pk}/").json()
    assert [b["household"] for b in detail["beneficiaries"]] == [world.household.household_no]
    assert detail["total"] == "1500.00"
    assert cadre.get(f"{BASE}/projects/totals/", {"region": county.code}).status_code == 404
    officer = _api(world, "county_officer")
    totals = officer.get(f"{BASE}/projects/totals/", {"region": county.code}).json()
    assert totals["total"] == "1500.00"
    assert {s["source"]: s["amount"] for s in totals["sources"]}["donation"] == "500.00"
    assert _api(world, "neighbour_officer").get(f"{BASE}/projects/{p.pk}/").status_code == 404
    benefits = cadre.get(f"{BASE}/households/{world.household.household_no}/benefits/").json()
    assert benefits["total"] == "800.00"
    other = world.other_household.household_no
    assert cadre.get(f"{BASE}/households/{other}/benefits/").status_code == 404


def test_region_warnings_endpoint(world: World) -> None:
    code = world.household.village.code
    rows = _api(world, "county_officer").get(f"{BASE}/regions/{code}/warnings/").json()
    assert [r["kind"] for r in rows] == ["village_without_team"]
    assert (
        _api(world, "neighbour_officer").get(f"{BASE}/regions/{code}/warnings/").status_code == 404
    )
