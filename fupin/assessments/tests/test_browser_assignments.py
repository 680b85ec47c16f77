"""In a real browser: the working group runs the assignment and sees each county's teams."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.assessments.models import Assignment, Team
from fupin.assessments.tests.assignment_world import AssignWorld, build_assign_world
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


@pytest.fixture
def w(transactional_db: Any) -> AssignWorld:
    return build_assign_world()


def test_the_working_group_runs_the_assignment_and_sees_the_teams(
    w: AssignWorld, browser_page: Any
):
    page = browser_page
    log_in(page, with_password(w.working_group))
    page.goto(f"/assessments/{w.campaign.pk}/")
    page.get_by_role("link", name="运行分派与人工调整").click()
    page.wait_for_selector("#run-form")
    assert "尚未分派" in page.inner_text("#history")

    page.fill("#run-form input[name=seed]", "9")
    page.get_by_role("button", name="运行分派").click()
    page.wait_for_selector("#seed")
    assert "最近一次自动分派的随机种子：9" in page.inner_text("#seed")

    run = Assignment.objects.get(campaign=w.campaign)
    assert run.seed == "9"
    for county in w.counties:
        block = page.locator(f"#county-{county.code}")
        text = block.inner_text()
        assert county.name in text
        assert "未分派" not in text
    for team in Team.objects.filter(campaign=w.campaign).select_related(
        "experienced_member", "new_member"
    ):
        row = page.locator("tr", has_text=team.code)
        assert team.experienced_member.name in row.inner_text()
        assert team.new_member.name in row.inner_text()
    assert "求解器自动分派" in page.inner_text("#history")

    # A refused manual change shows its reason in the error box and keeps the run.
    page.select_option("#expert-form select[name=expert]", label="甘老师（甘肃省）")
    page.select_option("#expert-form select[name=to_county]", label=w.counties[0].name)
    page.fill("#expert-form textarea[name=reason]", "补充人手")
    page.get_by_role("button", name="保存专家调整").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "甘老师" in alert.inner_text() and "雇主省份回避" in alert.inner_text()
    assert Assignment.objects.filter(campaign=w.campaign).count() == 1
