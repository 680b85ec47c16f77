"""暗访: the working group draws 1–2 exited counties per province (recorded, replayable, a redraw
with a reason); the campaign's department staff enter findings for the drawn counties (a sampled
household's finding enters 五核 through problem_raise); the findings reach the 综合研判 page."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Draw, DrawLevel, ProblemStep, UnannouncedFinding
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.unannounced import (
    unannounced_counties,
    unannounced_counties_draw,
    unannounced_finding_enter,
    unannounced_findings_for,
)
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import ID_NUMBER, MASKED, body, scoped

pytestmark = pytest.mark.django_db

DAY = dt.date(2020, 6, 1)


def test_working_group_draws_one_county_per_province_recorded_and_replayable(world: World):
    w = scoped(world)  # scope: 岷县 (摘帽 2020) and 漳县 (2019), both in 甘肃省
    first = unannounced_counties_draw(campaign=w.campaign, user=w.working_group, seed=42)
    assert first.level == DrawLevel.UNANNOUNCED and first.frame_size == 2
    (item,) = first.items.all()
    assert item.inclusion_probability == 0.5 and item.stratum == "甘肃省"
    with pytest.raises(AssessmentError, match="重抽原因"):
        unannounced_counties_draw(campaign=w.campaign, user=w.working_group, seed=42)
    again = unannounced_counties_draw(
        campaign=w.campaign, user=w.working_group, seed=42, reason="核对种子"
    )
    assert again.supersedes == first and [i.unit_key for i in again.items.all()] == [item.unit_key]
    both = unannounced_counties_draw(
        campaign=w.campaign, user=w.working_group, per_province=2, reason="每省改抽两个"
    )
    assert {c.name for c in unannounced_counties(w.campaign)} == {"岷县", "漳县"}
    assert both.items.filter(certainty=True).count() == 2
    assert Draw.objects.filter(level=DrawLevel.UNANNOUNCED).count() == 3  # none edited
    assert AuditEntry.objects.filter(model__icontains="draw", note="每省改抽两个").exists()


@pytest.mark.parametrize("who", ["department", "lead_expert", "county_officer"])
def test_only_the_working_group_draws(world: World, who: str):
    w = scoped(world)
    with pytest.raises(AssessmentError, match="评估工作组"):
        unannounced_counties_draw(campaign=w.campaign, user=getattr(w, who))
    assert not Draw.objects.filter(level=DrawLevel.UNANNOUNCED).exists()


def test_a_finding_at_a_sampled_household_enters_five_checks(world: World):
    w = scoped(world)
    with pytest.raises(AssessmentError, match="尚未抽取暗访县"):
        unannounced_finding_enter(
            campaign=w.campaign, user=w.department, county="岷县", finding="x", visited_on=DAY
        )
    unannounced_counties_draw(campaign=w.campaign, user=w.working_group, per_province=2)
    entered = unannounced_finding_enter(
        campaign=w.campaign,
        user=w.department,
        county="621126",
        finding="房屋漏雨，未纳入危改",
        visited_on=DAY,
        household_key=ID_NUMBER,
    )
    assert entered.finding.household == w.household and entered.finding.visited_on == DAY
    problem = entered.problem
    assert problem is not None and problem.finding == entered.finding
    assert problem.status == "pending_initial" and problem.description.startswith("【暗访】")
    step = ProblemStep.objects.get(problem=problem)
    assert step.role == "department" and step.user == w.department
    county_level = unannounced_finding_enter(
        campaign=w.campaign, user=w.department, county="漳县", finding="村道未硬化", visited_on=DAY
    )
    assert county_level.problem is None
    assert AuditEntry.objects.filter(model__icontains="unannouncedfinding").count() == 2


def test_bad_input_names_the_field_and_writes_nothing(world: World):
    w = scoped(world)
    unannounced_counties_draw(campaign=w.campaign, user=w.working_group, seed=1)
    drawn = unannounced_counties(w.campaign)[0]
    other = "漳县" if drawn.name == "岷县" else "岷县"
    cases = [
        ({"county": other}, "“县”须为抽中的暗访县"),
        ({"finding": " "}, "发现问题"),
        ({"visited_on": dt.date.today() + dt.timedelta(days=2)}, "“暗访日期”不能晚于今天"),
        ({"household_key": "9999"}, "“户编号或身份证号”"),
    ]
    for change, message in cases:
        args = {"county": drawn.name, "finding": "发现", "visited_on": DAY, **change}
        with pytest.raises(AssessmentError, match=message):
            unannounced_finding_enter(campaign=w.campaign, user=w.department, **args)
    with pytest.raises(AssessmentError, match="部门人员"):
        unannounced_finding_enter(
            campaign=w.campaign,
            user=w.working_group,
            county=drawn.name,
            finding="x",
            visited_on=DAY,
        )
    assert not UnannouncedFinding.objects.exists()


def test_reads_working_group_all_department_own_others_none(world: World, django_user_model):
    w = scoped(world)
    unannounced_counties_draw(campaign=w.campaign, user=w.working_group, per_province=2)
    unannounced_finding_enter(
        campaign=w.campaign, user=w.department, county="岷县", finding="甲", visited_on=DAY
    )
    UnannouncedFinding.objects.create(campaign=w.campaign, county=w.county, finding="乙")
    assert unannounced_findings_for(w.working_group, w.campaign).count() == 2
    assert [f.finding for f in unannounced_findings_for(w.department, w.campaign)] == ["甲"]
    assert not unannounced_findings_for(w.enumerator_user, w.campaign).exists()
    assert not unannounced_findings_for(w.county_officer, w.campaign).exists()


def test_pages_api_and_the_judgement_page(client, world: World):
    w = scoped(world)
    page = f"/assessments/{w.campaign.pk}/unannounced/"
    api = f"/api/campaigns/{w.campaign.pk}/unannounced/"
    client.force_login(w.working_group)
    assert "暗访" in body(client.get(f"/assessments/{w.campaign.pk}/"))
    r = client.post(page + "draw/", {"per_province": "2", "seed": "7", "reason": ""})
    assert r.status_code == 302
    assert "岷县" in body(client.get(page)) and "重抽暗访县" in body(client.get(page))
    r = client.post(page + "draw/", {"per_province": "1", "seed": "", "reason": ""})
    assert r.status_code == 400 and "重抽原因" in body(r)
    assert client.post(page, {"county": "621126000000"}).status_code == 403

    client.force_login(w.department)
    r = client.post(page, {"county": "", "visited_on": "明天", "finding": ""})
    text = body(r)
    assert r.status_code == 400 and "请填写“暗访县”" in text and "“暗访日期”须为日期" in text
    r = client.post(
        page,
        {
            "county": "621126000000",
            "visited_on": "2020-06-01",
            "household_key": ID_NUMBER,
            "finding": "房屋漏雨",
        },
    )
    assert r.status_code == 302
    text = body(client.get(page))
    assert "房屋漏雨" in text and MASKED in text and ID_NUMBER not in text and "疑点问题 #" in text
    r = client.post(
        api,
        {"county": "漳县", "visited_on": "2020-06-02", "finding": "饮水不达标"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["county_name"] == "漳县"
    r = client.post(
        api, {"county": "漳县", "visited_on": "x", "finding": "y"}, content_type="application/json"
    )
    assert r.status_code == 400 and "暗访日期" in str(r.json())
    assert client.post(api + "draw/", {}, content_type="application/json").status_code == 403

    client.force_login(w.enumerator_user)
    assert client.get(api).status_code in (403, 404)
    assert client.post(
        api,
        {"county": "漳县", "visited_on": "2020-06-02", "finding": "z"},
        content_type="application/json",
    ).status_code in (403, 404)
    assert client.get(page).status_code in (403, 404)

    client.force_login(w.working_group)
    data = client.get(api).json()
    assert len(data["findings"]) == 2 and len(data["draw"]["counties"]) == 2
    assert {f["head_masked_id"] for f in data["findings"]} == {MASKED, ""}
    r = client.post(
        api + "draw/", {"per_province": 1, "reason": "复核"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["supersedes"] == data["draw"]["id"]
    judged = body(client.get(f"/assessments/{w.campaign.pk}/judgements/621126/"))
    assert "2020-06-01 房屋漏雨" in judged and "饮水不达标" not in judged
