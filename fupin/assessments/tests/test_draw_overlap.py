"""The rule across campaigns (issue #17 item 6): the counties the cross-assessment, the third-party
assessment and the fiscal-fund evaluation of a year sample do not overlap unless the working group
records why: left out of the frame by default, allowed only with a reason stored and audited."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry, Role
from fupin.assessments.models import Draw
from fupin.assessments.models.campaigns import default_sampling
from fupin.assessments.services import (
    AssessmentError,
    campaign_create,
    campaign_transition,
    counties_draw,
    draw_record,
)
from fupin.assessments.tests.conftest import make_user

pytestmark = pytest.mark.django_db


def campaign(kind: str, user, name: str, year: int = 2019):
    c = campaign_create(
        kind=kind,
        year=year,
        name=name,
        scope=["620000000000"],
        sampling={**default_sampling(), "county_rate": 0.1, "min_counties_per_province": 1},
        user=user,
    )
    campaign_transition(campaign=c, to="sampling", user=None, actor="test")
    c.refresh_from_db()
    return c


@pytest.fixture
def wg(gansu_village):
    return make_user("wg", Role.WORKING_GROUP)


@pytest.fixture
def third_party(wg):
    """The 2019 third-party assessment of Gansu, its counties drawn."""
    c = campaign("third_party_assessment", wg, "2019 年第三方评估")
    counties_draw(c, user=wg, seed=1)
    return c


def codes(draw: Draw) -> set[str]:
    return set(draw.items.values_list("unit_key", flat=True))


def test_another_kind_of_the_year_leaves_the_sampled_counties_out_of_its_frame(third_party, wg):
    taken = codes(Draw.objects.get(campaign=third_party))
    full = Draw.objects.get(campaign=third_party).frame_size
    cross = campaign("cross_assessment", wg, "2019 年省际交叉考核")
    draw = counties_draw(cross, user=wg, seed=1)
    assert draw.frame_size == full - len(taken)
    assert not codes(draw) & taken
    excluded = draw.parameters["overlap_excluded"]
    assert {c["code"] + "000000" for c in excluded} == taken
    assert all(c["campaigns"] == ["2019 年第三方评估"] for c in excluded)
    assert "已剔除同年其他考核抽中的" in draw.frame_description
    # Another year, or a kind outside the three, is not concerned.
    later = counties_draw(campaign("cross_assessment", wg, "2020 年交叉", year=2020), user=wg)
    provincial = counties_draw(campaign("provincial_performance", wg, "2019 年省级考核"), user=wg)
    assert later.frame_size == provincial.frame_size == full


def test_allowing_the_overlap_needs_a_reason_stored_with_the_draw_and_audited(third_party, wg):
    taken = codes(Draw.objects.get(campaign=third_party))
    fiscal = campaign("fiscal_fund_evaluation", wg, "2019 年财政资金绩效评价")
    with pytest.raises(AssessmentError, match="须填写原因"):
        counties_draw(fiscal, user=wg, allow_overlap=True)
    assert not Draw.objects.filter(campaign=fiscal).exists()
    draw = counties_draw(
        fiscal, user=wg, seed=1, allow_overlap=True, overlap_reason="该省仅此几县有专项资金"
    )
    assert draw.frame_size == Draw.objects.get(campaign=third_party).frame_size
    assert draw.parameters["overlap"]["reason"] == "该省仅此几县有专项资金"
    assert set(draw.parameters["overlap"]["counties"]) == codes(draw) & taken
    audit = AuditEntry.objects.filter(action=AuditEntry.Action.CREATE).latest("id")
    assert "该省仅此几县有专项资金" in audit.note
    assert audit.after["overlap"]["reason"] == "该省仅此几县有专项资金"


def test_a_county_recorded_by_hand_that_overlaps_needs_a_reason(third_party, wg):
    taken = sorted(codes(Draw.objects.get(campaign=third_party)))
    cross = campaign("cross_assessment", wg, "2019 年省际交叉考核")
    manual = {
        "level": "county",
        "seed": "0",
        "method": "manual",
        "frame_keys": taken,
        "items": [{"unit_key": taken[0], "inclusion_probability": 1.0}],
    }
    with pytest.raises(AssessmentError, match="2019 年第三方评估"):
        draw_record(campaign=cross, user=wg, **manual)
    draw = draw_record(campaign=cross, user=wg, overlap_reason="交叉考核须覆盖该县", **manual)
    assert draw.parameters["overlap"]["counties"] == {taken[0]: ["2019 年第三方评估"]}


def test_the_draw_page_and_api_show_the_overlap_and_refuse_it_without_a_reason(
    client, third_party, wg
):
    taken = codes(Draw.objects.get(campaign=third_party))
    cross = campaign("cross_assessment", wg, "2019 年省际交叉考核")
    client.force_login(wg)
    page = client.get(f"/assessments/{cross.pk}/draws/").content.decode()
    assert 'id="frame-overlap"' in page and "2019 年第三方评估" in page
    r = client.post(f"/assessments/{cross.pk}/draws/counties/", {"allow_overlap": "1"})
    assert r.status_code == 409 and "允许与同年其他抽样重叠须填写原因" in r.content.decode()
    assert not Draw.objects.filter(campaign=cross).exists()
    # The API: a member of another campaign's working group may not; no reason, refused by field.
    api = APIClient()
    api.force_authenticate(make_user("other", Role.WORKING_GROUP))
    url = f"/api/campaigns/{cross.pk}/draws/"
    assert api.post(url, {"level": "county"}, format="json").status_code in (403, 404)
    api.force_authenticate(wg)
    r = api.post(url, {"level": "county", "allow_overlap": True}, format="json")
    assert r.status_code == 400 and "overlap_reason" in r.json()
    r = api.post(
        url,
        {"level": "county", "allow_overlap": True, "overlap_reason": "同一县须两项考核", "seed": 1},
        format="json",
    )
    assert r.status_code == 201, r.content
    items = r.json()[0]["items"]
    both = {i["unit"] for i in items if i["also_sampled_by"] == ["2019 年第三方评估"]}
    assert both == {i["unit"] for i in items} & taken
    page = client.get(f"/assessments/{cross.pk}/draws/").content.decode()
    assert "同年其他考核也抽中" in page and "同一县须两项考核" in page
    for code in both:
        row = page.split(f'<tr data-county="{code[:6]}">')[1].split("</tr>")[0]
        assert "2019 年第三方评估" in row
