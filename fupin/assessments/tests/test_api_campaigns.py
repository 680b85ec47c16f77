"""The REST API's first steps: `POST /api/campaigns/` and `/api/campaigns/{id}/draws/`."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.models import Campaign, Draw
from fupin.assessments.services import campaign_transition
from fupin.assessments.tests.conftest import make_user
from fupin.assessments.tests.test_draw_services import county_world
from fupin.regions.models import Region
from fupin.regions.services import regions_load_poverty_counties

pytestmark = pytest.mark.django_db

BODY = {
    "kind": "county_exit_assessment",
    "year": 2020,
    "name": "岷县退出专项评估",
    "scope": ["岷县"],
    "sampling": {
        "county_rate": 1,
        "villages_per_county": 4,
        "poor_village_share": 0.5,
        "households_per_stratum": {"exited": 3, "poor": 2, "non_registered": 3},
    },
    "starts_on": "2020-09-01",
}


@pytest.fixture
def minxian(gansu_village):
    Region.objects.get(code="621126100001").delete()
    Region.objects.get(code="621126100000").delete()
    return county_world()


def client_of(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_working_group_creates_a_campaign(minxian: Any):
    wg = make_user("wg", Role.WORKING_GROUP)
    response = client_of(wg).post("/api/campaigns/", BODY, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    campaign = Campaign.objects.get(pk=data["id"])
    assert data["scope"] == ["621126000000"] and data["status"] == "draft"
    assert campaign.sampling["villages_per_county"] == 4
    assert campaign.sampling["village_method"] == "pps"  # left out: the default
    assert campaign.sampling["households_per_stratum"]["non_registered"] == 3
    assert data["thresholds"]  # copied from the policy table
    assert Membership.objects.filter(user=wg, role="working_group", campaign=campaign).exists()
    assert AuditEntry.objects.filter(model="Campaign", object_key=str(campaign.pk)).exists()


def test_bad_settings_are_refused_naming_the_field(minxian: Any):
    wg = make_user("wg", Role.WORKING_GROUP)
    client = client_of(wg)
    bad = {**BODY, "sampling": {"county_rate": 1.5, "poor_village_share": -0.1}}
    response = client.post("/api/campaigns/", bad, format="json")
    assert response.status_code == 400
    errors = response.json()["sampling"]
    assert "县抽样比例须在 0 到 1 之间" in errors["county_rate"][0]
    assert "贫困村占比须在 0 到 1 之间" in errors["poor_village_share"][0]
    response = client.post("/api/campaigns/", {**BODY, "scope": ["火星县"]}, format="json")
    assert response.status_code == 400
    assert "“火星县”不是已登记的省或县" in response.json()["scope"][0]
    response = client.post("/api/campaigns/", {**BODY, "ends_on": "2020-01-01"}, format="json")
    assert response.status_code == 400 and "结束日期早于开始日期" in str(response.json())
    assert not Campaign.objects.exists()


def test_others_may_not_create(minxian: Any):
    enumerator = make_user("e", Role.ENUMERATOR)
    response = client_of(enumerator).post("/api/campaigns/", BODY, format="json")
    assert response.status_code == 403
    assert "只有评估工作组成员或省扶贫办" in response.json()["detail"]
    assert APIClient().post("/api/campaigns/", BODY, format="json").status_code in (401, 403)
    assert not Campaign.objects.exists()


def test_draw_villages_and_households_and_redraw(minxian: Any):
    wg = make_user("wg", Role.WORKING_GROUP)
    client = client_of(wg)
    campaign_id = client.post("/api/campaigns/", BODY, format="json").json()["id"]
    url = f"/api/campaigns/{campaign_id}/draws/"
    response = client.post(url, {"level": "village_household", "county": "621126"}, format="json")
    assert response.status_code == 409 and "草拟" in response.json()["detail"]
    campaign_transition(campaign=Campaign.objects.get(pk=campaign_id), to="sampling", user=wg)

    response = client.post(url, {"level": "village_household"}, format="json")
    assert response.status_code == 400 and "须指定县" in response.json()["county"][0]
    response = client.post(url, {"level": "county"}, format="json")
    assert response.status_code == 409 and "县抽样比例为 1" in response.json()["detail"]

    response = client.post(
        url, {"level": "village_household", "county": "621126", "seed": 5}, format="json"
    )
    assert response.status_code == 201, response.json()
    village, household = response.json()
    assert village["level"] == "village" and household["level"] == "household"
    assert village["seed"] == "5" and len(village["items"]) == 4
    assert household["parent"] == village["id"]
    assert {i["stratum"] for i in household["items"]} >= {"exited", "poor", "nonregistered"}

    listed = client.get(url).json()
    assert [d["level"] for d in listed] == ["household", "village"]
    assert all(d["items"] is None for d in listed)  # households only per county
    one = client.get(url, {"county": "621126"}).json()
    assert len(one) == 2 and all(d["items"] for d in one)

    response = client.post(url, {"level": "village_household", "county": "621126"}, format="json")
    assert response.status_code == 400 and "重抽须填写重抽原因" in response.json()["reason"][0]
    response = client.post(
        url,
        {"level": "village_household", "county": "621126", "reason": "村道中断"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()[0]["supersedes"] == village["id"]
    assert Draw.objects.count() == 4

    response = client.post(url, {"level": "village_household", "county": "621125"}, format="json")
    assert response.status_code == 400 and "不在本任务评估范围之内" in response.json()["county"][0]
    response = client.post(url, {"level": "village_household", "county": "999999"}, format="json")
    assert response.status_code == 400 and "不是已登记的县" in response.json()["county"][0]


def test_only_the_working_group_draws_and_others_get_404(minxian: Any):
    wg = make_user("wg", Role.WORKING_GROUP)
    campaign_id = client_of(wg).post("/api/campaigns/", BODY, format="json").json()["id"]
    campaign = Campaign.objects.get(pk=campaign_id)
    campaign_transition(campaign=campaign, to="sampling", user=wg)
    staff = make_user("dept")
    Membership.objects.create(user=staff, role=Role.DEPARTMENT, campaign=campaign)
    url = f"/api/campaigns/{campaign_id}/draws/"
    response = client_of(staff).post(
        url, {"level": "village_household", "county": "621126"}, format="json"
    )
    assert response.status_code == 403
    assert client_of(staff).get(url).status_code == 200
    stranger = make_user("stranger", Role.ENUMERATOR)
    assert client_of(stranger).get(url).status_code == 404
    assert not Draw.objects.exists()


def test_the_2019_spot_check_through_the_api(db: Any):
    regions_load_poverty_counties()
    wg = make_user("wg", Role.WORKING_GROUP)
    client = client_of(wg)
    provinces = list(
        Region.objects.filter(level="province").order_by("code").values_list("name", flat=True)
    )
    response = client.post(
        "/api/campaigns/",
        {
            "kind": "central_spot_check",
            "year": 2018,
            "name": "2019 年贫困县退出抽查",
            "scope": provinces,
            "sampling": {"county_rate": 0.2},
        },
        format="json",
    )
    assert response.status_code == 201
    campaign = Campaign.objects.get(pk=response.json()["id"])
    campaign_transition(campaign=campaign, to="sampling", user=wg)
    response = client.post(
        f"/api/campaigns/{campaign.pk}/draws/", {"level": "county", "seed": 2019}, format="json"
    )
    assert response.status_code == 201
    (draw,) = response.json()
    assert draw["frame_size"] == 283 and len(draw["items"]) == 60
    assert len({i["stratum"] for i in draw["items"]}) == 22  # every province covered
    assert sum(a["frame"] for a in draw["parameters"]["allocation"]) == 283
