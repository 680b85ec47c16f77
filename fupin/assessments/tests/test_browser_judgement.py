"""In a real browser: the working group records a county's 综合研判 from all sources (figures with
intervals, verification, a department's report, an unannounced finding) and submits it; a
leading-group member approves it (审定)."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import ApprovalStep, CountyApproval, Judgement
from fupin.assessments.services import unannounced_finding_record
from fupin.assessments.services.department_reports import department_report_file
from fupin.assessments.tests.conftest import World, make_user
from fupin.assessments.tests.pages_world import (
    ID_NUMBER,
    MASKED,
    attach_photo,
    decide,
    scoped,
    to_status,
)
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_working_group_judges_a_county_and_the_leading_group_approves(
    world: World, browser_context: Any, browser_page: Any
):
    w = scoped(world)
    filed = department_report_file(
        campaign=w.campaign,
        user=w.department,
        kind="housing",
        county=w.county,
        description="危房改造未完成",
        household_key=ID_NUMBER,
    )
    assert filed.problem is not None  # a sampled household: in 五核, here confirmed
    attach_photo(filed.problem)
    to_status(w, filed.problem, "confirmed")
    unannounced_finding_record(
        campaign=w.campaign, county=w.county, finding="村道未硬化", user=w.department
    )
    decide(w)
    leader = make_user("leader")
    membership_grant(user=leader, role=Role.LEADING_GROUP, campaign=w.campaign)
    page = browser_page

    log_in(page, with_password(w.working_group))
    page.goto(f"/assessments/{w.campaign.pk}/")
    page.get_by_role("link", name="综合研判与审定").click()
    page.locator("#judgements tr", has_text=w.county.name).get_by_role(
        "link", name="打开研判页"
    ).click()
    page.wait_for_selector("#judgement-form")
    assert "漏评率" in page.inner_text("#figures") and "置信区间跨越阈值" in page.inner_text(
        "#figures"
    )
    assert "终核认定 1 个" in page.inner_text("#verification")
    assert "来自部门提供情况 1 个" in page.inner_text("#verification")
    assert "危房改造未完成" in page.inner_text("#departments")
    assert MASKED in page.inner_text("#departments") and ID_NUMBER not in page.content()
    assert "村道未硬化" in page.inner_text("#unannounced")
    page.get_by_label("达标（通过）").check()
    page.fill("#judgement-form textarea[name=reasons]", "三项否决指标达标；部门所报危房已入五核")
    page.get_by_role("button", name="记录研判").click()
    page.wait_for_selector("#current-judgement")
    assert "第 1 版" in page.inner_text("#current-judgement")
    page.goto(f"/assessments/{w.campaign.pk}/judgements/")
    page.get_by_role("button", name="报送领导小组审定").click()
    page.wait_for_selector("text=已将 1 个县的综合研判报送领导小组审定")

    browser_context.clear_cookies()
    log_in(page, with_password(leader))
    page.goto(f"/assessments/{w.campaign.pk}/judgements/{w.county.code}/")
    page.wait_for_selector("#decide-form")
    assert "三项否决指标达标" in page.inner_text("#current-judgement")
    page.select_option("#decide-form select[name=action]", "approve")
    page.get_by_role("button", name="提交审定意见").click()
    page.wait_for_selector("#approval-steps li:has-text('审定通过')")
    assert page.inner_text("#approval-status") == "已审定"
    approval = CountyApproval.objects.get(campaign=w.campaign, county=w.county)
    assert approval.status == "approved" and approval.judgement == Judgement.objects.get()
    assert list(ApprovalStep.objects.values_list("action", "user__username")) == [
        ("submit", "working_group"),
        ("approve", "leader"),
    ]
