"""The working group creates a campaign by the web form and draws its sample by buttons."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fupin.accounts.models import Membership, Role
from fupin.assessments.models import Campaign, Draw
from fupin.assessments.services import campaign_transition
from fupin.assessments.tests.conftest import make_user
from fupin.assessments.tests.test_draw_services import county_world
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db

GOOD = {
    "kind": "county_exit_assessment",
    "year": "2020",
    "name": "岷县退出专项评估",
    "scope": "岷县",
    "starts_on": "2020-09-01",
    "ends_on": "2020-09-30",
    "county_rate": "1",
    "min_counties_per_province": "1",
    "villages_per_county": "4",
    "poor_village_share": "0.5",
    "village_method": "pps",
    "exited": "3",
    "poor": "2",
    "non_registered": "3",
    "at_risk_in_full": "on",
    "explain_window_hours": "24",
}


def body(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def minxian(gansu_village):
    Region.objects.get(code="621126100001").delete()
    Region.objects.get(code="621126100000").delete()
    return county_world()


@pytest.fixture
def wg(db):
    return make_user("wg", Role.WORKING_GROUP)


def field_error(page: str, field: str) -> str:
    found = re.search(rf'id="id_{field}_error"[^>]*>([^<]*)<', page)
    return found.group(1) if found else ""


def test_the_form_is_labelled_in_chinese(client: Any, wg: Any, gansu_village: Any):
    client.force_login(wg)
    page = body(client.get("/assessments/new/"))
    for label in (
        "评估类型",
        "评估范围",
        "县抽样比例",
        "每县抽取村数",
        "贫困村占比",
        "重点户全覆盖",
    ):
        assert label in page
    assert "与规模成比例抽样" in page and "简单随机抽样" in page
    assert ">pps<" not in page and ">srs<" not in page
    assert 'value="0.65"' in page  # the default settings filled in


def test_bad_settings_are_refused_next_to_their_field_and_nothing_is_created(
    client: Any, wg: Any, gansu_village: Any
):
    client.force_login(wg)
    bad = {**GOOD, "county_rate": "1.5", "exited": "-1", "poor_village_share": "abc"}
    response = client.post("/assessments/new/", bad)
    assert response.status_code == 400
    page = body(response)
    assert "县抽样比例须在 0 到 1 之间" in field_error(page, "county_rate")
    assert "每层抽取户数须为非负整数" in field_error(page, "exited")
    assert field_error(page, "poor_village_share")  # not a number
    assert field_error(page, "villages_per_county") == ""
    assert not Campaign.objects.exists()


def test_an_unknown_county_in_the_scope_is_named(client: Any, wg: Any, gansu_village: Any):
    client.force_login(wg)
    response = client.post("/assessments/new/", {**GOOD, "scope": "岷县、火星县"})
    assert response.status_code == 400
    assert "“火星县”不是已登记的省或县" in field_error(body(response), "scope")
    response = client.post(
        "/assessments/new/", {**GOOD, "starts_on": "2020-10-01", "ends_on": "2020-09-01"}
    )
    assert "结束日期早于开始日期" in field_error(body(response), "ends_on")
    assert not Campaign.objects.exists()


def test_only_the_working_group_or_a_province_office_may_create(client: Any, gansu_village: Any):
    enumerator = make_user("e", Role.ENUMERATOR)
    client.force_login(enumerator)
    response = client.get("/assessments/new/")
    assert response.status_code == 403
    assert "只有评估工作组成员或省扶贫办可以创建评估任务" in body(response)
    assert client.post("/assessments/new/", GOOD).status_code == 403
    assert not Campaign.objects.exists()


def test_a_province_office_is_refused_a_scope_outside_its_province(client: Any, gansu_village: Any):
    office = make_user("office")
    Membership.objects.create(
        user=office, role=Role.PROVINCE_OFFICE, region=Region.objects.get(code="620000000000")
    )
    client.force_login(office)
    from fupin.regions.services import regions_load_poverty_counties

    regions_load_poverty_counties(provinces={"宁夏回族自治区"})
    response = client.post("/assessments/new/", {**GOOD, "scope": "宁夏"})
    assert response.status_code == 400
    assert "不在本省之内" in field_error(body(response), "scope")
    response = client.post("/assessments/new/", {**GOOD, "scope": "甘肃"})
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert Membership.objects.filter(user=office, campaign=campaign, role="working_group").exists()


def test_create_then_draw_villages_and_households(client: Any, wg: Any, minxian: Any):
    client.force_login(wg)
    response = client.post("/assessments/new/", GOOD)
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.sampling["villages_per_county"] == 4
    assert campaign.sampling["households_per_stratum"] == {
        "exited": 3,
        "poor": 2,
        "non_registered": 3,
    }
    assert campaign.starts_on.isoformat() == "2020-09-01"
    detail = body(client.get(response["Location"]))
    assert f"/assessments/{campaign.pk}/draws/" in detail
    assert "与规模成比例抽样（按户数）" in detail  # the method, never the code

    # In draft: no button yet.
    page = body(client.get(f"/assessments/{campaign.pk}/draws/"))
    assert "抽取村和户</button>" not in page and "草拟状态" in page
    campaign_transition(campaign=campaign, to="sampling", user=wg)
    page = body(client.get(f"/assessments/{campaign.pk}/draws/"))
    assert "不抽县" in page and "抽取村和户</button>" in page

    response = client.post(f"/assessments/{campaign.pk}/draws/621126/", {"seed": "42"})
    assert response.status_code == 302
    page = body(client.get(response["Location"]))
    assert '<code id="seed">42</code>' in page
    assert "贫困村" in page and "非贫困村" in page and "重点户（全覆盖）" in page
    assert (
        '非建档立卡户</td><td class="num">80</td><td class="num">3</td><td class="num">12</td>'
        in page
    )
    assert "6211261000010001" in page or "62112610000" in page  # household numbers
    assert "与规模成比例抽样（按户数）" in page
    assert page.count("<tr><td>第") == 4  # four villages drawn, by name

    # A redraw without a reason is refused and writes nothing.
    response = client.post(f"/assessments/{campaign.pk}/draws/621126/", {"confirm": "1"})
    assert response.status_code == 409
    assert "重抽须填写重抽原因" in body(response)
    response = client.post(f"/assessments/{campaign.pk}/draws/621126/", {"reason": "道路中断"})
    assert response.status_code == 409 and "请勾选确认" in body(response)
    assert Draw.objects.count() == 2
    response = client.post(
        f"/assessments/{campaign.pk}/draws/621126/", {"reason": "道路中断", "confirm": "1"}
    )
    assert response.status_code == 302
    assert Draw.objects.count() == 4
    page = body(client.get(response["Location"]))
    assert "道路中断" in page and "本县抽样记录" in page


def test_an_enumerator_cannot_draw(client: Any, wg: Any, minxian: Any):
    client.force_login(wg)
    client.post("/assessments/new/", GOOD)
    campaign = Campaign.objects.get()
    campaign_transition(campaign=campaign, to="sampling", user=wg)
    other = make_user("other", Role.WORKING_GROUP)
    Membership.objects.filter(user=other).delete()
    Membership.objects.create(user=other, role=Role.DEPARTMENT, campaign=campaign)
    client.force_login(other)
    response = client.post(f"/assessments/{campaign.pk}/draws/621126/")
    assert response.status_code == 403
    assert "只有本任务的评估工作组成员可以抽样" in body(response)
    assert not Draw.objects.exists()


def test_the_spot_check_draws_counties_by_button(client: Any, wg: Any, db: Any):
    from fupin.regions.services import regions_load_poverty_counties

    regions_load_poverty_counties(provinces={"甘肃省", "宁夏回族自治区"})
    client.force_login(wg)
    response = client.post(
        "/assessments/new/",
        {
            **GOOD,
            "kind": "central_spot_check",
            "year": "2018",
            "scope": "甘肃 宁夏",
            "county_rate": "0.2",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    campaign_transition(campaign=campaign, to="sampling", user=wg)
    page = body(client.get(f"/assessments/{campaign.pk}/draws/"))
    assert "抽取县</button>" in page and "尚未抽县" in page
    response = client.post(f"/assessments/{campaign.pk}/draws/counties/", {"seed": "2019"})
    assert response.status_code == 302
    page = body(client.get(f"/assessments/{campaign.pk}/draws/"))
    draw = Draw.objects.get(level="county")
    assert draw.frame_size == 14 + 3  # Gansu's and Ningxia's counties that exited in 2018
    assert "甘肃省" in page and "宁夏回族自治区" in page
    assert "按省分层简单随机抽样" in page
    for code in draw.items.values_list("unit_key", flat=True):
        assert f'data-county="{code[:6]}"' in page
    # A redraw of the counties needs a reason.
    response = client.post(
        f"/assessments/{campaign.pk}/draws/counties/", {"confirm": "on", "reason": ""}
    )
    assert response.status_code == 409 and "重抽须填写重抽原因" in body(response)


def test_an_enumerator_never_sees_the_whole_county_sample(client: Any, world: Any):
    from rest_framework.test import APIClient

    from fupin.assessments.tests.pages_world import scoped

    w = scoped(world)
    pk = w.campaign.pk
    client.force_login(w.enumerator_user)
    assert client.get(f"/assessments/{pk}/").status_code == 200  # sees the campaign
    assert client.get(f"/assessments/{pk}/draws/621126/").status_code == 404
    api = APIClient()
    api.force_authenticate(w.enumerator_user)
    assert api.get(f"/api/campaigns/{pk}/draws/", {"county": "621126"}).status_code == 404
    client.force_login(w.working_group)
    response = client.get(f"/assessments/{pk}/draws/621126/")
    assert response.status_code == 200 and w.household.household_no in body(response)
    api.force_authenticate(w.working_group)
    units = [
        i["unit"]
        for d in api.get(f"/api/campaigns/{pk}/draws/", {"county": "621126"}).json()
        for i in d["items"]
    ]
    assert w.household.household_no in units
