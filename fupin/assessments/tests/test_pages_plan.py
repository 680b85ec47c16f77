"""The sample-size planner on a campaign: the plan in Chinese, errors naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import body, scoped
from fupin.stats.planning import plan_sample

pytestmark = pytest.mark.django_db

QUERY = {
    "wrong_exit_rate": "0.02",
    "missed_rate": "0.02",
    "exited_households": "2400",
    "nonregistered_households": "6000",
    "villages": "60",
    "half_width": "0.01",
    "per_village": "30",
}


@pytest.fixture
def w(world: World) -> World:
    return scoped(world)


def test_the_working_group_gets_households_villages_and_the_expected_interval(
    client: Any, w: World
):
    client.force_login(w.working_group)
    detail = body(client.get(f"/assessments/{w.campaign.pk}/"))
    assert f"/assessments/{w.campaign.pk}/plan/" in detail
    empty = client.get(f"/assessments/{w.campaign.pk}/plan/")
    assert empty.status_code == 200 and "为什么每个县要抽取1000户左右" in body(empty)
    response = client.get(f"/assessments/{w.campaign.pk}/plan/", QUERY)
    assert response.status_code == 200
    page = body(response)
    want = plan_sample(
        rates={"exited": 0.02, "non_registered": 0.02},
        populations={"exited": 2400, "non_registered": 6000},
        villages_in_county=60,
    )
    assert f"抽取 {want.villages} 个村，共 {want.households} 户" in page
    assert "已脱贫户（错退率）" in page and "非建档立卡户（漏评率）" in page
    assert "exited" not in page.replace('name="exited_households"', "").replace(
        'id="id_exited_households"', ""
    ).replace('for="id_exited_households"', "")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("villages", "0", "“全县行政村数”不能小于 1"),
        ("half_width", "abc", "“目标精度：95%置信区间半宽”须为数值"),
        ("exited_households", "", "请填写“全县已脱贫户数”"),
    ],
)
def test_bad_input_names_the_field_in_chinese(
    client: Any, w: World, field: str, value: str, message: str
):
    client.force_login(w.working_group)
    response = client.get(f"/assessments/{w.campaign.pk}/plan/", {**QUERY, field: value})
    assert response.status_code == 400
    assert message in body(response)


def test_an_office_that_cannot_see_the_campaign_gets_404(client: Any, w: World):
    client.force_login(w.county_officer)  # offices see a campaign only once it is decided
    assert client.get(f"/assessments/{w.campaign.pk}/plan/", QUERY).status_code == 404
