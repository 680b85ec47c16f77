"""The working group gives the verification roles of its campaign (五核): the lead expert of an
assigned county, the expert group, the department checkers — the service and the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.models import Expert, ExpertCounty
from fupin.assessments.services import (
    AssessmentError,
    assignment_current,
    assignment_run,
    campaign_role_end,
    campaign_role_grant,
    campaign_role_holders,
)
from fupin.assessments.tests.assignment_world import AssignWorld, build_assign_world


@pytest.fixture
def w(db) -> AssignWorld:
    world = build_assign_world()
    for name, expert in world.experts.items():
        expert.user = User.objects.create_user(username=f"expert-{expert.pk}", first_name=name)
        expert.save(update_fields=["user"])
    assignment_run(world.campaign, user=world.working_group, seed=7)
    return world


def _assigned(w: AssignWorld) -> list[Expert]:
    run = assignment_current(w.campaign, "expert")
    ids = ExpertCounty.objects.filter(assignment=run).values_list("expert_id", flat=True)
    return list(Expert.objects.filter(pk__in=ids).order_by("name"))


def _unassigned(w: AssignWorld) -> Expert:
    assigned = {e.pk for e in _assigned(w)}
    return next(e for e in w.experts.values() if e.exam_passed and e.pk not in assigned)


def test_the_working_group_gives_and_ends_the_three_roles(w: AssignWorld) -> None:
    lead, other = _assigned(w)[:2]
    group = _unassigned(w)
    checker = User.objects.create_user(username="dept-checker")
    made = campaign_role_grant(
        w.campaign, user=w.working_group, person=lead.user, role="lead_expert"
    )
    # The verification code reads the lead expert untied, with the county assignment.
    assert made.campaign is None and made.role == Role.LEAD_EXPERT
    campaign_role_grant(w.campaign, user=w.working_group, person=group.user, role="expert_group")
    campaign_role_grant(w.campaign, user=w.working_group, person=checker, role="department")
    assert Membership.objects.get(user=group.user, role=Role.EXPERT_GROUP).campaign == w.campaign
    assert Membership.objects.get(user=checker, role=Role.DEPARTMENT).campaign == w.campaign
    holders = campaign_role_holders(w.campaign)
    assert [(h.name, h.role_label) for h in holders] == [
        (lead.name, "带队专家"),
        (group.name, "专家组成员"),
        ("dept-checker", "部门核查人员"),
    ]
    assert holders[0].counties  # the lead expert's county
    granted = AuditEntry.objects.filter(user=w.working_group, model="Membership")
    assert granted.count() == 3
    # Ending: the department checker, then the lead expert.
    assert campaign_role_end(w.campaign, user=w.working_group, person=checker, role="department")
    assert not Membership.objects.filter(user=checker).exists()
    campaign_role_end(w.campaign, user=w.working_group, person=lead.user, role="lead_expert")
    assert not Membership.objects.filter(user=lead.user, role=Role.LEAD_EXPERT).exists()
    assert [h.role for h in campaign_role_holders(w.campaign)] == ["expert_group"]
    assert AuditEntry.objects.filter(user=w.working_group, model="Membership").count() == 5
    # The other assigned expert was never given a role.
    assert not Membership.objects.filter(user=other.user, role=Role.LEAD_EXPERT).exists()


def test_refusals_name_the_rule(w: AssignWorld) -> None:
    lead = _assigned(w)[0]
    loose = _unassigned(w)
    failed = w.experts["未考过"]

    def refused(person: Any, role: str, user: Any = None) -> str:
        with pytest.raises(AssessmentError) as info:
            campaign_role_grant(w.campaign, user=user or w.working_group, person=person, role=role)
        return str(info.value)

    assert "评估工作组" in refused(lead.user, "lead_expert", user=w.outsider)
    assert "未分派" in refused(loose.user, "lead_expert")
    assert "未通过培训考试" in refused(failed.user, "expert_group")
    plain = User.objects.create_user(username="plain")
    assert "不是登记的评估专家" in refused(plain, "expert_group")
    assert "不能设定" in refused(plain, "working_group")
    campaign_role_grant(w.campaign, user=w.working_group, person=lead.user, role="lead_expert")
    assert "已是带队专家" in refused(lead.user, "lead_expert")
    # 专家组核 is never by the expert who did 复核: the two roles exclude each other here.
    assert "复核以外" in refused(lead.user, "expert_group")
    campaign_role_grant(w.campaign, user=w.working_group, person=loose.user, role="expert_group")
    assert "已是本任务的专家组成员" in refused(loose.user, "expert_group")
    with pytest.raises(AssessmentError, match="不是本任务的部门核查人员"):
        campaign_role_end(w.campaign, user=w.working_group, person=plain, role="department")
    with pytest.raises(AssessmentError, match="评估工作组"):
        campaign_role_end(w.campaign, user=w.outsider, person=loose.user, role="expert_group")
    assert Membership.objects.filter(role=Role.EXPERT_GROUP).count() == 1


def _url(w: AssignWorld) -> str:
    return reverse("assessments:assignments", args=[w.campaign.pk])


def test_the_page_gives_and_ends_roles(client: Any, w: AssignWorld) -> None:
    lead = _assigned(w)[0]
    group = _unassigned(w)
    User.objects.create_user(username="dept-checker")
    client.force_login(w.working_group)
    html = client.get(_url(w)).content.decode()
    assert "核查人员（五核）" in html and "设为带队专家" in html and "设为专家组成员" in html
    assert "尚未设定核查人员" in html
    assert (
        client.post(
            _url(w), {"action": "role_grant", "person": lead.user.pk, "role": "lead_expert"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            _url(w), {"action": "role_grant", "person": group.user.pk, "role": "expert_group"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            _url(w), {"action": "role_grant", "username": "dept-checker", "role": "department"}
        ).status_code
        == 302
    )
    html = client.get(_url(w)).content.decode()
    holders = html.split('id="role-holders"')[1].split("</table>")[0]
    assert lead.name in holders and group.name in holders and "dept-checker" in holders
    assert "带队专家" in holders and "专家组成员" in holders and "部门核查人员" in holders
    assert "lead_expert" not in holders.replace('value="lead_expert"', "")
    missing = client.post(
        _url(w), {"action": "role_grant", "username": "nobody", "role": "department"}
    )
    assert missing.status_code == 409 and "用户名“nobody”不存在" in missing.content.decode()
    # Ending asks for a confirmation first.
    unconfirmed = client.post(
        _url(w), {"action": "role_end", "person": lead.user.pk, "role": "lead_expert"}
    )
    assert unconfirmed.status_code == 409 and "确认撤销" in unconfirmed.content.decode()
    assert Membership.objects.filter(user=lead.user, role=Role.LEAD_EXPERT).exists()
    ended = client.post(
        _url(w),
        {"action": "role_end", "person": lead.user.pk, "role": "lead_expert", "confirm": "1"},
    )
    assert ended.status_code == 302
    assert not Membership.objects.filter(user=lead.user, role=Role.LEAD_EXPERT).exists()


def test_the_page_refuses_others(client: Any, w: AssignWorld) -> None:
    lead = _assigned(w)[0]
    client.force_login(w.outsider)
    post = {"action": "role_grant", "person": lead.user.pk, "role": "lead_expert"}
    assert client.post(_url(w), post).status_code in (403, 404)
    assert not Membership.objects.filter(role=Role.LEAD_EXPERT).exists()


def test_the_api_refuses_in_chinese_and_ends_a_role(w: AssignWorld) -> None:
    api = APIClient()
    api.force_authenticate(w.working_group)
    url = f"/api/campaigns/{w.campaign.pk}/roles/"
    lead = _assigned(w)[0]
    unknown = api.post(url, {"username": "nobody", "role": "department"}, format="json")
    assert unknown.status_code == 400 and "不存在" in unknown.json()["username"][0]
    bad_role = api.post(url, {"username": "wg", "role": "working_group"}, format="json")
    assert bad_role.status_code == 400 and "role" in bad_role.json()
    name = lead.user.username
    assert (
        api.post(url, {"username": name, "role": "lead_expert"}, format="json").status_code == 201
    )
    ended = api.post(url, {"username": name, "role": "lead_expert", "end": True}, format="json")
    assert ended.status_code == 200 and ended.json() == []
    again = api.post(url, {"username": name, "role": "lead_expert", "end": True}, format="json")
    assert again.status_code == 409 and "不是本任务的带队专家" in again.json()["detail"]
    other = APIClient()
    other.force_authenticate(w.outsider)
    assert other.get(url).status_code in (403, 404)
