"""Pages and API: scoped like the registry (a neighbour county's officer gets 404), anonymous
visitors get the login page or 401, refusals answer 400/403/409 in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.monitoring.models import MonitoringObject, MonitoringReport
from fupin.monitoring.services import monitoring_object_open
from fupin.monitoring.tests.conftest import history, set_income
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db
COUNTY = "621126000000"
API = "/api/monitoring"


def _client(world: World, persona: str) -> Client:
    c = Client()
    c.force_login(world.users[persona])
    return c


def _api(world: World, persona: str | None) -> APIClient:
    client = APIClient()
    if persona is not None:
        token, _ = Token.objects.get_or_create(user=world.users[persona])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _object(world: World) -> MonitoringObject:
    h = history(world.household, ("identified", 2016), ("exited", 2019))
    set_income(h, 2020, 5000)
    return monitoring_object_open(
        household=h,
        kind="unstable_exited",
        year=2020,
        user=world.users["county_officer"],
        date=dt.date(2021, 1, 4),
    )


def test_the_overview_lists_candidates_with_reasons_and_opens_one(world: World) -> None:
    h = history(world.household, ("identified", 2016), ("exited", 2019))
    set_income(h, 2020, 5000)
    c = _client(world, "county_officer")
    page = c.get(f"/monitoring/regions/{COUNTY}/?year=2020").content.decode()
    assert h.household_no in page and "低于 2020 年防止返贫监测范围 6000 元" in page
    r = c.post(
        f"/monitoring/regions/{COUNTY}/open/",
        {"household_no": h.household_no, "year": 2020, "kind": "unstable_exited"},
    )
    obj = MonitoringObject.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/monitoring/objects/{obj.pk}/"
    page = c.get(f"/monitoring/objects/{obj.pk}/").content.decode()
    assert "发现监测对象" in page and "已发现，待村级评议" in page


def test_the_object_page_offers_only_the_users_steps(world: World, village_officer) -> None:
    obj = _object(world)
    page = _client(world, "village_officer").get(f"/monitoring/objects/{obj.pk}/").content.decode()
    assert "村级民主评议" in page and "县级审批纳入监测" not in page
    r = _client(world, "county_officer").post(
        f"/monitoring/objects/{obj.pk}/transition/", {"to": "appraised"}
    )
    assert r.status_code == 403
    r = _client(world, "village_officer").post(
        f"/monitoring/objects/{obj.pk}/transition/", {"to": "appraised", "opinion": "同意"}
    )
    assert r.status_code == 302
    obj.refresh_from_db()
    assert obj.status == "appraised"


def test_a_report_is_recorded_from_the_overview(world: World) -> None:
    r = _client(world, "township_officer").post(
        "/monitoring/regions/621126100000/reports/",
        {
            "household_no": world.household.household_no,
            "year": 2020,
            "source": "cadre_visit",
            "rigid_spending": 20000,
            "spending_kind": "medical",
            "description": "住院",
        },
    )
    assert r.status_code == 302
    assert MonitoringReport.objects.get().recorded_by == world.users["township_officer"]


def test_the_neighbour_countys_officer_gets_404_on_pages_and_api(world: World) -> None:
    obj = _object(world)
    c = _client(world, "neighbour_officer")
    for path in (
        f"/monitoring/regions/{COUNTY}/",
        f"/monitoring/objects/{obj.pk}/",
        f"/monitoring/counties/{COUNTY}/signals/",
    ):
        assert c.get(path).status_code == 404, path
    assert (
        c.post(f"/monitoring/objects/{obj.pk}/transition/", {"to": "appraised"}).status_code == 404
    )
    api = _api(world, "neighbour_officer")
    for path in (
        f"objects/{obj.pk}/",
        f"regions/{COUNTY}/candidates/",
        f"counties/{COUNTY}/signals/",
    ):
        assert api.get(f"{API}/{path}").status_code == 404, path
    assert api.get(f"{API}/objects/").json()["results"] == []
    assert (
        api.post(
            f"{API}/objects/{obj.pk}/transition/", {"to": "appraised"}, format="json"
        ).status_code
        == 404
    )


def test_a_cadre_sees_their_households_object_but_not_the_county_signals(world: World) -> None:
    obj = _object(world)
    assert _client(world, "cadre").get(f"/monitoring/objects/{obj.pk}/").status_code == 200
    assert _client(world, "cadre").get(f"/monitoring/counties/{COUNTY}/signals/").status_code == 404


def test_anonymous_visitors_get_the_login_page_or_401(world: World) -> None:
    obj = _object(world)
    for path in (
        "/monitoring/",
        f"/monitoring/regions/{COUNTY}/",
        f"/monitoring/objects/{obj.pk}/",
        f"/monitoring/counties/{COUNTY}/signals/",
    ):
        r = Client().get(path)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    for path in (
        "objects/",
        f"objects/{obj.pk}/",
        "reports/",
        f"regions/{COUNTY}/candidates/",
        f"counties/{COUNTY}/signals/",
    ):
        assert _api(world, None).get(f"{API}/{path}").status_code == 401


def test_the_signals_page_draws_the_chart_from_the_page_data(world: World) -> None:
    history(world.household, ("identified", 2016), ("exited", 2021))
    page = _client(world, "county_officer").get(f"/monitoring/counties/{COUNTY}/signals/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "vendor/echarts.min.js" in body and "monitoring/signals.js" in body
    assert 'id="signals-data"' in body and "剩余贫困人口减贫速度明显放缓" in body


def test_api_transition_refusals_are_403_409_400_in_chinese(world: World, village_officer) -> None:
    obj = _object(world)
    url = f"{API}/objects/{obj.pk}/transition/"
    r = _api(world, "county_officer").post(url, {"to": "appraised"}, format="json")
    assert r.status_code == 403 and "村扶贫专干" in r.json()["detail"]
    r = _api(world, "county_officer").post(url, {"to": "approved"}, format="json")
    assert r.status_code == 409 and "不能转为" in r.json()["detail"]
    r = _api(world, "village_officer").post(url, {"to": "rejected"}, format="json")
    assert r.status_code == 400 and "须写明意见" in r.json()["detail"]
    r = _api(world, "village_officer").post(
        url, {"to": "appraised", "opinion": "同意"}, format="json"
    )
    assert r.status_code == 200 and r.json()["object"]["status"] == "appraised"


def test_api_opens_objects_and_lists_candidates_and_reports(world: World) -> None:
    h = history(world.household, ("identified", 2016), ("exited", 2019))
    set_income(h, 2020, 5000)
    api = _api(world, "county_officer")
    body = api.get(f"{API}/regions/{COUNTY}/candidates/?year=2020").json()
    assert [c["household"] for c in body["candidates"]] == [h.household_no]
    assert api.get(f"{API}/regions/{COUNTY}/candidates/?year=2030").status_code == 400
    r = api.post(
        f"{API}/reports/",
        {"household": h.household_no, "year": 2020, "source": "village", "income_per_capita": 4800},
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = api.post(
        f"{API}/objects/",
        {"household": h.household_no, "kind": "unstable_exited", "year": 2020},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "identified"
    again = api.post(
        f"{API}/objects/",
        {"household": h.household_no, "kind": "unstable_exited", "year": 2020},
        format="json",
    )
    assert again.status_code == 409
    assert (
        _api(world, "cadre")
        .post(
            f"{API}/objects/",
            {"household": h.household_no, "kind": "unstable_exited", "year": 2020},
            format="json",
        )
        .status_code
        == 403
    )
    signals = api.get(f"{API}/counties/{COUNTY}/signals/").json()
    assert signals["exit_year"] == 2020 and signals["signs"] == []
    assert "尚无摘帽后完整年度的记录" in signals["note"]
