"""The appraisal API under /api/assistance/appraisals/: scoped reads, writes through the services."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.assistance.tests.test_appraisal import YEAR, Help, _conclude_round, help_  # noqa: F401

pytestmark = pytest.mark.django_db

BASE = "/api/assistance/appraisals"


def _api(h: Help, persona: str | None) -> APIClient:
    client = APIClient()
    if persona is not None:
        token, _ = Token.objects.get_or_create(user=h.world.users[persona])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_county_office_appraises_through_the_api(help_: Help) -> None:  # noqa: F811
    c = _api(help_, "county_officer")
    body = {
        "side": "helper",
        "village": help_.idle.village.code,
        "unit": help_.idle.unit.pk,
        "year": YEAR,
    }
    r = c.post(f"{BASE}/", body, format="json")
    assert r.status_code == 201, r.json()
    a = r.json()
    items = {i["code"]: i for i in a["items"]}
    assert items["visits"]["passed"] is False and items["visits"]["result_label"] == "不合格"
    assert a["side_label"] == "帮扶方（帮扶单位）" and a["status_label"] == "考核中"
    assert (
        c.post(f"{BASE}/", body, format="json").json()["detail"].endswith("（作废后才能重新考核）")
    )

    listed = c.get(f"{BASE}/", {"region": "621126000000", "year": YEAR}).json()["results"]
    assert [r["id"] for r in listed] == [a["id"]]
    assert c.get(f"{BASE}/", {"region": "621223000000"}).json()["results"] == []
    assert c.get(f"{BASE}/", {"region": "nonsense"}).json()["results"] == []
    r = c.post(f"{BASE}/{a['id']}/conclude/", {}, format="json")
    assert r.status_code == 400 and "尚未评定" in r.json()["detail"]
    for code in ("leadership", "party_building"):
        r = c.post(
            f"{BASE}/{a['id']}/judge/",
            {"item": code, "passed": True, "reason": "核实"},
            format="json",
        )
        assert r.status_code == 200
    r = c.post(f"{BASE}/{a['id']}/conclude/", {"opinion": "走访缺失"}, format="json")
    assert r.json()["passed"] is False and r.json()["status"] == "concluded"
    r = c.post(
        f"{BASE}/{a['id']}/follow-ups/",
        {"kind": "naming", "date": "2019-01-10", "target": "乙单位"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["kind_label"] == "点名"
    rows = c.get(f"{BASE}/follow-ups/").json()["results"]
    assert [f["target"] for f in rows] == ["乙单位"]
    r = c.post(f"{BASE}/follow-ups/{rows[0]['id']}/void/", {"reason": "重复"}, format="json")
    assert r.json()["voided"] is True
    r = c.post(f"{BASE}/{a['id']}/void/", {"reason": "重考"}, format="json")
    assert r.json()["status_label"] == "已作废"


def test_other_counties_and_cadres_neither_see_nor_act(help_: Help) -> None:  # noqa: F811
    c = _api(help_, "county_officer")
    body = {"side": "helped", "village": help_.good.village.code, "year": YEAR}
    a = c.post(f"{BASE}/", body, format="json").json()
    for persona in ("neighbour_officer", "cadre"):
        other = _api(help_, persona)
        assert other.get(f"{BASE}/").json()["results"] == []
        assert other.get(f"{BASE}/{a['id']}/").status_code == 404
        assert (
            other.post(f"{BASE}/{a['id']}/void/", {"reason": "x"}, format="json").status_code == 404
        )
        assert other.post(f"{BASE}/", body, format="json").status_code == 404
    township = _api(help_, "township_officer")  # sees its village, is not an assessor
    assert [r["id"] for r in township.get(f"{BASE}/").json()["results"]] == [a["id"]]
    r = township.post(f"{BASE}/{a['id']}/void/", {"reason": "x"}, format="json")
    assert r.status_code == 403
    assert _api(help_, None).get(f"{BASE}/").status_code == 401


def test_the_province_settles_a_round_through_the_api(help_: Help) -> None:  # noqa: F811
    _conclude_round(help_, help_.good)
    assert (
        _api(help_, "county_officer")
        .post(f"{BASE}/settlements/", {"pairing": help_.good.pk})
        .status_code
        == 403
    )
    c = _api(help_, "province_officer")
    r = c.post(f"{BASE}/settlements/", {"pairing": help_.good.pk}, format="json")
    assert r.status_code == 201, r.json()
    s = r.json()
    assert {i["code"]: i["passed"] for i in s["items"]}["village_exited"] is False
    s = c.post(f"{BASE}/settlements/{s['id']}/conclude/", {}, format="json").json()
    assert s["result_label"] == "不合格"
    r = c.post(
        f"{BASE}/settlements/{s['id']}/follow-ups/",
        {"kind": "notice", "date": "2019-03-01", "target": "甲单位"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["settlement"] == s["id"]
