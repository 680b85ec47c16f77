"""The offices' help pages: the county office pairs, ends and records in the browser's forms; the
neighbouring county's office gets 404 and a township office may read but not post (403); refusals
show the page again with the reason and the typed values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from fupin.assistance.models import HelpingUnit, ReturnVisit, VillagePairing, WorkTeam
from fupin.assistance.services import pairing_village_create
from fupin.assistance.services_manage import unit_create
from fupin.assistance.tests.conftest import identify, make_cadre
from fupin.regions.models import Region
from fupin.testing.worlds import COUNTY, World

pytestmark = pytest.mark.django_db


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def _unit(world: World) -> HelpingUnit:
    return unit_create(
        name="甘肃省财政厅", kind="government", region=Region.objects.get(code=COUNTY), actor="t"
    )


def test_the_county_office_registers_a_unit_on_the_units_page(world: World) -> None:
    client = _client(world, "county_officer")
    county = Region.objects.get(code=COUNTY)
    r = client.post(
        reverse("assistance:units"),
        {"action": "create", "name": "兰州大学", "kind": "university", "region": county.pk},
    )
    unit = HelpingUnit.objects.get(name="兰州大学")
    assert r.status_code == 302 and r["Location"] == reverse("assistance:unit", args=[unit.pk])
    html = client.get(r["Location"]).content.decode()
    assert "高校" in html and "岷县" in html and ">university<" not in html


def test_a_refused_deactivation_shows_the_reason_and_keeps_the_input(world: World) -> None:
    unit = _unit(world)
    pairing_village_create(
        unit=unit, village=world.household.village, start=dt.date(2016, 1, 1), actor="t"
    )
    client = _client(world, "county_officer")
    url = reverse("assistance:unit", args=[unit.pk])
    r = client.post(url, {"action": "deactivate", "on": "2020-01-01", "reason": "机构撤并"})
    assert r.status_code == 400 and "确认停用该帮扶单位" in r.content.decode()  # unconfirmed
    r = client.post(
        url, {"action": "deactivate", "on": "2020-01-01", "reason": "机构撤并", "confirm": "on"}
    )
    html = r.content.decode()
    assert r.status_code == 400 and "仍在结对帮扶 东街村" in html and "机构撤并" in html
    unit.refresh_from_db()
    assert unit.active


def test_the_neighbour_gets_404_and_a_township_office_may_not_post(world: World) -> None:
    unit = _unit(world)
    pairing = pairing_village_create(
        unit=unit, village=world.household.village, start=dt.date(2016, 1, 1), actor="t"
    )
    url = reverse("assistance:village_pairing", args=[pairing.pk])
    assert _client(world, "neighbour_officer").get(url).status_code == 404
    township = _client(world, "township_officer")
    html = township.get(url).content.decode()
    assert "甘肃省财政厅" in html and 'value="end"' not in html
    r = township.post(url, {"action": "end", "end": "2019-01-01", "reason": "x", "confirm": "on"})
    assert r.status_code == 403
    assert VillagePairing.objects.get().end is None


def test_the_county_office_pairs_ends_and_records_a_return_visit(world: World) -> None:
    unit = _unit(world)
    client = _client(world, "county_officer")
    url = reverse("assistance:region_pairings", args=[COUNTY])
    r = client.post(
        url,
        {
            "action": "village_pair",
            "unit": unit.pk,
            "village": world.household.village.pk,
            "start": "2016-01-01",
        },
    )
    pairing = VillagePairing.objects.get()
    assert r["Location"] == reverse("assistance:village_pairing", args=[pairing.pk])
    page = reverse("assistance:village_pairing", args=[pairing.pk])
    r = client.post(page, {"action": "end", "end": "2019-01-01", "reason": "三年期满"})
    assert r.status_code == 400  # not confirmed
    client.post(page, {"action": "end", "end": "2019-01-01", "reason": "三年期满", "confirm": "on"})
    pairing.refresh_from_db()
    assert pairing.end == dt.date(2019, 1, 1)
    client.post(
        page,
        {"action": "visit", "date": "2019-09-01", "visitors": "张三", "findings": "合作社分红"},
    )
    html = client.get(page).content.decode()
    assert "至 2022-01-01 止" in html and "合作社分红" in html
    assert "在跟踪联系第2年（2020-01-01 至 2020-12-31）没有到东街村回头看" in html
    assert ReturnVisit.objects.count() == 1


def test_a_cadre_pairing_is_made_and_handed_over_on_the_pages(world: World) -> None:
    identify(world.other_household)
    zhou, wu = make_cadre("周干部"), make_cadre("吴干部")
    client = _client(world, "county_officer")
    url = reverse("assistance:region_pairings", args=[COUNTY])
    r = client.post(
        url,
        {
            "action": "household_pair",
            "household_no": "9999",
            "cadre": zhou.pk,
            "start": "2018-01-01",
        },
    )
    assert r.status_code == 400 and "户编号：9999 不存在" in r.content.decode()
    r = client.post(
        url,
        {
            "action": "household_pair",
            "household_no": world.other_household.household_no,
            "cadre": zhou.pk,
            "start": "2018-01-01",
        },
    )
    assert r.status_code == 302
    r = client.post(
        r["Location"], {"action": "handover", "cadre": wu.pk, "on": "2019-01-01", "confirm": "on"}
    )
    html = client.get(r["Location"]).content.decode()
    assert "吴干部" in html and "周干部" in html and "更换帮扶责任人" in html


def test_a_work_team_is_stationed_joined_and_withdrawn(world: World) -> None:
    client = _client(world, "county_officer")
    r = client.post(
        reverse("assistance:region_pairings", args=[COUNTY]),
        {
            "action": "team_create",
            "village": world.household.village.pk,
            "start": "2018-01-01",
            "leader": "赵队长",
        },
    )
    team = WorkTeam.objects.get()
    page = reverse("assistance:work_team", args=[team.pk])
    assert r["Location"] == page
    client.post(
        page, {"action": "join", "name": "钱书记", "role": "first_secretary", "start": "2018-02-01"}
    )
    client.post(page, {"action": "end", "end": "2020-01-01", "reason": "轮换", "confirm": "on"})
    html = client.get(page).content.decode()
    assert "第一书记" in html and "已撤离" in html and "first_secretary" not in html


def test_a_project_is_created_and_managed_on_the_pages(world: World) -> None:
    identify(world.household)
    client = _client(world, "county_officer")
    village = world.household.village
    r = client.post(
        reverse("assistance:project_new", args=[village.code]),
        {
            "action": "create",
            "name": "东街村养殖合作社",
            "region": village.pk,
            "kind": "industry",
            "year": 2018,
            "fund_central": "20000",
        },
    )
    assert r.status_code == 302, r.content.decode()
    page = r["Location"]
    no = world.household.household_no
    client.post(page, {"action": "beneficiary_add", "household_no": no, "amount": "500"})
    client.post(page, {"action": "progress", "progress": "40"})
    html = client.get(page).content.decode()
    assert '<td class="num">20,000</td>' in html
    assert no in html and "40%" in html
    r = client.post(
        page,
        {"action": "beneficiary_remove", "household_no": no, "reason": "重复", "confirm": "on"},
    )
    assert r.status_code == 302 and no not in client.get(page).content.decode()
    assert _client(world, "neighbour_officer").get(page).status_code == 404
