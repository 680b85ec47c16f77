"""The campaign page: settings, draws, assignments, fieldwork progress, history and moves."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant, working_group_add
from fupin.assessments.models import Campaign, CampaignTransition
from fupin.assessments.models.campaigns import default_sampling
from fupin.assessments.services import campaign_create, draw_record, submission_receive
from fupin.assessments.tests.conftest import World, new_client_id, payload
from fupin.assessments.tests.pages_world import body, decide, scoped

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world: World) -> World:
    return scoped(world)


def detail(w: World) -> str:
    return f"/assessments/{w.campaign.pk}/"


def test_the_working_group_sees_every_section(client: Any, w: World):
    submission_receive(
        campaign=w.campaign,
        client_id=new_client_id(),
        payload=payload(w.household),
        enumerator=w.mentor,
    )
    client.force_login(w.working_group)
    page = body(client.get(detail(w)))
    for heading in ("任务设置", "抽样记录", "人员分派", "实地调查进度", "问题核实", "任务流转记录"):
        assert heading in page
    assert "<code>7</code>" in page and str(2**70) in page  # the recorded seeds
    assert w.household_draw.frame_checksum[:12] in page
    assert "T01" in page and "李专家" in page and "华中科技大学" in page
    assert 'value="50"' in page and "50%" in page  # one of two sampled households received
    assert "每县抽取村数" in page and "群众认可度" in page
    assert "草拟" in page and "实地调查" in page  # the transition history


def test_a_redraw_is_shown_with_the_draw_it_superseded(client: Any, w: World):
    draw_record(
        campaign=w.campaign,
        level="household",
        county=w.county,
        seed=99,
        method="srs",
        frame_keys=[w.household.household_no, w.other_household.household_no],
        items=[{"unit_key": w.household.household_no, "inclusion_probability": 0.5}],
        supersedes=w.household_draw,
        reason="抽样框有误",
        actor="test",
    )
    client.force_login(w.working_group)
    page = body(client.get(detail(w)))
    assert "已被重抽替换" in page and "抽样框有误" in page and "<code>99</code>" in page
    assert page.count('class="superseded"') == 1


def test_the_working_group_moves_the_campaign_after_confirming(client: Any, w: World):
    client.force_login(w.working_group)
    url = f"/assessments/{w.campaign.pk}/status/verification/"
    assert f'href="{url}"' in body(client.get(detail(w)))
    confirm = client.get(url)
    assert confirm.status_code == 200 and "确认" in body(confirm)
    assert Campaign.objects.get(pk=w.campaign.pk).status == "fieldwork"  # a GET changes nothing
    response = client.post(url, {"opinion": ""})
    assert response.status_code == 302
    assert Campaign.objects.get(pk=w.campaign.pk).status == "verification"
    row = CampaignTransition.objects.filter(campaign=w.campaign).latest("id")
    assert (row.from_status, row.to_status, row.user) == (
        "fieldwork",
        "verification",
        w.working_group,
    )


def test_going_back_needs_a_reason(client: Any, w: World):
    client.force_login(w.working_group)
    client.post(f"/assessments/{w.campaign.pk}/status/verification/")
    url = f"/assessments/{w.campaign.pk}/status/fieldwork/"
    assert "必填" in body(client.get(url))
    response = client.post(url, {"opinion": ""})
    assert response.status_code == 409 and "须说明理由" in body(response)
    assert Campaign.objects.get(pk=w.campaign.pk).status == "verification"
    assert client.post(url, {"opinion": "跨阈值县定向复查"}).status_code == 302
    assert Campaign.objects.get(pk=w.campaign.pk).status == "fieldwork"


def test_others_see_no_move_button_and_a_forged_move_is_refused(client: Any, w: World):
    client.force_login(w.lead_expert)
    url = f"/assessments/{w.campaign.pk}/status/verification/"
    assert url not in body(client.get(detail(w)))
    response = client.post(url, {"opinion": "x"})
    assert response.status_code == 403 and "只有评估工作组成员" in body(response)
    assert Campaign.objects.get(pk=w.campaign.pk).status == "fieldwork"
    assert not CampaignTransition.objects.filter(
        campaign=w.campaign, to_status="verification"
    ).exists()


def test_a_move_the_table_does_not_allow_is_a_conflict(client: Any, w: World):
    client.force_login(w.working_group)
    response = client.post(f"/assessments/{w.campaign.pk}/status/closed/", {"opinion": "x"})
    assert response.status_code == 409 and "不能转为“已结束”" in body(response)
    assert client.get(f"/assessments/{w.campaign.pk}/status/nonsense/").status_code == 404


SETTINGS = {
    "county_rate": "0.3",
    "min_counties_per_province": "2",
    "villages_per_county": "20",
    "poor_village_share": "0.6",
    "village_method": "srs",
    "exited": "15",
    "poor": "5",
    "non_registered": "8",
    "at_risk_in_full": "on",
    "explain_window_hours": "48",
}


@pytest.fixture
def draft(w: World) -> Campaign:
    campaign = campaign_create(
        kind="county_exit_assessment", year=2021, name="草拟任务", scope=[w.county], actor="test"
    )
    working_group_add(campaign=campaign, user=w.working_group)
    membership_grant(user=w.department, role=Role.DEPARTMENT, campaign=campaign)
    return campaign


def test_the_working_group_edits_the_settings_of_a_draft(client: Any, w: World, draft: Campaign):
    client.force_login(w.working_group)
    assert 'name="villages_per_county"' in body(client.get(f"/assessments/{draft.pk}/"))
    response = client.post(f"/assessments/{draft.pk}/settings/", SETTINGS)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.sampling["villages_per_county"] == 20 and draft.sampling["village_method"] == "srs"
    assert draft.sampling["households_per_stratum"] == {
        "exited": 15,
        "poor": 5,
        "non_registered": 8,
    }
    assert draft.explain_window_hours == 48


def test_settings_are_refused_with_the_services_message(client: Any, w: World, draft: Campaign):
    client.force_login(w.working_group)
    response = client.post(f"/assessments/{draft.pk}/settings/", SETTINGS | {"county_rate": "1.5"})
    # Refused by the form (the same check, next to the field) before the service is called.
    assert response.status_code == 400 and "县抽样比例须在 0 到 1 之间" in body(response)
    client.force_login(w.department)  # sees the campaign, is not in the working-group role
    assert 'name="villages_per_county"' not in body(client.get(f"/assessments/{draft.pk}/"))
    response = client.post(f"/assessments/{draft.pk}/settings/", SETTINGS)
    assert response.status_code == 403 and "只有评估工作组成员可以修改任务设置" in body(response)
    client.force_login(w.working_group)
    response = client.post(f"/assessments/{w.campaign.pk}/settings/", SETTINGS)  # in fieldwork
    assert response.status_code == 409 and "只有草拟状态" in body(response)
    draft.refresh_from_db()
    assert draft.sampling == default_sampling()  # nothing was changed by the refused posts


def test_offices_see_the_campaign_only_once_decided_and_only_their_counties(client: Any, w: World):
    for user in (w.county_officer, w.neighbour_officer):
        client.force_login(user)
        assert client.get(detail(w)).status_code == 404
        assert w.campaign.name not in body(client.get("/assessments/"))
    decide(w)
    client.force_login(w.county_officer)
    page = body(client.get(detail(w)))
    assert "岷县" in page and "漳县" not in page
    assert f"/assessments/{w.campaign.pk}/counties/621126000000/" in page
    client.force_login(w.neighbour_officer)
    page = body(client.get(detail(w)))
    assert "漳县" in page and "岷县" not in page.replace(w.campaign.name, "")
    assert 'class="results"' not in page and "尚未计算结果" in page  # no figures of 岷县


def test_anonymous_is_sent_to_the_login_page(client: Any, w: World):
    for url in (detail(w), f"/assessments/{w.campaign.pk}/status/verification/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.post(f"/assessments/{w.campaign.pk}/status/verification/")
    assert Campaign.objects.get(pk=w.campaign.pk).status == "fieldwork"
