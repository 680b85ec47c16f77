"""In a real browser: the working group gives the verification roles of its campaign (五核) on
the assignments page and ends one after confirming."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from fupin.accounts.models import Membership, Role
from fupin.assessments.models import ExpertCounty
from fupin.assessments.services import assignment_current, assignment_run
from fupin.assessments.tests.assignment_world import AssignWorld, build_assign_world
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


@pytest.fixture
def w(transactional_db: Any) -> AssignWorld:
    world = build_assign_world()
    for expert in world.experts.values():
        expert.user = User.objects.create_user(username=f"expert-{expert.pk}")
        expert.save(update_fields=["user"])
    assignment_run(world.campaign, user=world.working_group, seed=7)
    User.objects.create_user(username="dept-checker")
    return world


def test_the_working_group_gives_and_ends_verification_roles(w: AssignWorld, browser_page: Any):
    run = assignment_current(w.campaign, "expert")
    assigned = ExpertCounty.objects.filter(assignment=run).select_related("expert").first()
    assert assigned is not None
    lead = assigned.expert
    ids = set(ExpertCounty.objects.filter(assignment=run).values_list("expert_id", flat=True))
    group = next(e for e in w.experts.values() if e.exam_passed and e.pk not in ids)

    page = browser_page
    log_in(page, with_password(w.working_group))
    page.goto(f"/assessments/{w.campaign.pk}/assignments/")
    page.wait_for_selector("#roles")
    assert "尚未设定核查人员" in page.inner_text("#roles")

    page.locator("#role-experts tr", has_text=lead.name).get_by_role(
        "button", name="设为带队专家"
    ).click()
    page.wait_for_selector("#role-holders")
    assert f"已将{lead.name}设为带队专家" in page.inner_text("body")
    page.locator("#role-experts tr", has_text=group.name).get_by_role(
        "button", name="设为专家组成员"
    ).click()
    page.wait_for_selector(f"#role-holders tr:has-text('{group.name}')")
    page.fill("#department-form input[name=username]", "dept-checker")
    page.get_by_role("button", name="设为部门核查人员").click()
    page.wait_for_selector("#role-holders tr:has-text('dept-checker')")
    holders = page.inner_text("#role-holders")
    assert "带队专家" in holders and "专家组成员" in holders and "部门核查人员" in holders
    assert assigned.county.name in holders
    assert Membership.objects.filter(user=lead.user, role=Role.LEAD_EXPERT).exists()
    assert Membership.objects.get(user__username="dept-checker").campaign == w.campaign

    # Ending needs the confirmation ticked.
    row = page.locator("#role-holders tr", has_text="dept-checker")
    row.get_by_label("确认撤销").check()
    row.get_by_role("button", name="撤销").click()
    page.wait_for_selector("#role-holders tr:has-text('dept-checker')", state="detached")
    assert "已撤销dept-checker的部门核查人员角色" in page.inner_text("body")
    assert not Membership.objects.filter(user__username="dept-checker").exists()
