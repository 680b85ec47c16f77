"""In a real browser: the working group draws the 暗访 counties from the campaign's page; a
department user enters a finding at a sampled household, which enters 五核."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.assessments.models import UnannouncedFinding
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import ID_NUMBER, MASKED, scoped
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_working_group_draws_and_a_department_enters_a_finding(
    world: World, browser_context: Any, browser_page: Any
):
    w = scoped(world)
    page = browser_page
    log_in(page, with_password(w.working_group))
    page.goto(f"/assessments/{w.campaign.pk}/")
    page.get_by_role("link", name="暗访").click()
    page.select_option("#draw-form select[name=per_province]", "2")
    page.get_by_role("button", name="抽取暗访县").click()
    page.wait_for_selector("#drawn tr:has-text('岷县')")
    assert "漳县" in page.inner_text("#drawn")

    browser_context.clear_cookies()
    log_in(page, with_password(w.department))
    page.goto(f"/assessments/{w.campaign.pk}/unannounced/")
    page.select_option("#finding-form select[name=county]", label="岷县")
    page.fill("#finding-form input[name=visited_on]", "2020-06-01")
    page.fill("#finding-form input[name=household_key]", ID_NUMBER)
    page.fill("#finding-form textarea[name=finding]", "房屋漏雨，未纳入危改")
    page.get_by_role("button", name="登记").click()
    page.wait_for_selector("text=已作为疑点问题")
    row = page.inner_text("#findings")
    assert "房屋漏雨" in row and MASKED in row and "待初核" in row
    assert ID_NUMBER not in page.content()
    assert UnannouncedFinding.objects.get().problems.count() == 1
