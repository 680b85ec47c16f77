"""The assignments page: the working group runs the solver, changes it by hand, reads the history."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from fupin.accounts.models import Membership, Role
from fupin.assessments.models import Assignment, ExpertCounty
from fupin.assessments.services import assignment_current
from fupin.assessments.tests.assignment_world import AssignWorld, build_assign_world


@pytest.fixture
def w(db) -> AssignWorld:
    return build_assign_world()


def _url(w: AssignWorld) -> str:
    return reverse("assessments:assignments", args=[w.campaign.pk])


def _page(client: Any, w: AssignWorld) -> str:
    response = client.get(_url(w))
    assert response.status_code == 200
    return response.content.decode()


def test_the_working_group_runs_the_assignment_and_sees_the_teams(client: Any, w: AssignWorld):
    client.force_login(w.working_group)
    before = _page(client, w)
    assert "运行分派" in before and "尚未分派" in before
    response = client.post(_url(w), {"action": "run", "seed": "7"})
    assert response.status_code == 302
    html = _page(client, w)
    assert "已完成分派：随机种子 7" in html
    assert "最近一次自动分派的随机种子：7" in html
    run = Assignment.objects.get(campaign=w.campaign)
    for county in w.counties:
        assert county.name in html
    for row in ExpertCounty.objects.filter(assignment=run).select_related("expert"):
        assert row.expert.name in html
    assert "老队员" in html and "新队员" in html and "有经验" in html
    assert "求解器自动分派" in html and "现行" in html
    assert "OR-Tools" not in html.split('id="history"')[0]  # labels, not codes, above


def test_a_user_outside_the_working_group_is_refused(client: Any, w: AssignWorld):
    checker = User.objects.create_user(username="dept")
    Membership.objects.create(user=checker, role=Role.DEPARTMENT, campaign=w.campaign)
    client.force_login(checker)
    assert client.get(_url(w)).status_code == 403
    assert client.post(_url(w), {"action": "run", "seed": "1"}).status_code == 403
    client.force_login(w.outsider)  # the working group of another campaign
    assert client.post(_url(w), {"action": "run", "seed": "1"}).status_code in (403, 404)
    assert not Assignment.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client: Any, w: AssignWorld):
    response = client.get(_url(w))
    assert response.status_code == 302 and "login" in response["Location"]


def test_infeasibility_is_shown_in_an_error_box_by_rule_and_name(client: Any, db):
    w = build_assign_world(feasible=False)
    client.force_login(w.working_group)
    response = client.post(_url(w), {"action": "run", "seed": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "兰州大学" in html and "本省回避" in html and "宁夏大学" in html and "参评回避" in html
    assert not Assignment.objects.exists()


def test_a_bad_seed_is_refused_naming_the_field(client: Any, w: AssignWorld):
    client.force_login(w.working_group)
    response = client.post(_url(w), {"action": "run", "seed": "abc"})
    assert response.status_code == 409
    assert "随机种子须为非负整数" in response.content.decode()


def test_a_manual_change_breaking_a_rule_is_refused_and_a_valid_one_recorded(
    client: Any, w: AssignWorld
):
    client.force_login(w.working_group)
    client.post(_url(w), {"action": "run", "seed": "2"})
    minxian, ningxia = w.counties[0], w.counties[2]
    refused = client.post(
        _url(w),
        {
            "action": "expert",
            "expert": str(w.experts["甘老师"].pk),
            "to_county": minxian.code,
            "reason": "补充人手",
        },
    )
    assert refused.status_code == 409
    text = refused.content.decode()
    assert "甘老师" in text and "雇主省份回避" in text
    assert "补充人手" in text  # the form keeps what was typed
    assert Assignment.objects.count() == 1

    run = assignment_current(w.campaign, "expert")
    present = set(
        ExpertCounty.objects.filter(assignment=run, county=ningxia).values_list(
            "expert__name", flat=True
        )
    )
    name = next(n for n in ("专家甲", "专家乙", "专家丙", "专家丁") if n not in present)
    ok = client.post(
        _url(w),
        {
            "action": "expert",
            "expert": str(w.experts[name].pk),
            "to_county": ningxia.code,
            "reason": "加派一名专家",
        },
    )
    assert ok.status_code == 302
    html = _page(client, w)
    assert "专家分派已调整" in html
    assert (
        "人工调整" in html
        and "加派一名专家" in html
        and "已被替代" not in html.split("人工调整")[0]
    )
    assert Assignment.objects.count() == 2


def test_a_team_takes_over_another_teams_households(client: Any, w: AssignWorld):
    client.force_login(w.working_group)
    client.post(_url(w), {"action": "run", "seed": "4"})
    run = assignment_current(w.campaign, "team")
    rows = list(run.team_households.select_related("team", "household"))
    by_county: dict[str, list[int]] = {}
    for r in rows:
        teams = by_county.setdefault(r.household.household_no[:6], [])
        if r.team_id not in teams:
            teams.append(r.team_id)
    a, b = next(ts for ts in by_county.values() if len(ts) >= 2)[:2]
    response = client.post(
        _url(w),
        {"action": "team", "team": str(a), "source": str(b), "swap": "1", "reason": "对调"},
    )
    assert response.status_code == 302
    changed = assignment_current(w.campaign, "team")
    assert changed != run
    before = {r.household_id: r.team_id for r in rows}
    after = dict(changed.team_households.values_list("household_id", "team_id"))
    swapped = {a: b, b: a}
    assert after == {h: swapped.get(t, t) for h, t in before.items()}
