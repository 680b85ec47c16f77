"""The assistance API's write side: the county office creates, changes and ends the help of its
county through the services; the neighbouring county's office is refused (404 or 403)."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry
from fupin.assistance.models import HelpingUnit, ReturnVisit
from fupin.assistance.services import pairing_village_create
from fupin.assistance.tests.conftest import identify, make_cadre
from fupin.testing.worlds import COUNTY, World

pytestmark = pytest.mark.django_db

BASE = "/api/assistance"


def _api(world: World, persona: str) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=world.users[persona])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _unit(world: World) -> int:
    r = _api(world, "county_officer").post(
        f"{BASE}/units/",
        {"name": "甘肃省财政厅", "kind": "government", "region": COUNTY},
        format="json",
    )
    assert r.status_code == 201, r.content
    return int(r.json()["id"])


def test_units_are_registered_changed_and_deactivated_by_the_county_office(world: World) -> None:
    officer, neighbour = _api(world, "county_officer"), _api(world, "neighbour_officer")
    pk = _unit(world)
    assert neighbour.get(f"{BASE}/units/{pk}/").status_code == 404
    refused = neighbour.post(
        f"{BASE}/units/", {"name": "x", "kind": "government", "region": COUNTY}, format="json"
    )
    assert refused.status_code == 400 and "region" in refused.json()
    r = officer.patch(f"{BASE}/units/{pk}/", {"kind": "state_firm"}, format="json")
    assert r.status_code == 200 and r.json()["kind_label"] == "国有企业"
    r = officer.post(f"{BASE}/units/{pk}/deactivate/", {"on": "2020-01-01"}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    r = officer.post(
        f"{BASE}/units/{pk}/deactivate/", {"on": "2020-01-01", "reason": "撤并"}, format="json"
    )
    assert r.status_code == 200 and r.json()["active"] is False
    r = officer.post(f"{BASE}/units/{pk}/members/", {"username": "nobody"}, format="json")
    assert r.json()["members"] == ["nobody"]


def test_a_township_office_sees_the_unit_but_may_not_change_it(world: World) -> None:
    pk = _unit(world)
    pairing_village_create(
        unit=HelpingUnit.objects.get(pk=pk),
        village=world.household.village,
        start=dt.date(2016, 1, 1),
        actor="t",
    )
    r = _api(world, "township_officer").patch(f"{BASE}/units/{pk}/", {"name": "改"}, format="json")
    assert r.status_code == 403 and "扶贫部门" in r.json()["detail"]
    assert HelpingUnit.objects.get(pk=pk).name == "甘肃省财政厅"


def test_village_pairings_are_made_ended_and_visited_again(world: World) -> None:
    officer = _api(world, "county_officer")
    unit = _unit(world)
    village = world.household.village.code
    r = officer.post(
        f"{BASE}/village-pairings/",
        {"unit": unit, "village": village, "start": "2016-01-01"},
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    neighbour = _api(world, "neighbour_officer")
    r = neighbour.post(
        f"{BASE}/village-pairings/{pk}/end/", {"end": "2019-01-01", "reason": "x"}, format="json"
    )
    assert r.status_code == 404
    r = officer.post(
        f"{BASE}/village-pairings/{pk}/end/",
        {"end": "2019-01-01", "reason": "三年期满"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["end_reason"] == "三年期满"
    assert [y["year"] for y in r.json()["tracking"]] == [1, 2, 3]
    r = officer.post(
        f"{BASE}/village-pairings/{pk}/return-visits/",
        {"date": "2018-05-01", "visitors": "张三", "findings": "好"},
        format="json",
    )
    assert r.status_code == 400 and "不在跟踪联系期" in r.json()["detail"]
    r = officer.post(
        f"{BASE}/village-pairings/{pk}/return-visits/",
        {"date": "2019-05-01", "visitors": "张三", "findings": "合作社正常"},
        format="json",
    )
    assert r.status_code == 201
    assert ReturnVisit.objects.get().findings == "合作社正常"
    rows = officer.get(f"{BASE}/village-pairings/{pk}/return-visits/").json()
    assert [v["visitors"] for v in rows] == ["张三"]


def test_household_pairings_are_created_ended_and_handed_over(world: World) -> None:
    identify(world.other_household)
    make_cadre("周干部")
    make_cadre("吴干部")
    officer = _api(world, "county_officer")
    no = world.other_household.household_no
    r = _api(world, "neighbour_officer").post(
        f"{BASE}/pairings/",
        {"household": no, "cadre": "周干部", "start": "2018-01-01"},
        format="json",
    )
    assert r.status_code == 400 and "household" in r.json()
    r = officer.post(
        f"{BASE}/pairings/",
        {"household": no, "cadre": "nobody", "start": "2018-01-01"},
        format="json",
    )
    assert r.status_code == 400 and "不是帮扶责任人" in r.json()["cadre"][0]
    r = officer.post(
        f"{BASE}/pairings/",
        {"household": no, "cadre": "周干部", "start": "2018-01-01"},
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = officer.post(
        f"{BASE}/pairings/{pk}/handover/", {"cadre": "吴干部", "on": "2019-01-01"}, format="json"
    )
    assert r.status_code == 201 and r.json()["cadre"] == "吴干部"
    r = officer.post(
        f"{BASE}/pairings/{r.json()['id']}/end/",
        {"end": "2020-01-01", "reason": "户迁出"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["active"] is False
    rows = AuditEntry.objects.filter(model="HouseholdPairing", household=world.other_household)
    assert rows.count() == 4


def test_a_work_team_is_stationed_members_change_and_it_ends(world: World) -> None:
    officer = _api(world, "county_officer")
    r = officer.post(
        f"{BASE}/work-teams/",
        {
            "village": world.household.village.code,
            "start": "2018-01-01",
            "members": [{"name": "赵队长", "role": "leader"}],
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    pk, leader = r.json()["id"], r.json()["members"][0]["id"]
    r = officer.post(
        f"{BASE}/work-teams/{pk}/join/",
        {"name": "钱书记", "role": "first_secretary", "start": "2018-03-01"},
        format="json",
    )
    assert r.status_code == 201
    assert [m["role_label"] for m in r.json()["members"]] == ["第一书记", "队长"]
    r = officer.post(
        f"{BASE}/work-teams/{pk}/leave/", {"member": leader, "end": "2019-01-01"}, format="json"
    )
    assert r.status_code == 200
    r = _api(world, "township_officer").post(
        f"{BASE}/work-teams/{pk}/end/", {"end": "2020-01-01", "reason": "轮换"}, format="json"
    )
    assert r.status_code == 403
    r = officer.post(
        f"{BASE}/work-teams/{pk}/end/", {"end": "2020-01-01", "reason": "轮换"}, format="json"
    )
    assert r.status_code == 200 and r.json()["end"] == "2020-01-01"


def test_a_project_is_created_funded_given_beneficiaries_and_progress(world: World) -> None:
    identify(world.household)
    officer = _api(world, "county_officer")
    r = officer.post(
        f"{BASE}/projects/",
        {
            "name": "东街村饮水工程",
            "region": world.household.village.code,
            "kind": "industry",
            "year": 2018,
            "funds": {"central": "50000", "bogus": "1"},
        },
        format="json",
    )
    assert r.status_code == 400 and "未知的资金来源：bogus" in r.json()["funds"][0]
    r = officer.post(
        f"{BASE}/projects/",
        {
            "name": "东街村饮水工程",
            "region": world.household.village.code,
            "kind": "industry",
            "year": 2018,
            "funds": {"central": "50000"},
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert (
        _api(world, "neighbour_officer").patch(f"{BASE}/projects/{pk}/", {"year": 2019}).status_code
        == 404
    )
    r = officer.patch(f"{BASE}/projects/{pk}/", {"year": 2019}, format="json")
    assert r.json()["year"] == 2019
    r = officer.post(f"{BASE}/projects/{pk}/funds/", {"source": "donation", "amount": "100"})
    assert r.json()["total"] == "50100.00"
    no = world.household.household_no
    r = officer.post(f"{BASE}/projects/{pk}/beneficiaries/", {"household": no, "amount": "300"})
    assert r.status_code == 201 and [b["household"] for b in r.json()["beneficiaries"]] == [no]
    r = officer.post(f"{BASE}/projects/{pk}/beneficiaries/remove/", {"household": no})
    assert r.status_code == 400 and "reason" in r.json()
    r = officer.post(
        f"{BASE}/projects/{pk}/beneficiaries/remove/", {"household": no, "reason": "重复"}
    )
    assert r.json()["beneficiaries"] == []
    r = officer.post(f"{BASE}/projects/{pk}/progress/", {"progress": 60})
    assert r.status_code == 200 and r.json()["progress"] == 60
