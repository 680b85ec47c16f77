"""In a real browser: a lead expert opens the county's other checks, records the province's plan
as having lowered the housing standard (the income line pre-filled from fupin's policy), draws the
province's questionnaires for re-check and records agreement per field group; the leading group
finds both, with the agreement rates, on the 综合研判 page."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import RecheckDraw, RecheckResult, StandardCheckItem
from fupin.assessments.services.questionnaire_recheck import recheck_positions
from fupin.assessments.tests.conftest import World, make_user
from fupin.assessments.tests.pages_world import scoped
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_lead_expert_records_a_standard_item_and_a_recheck(
    world: World, browser_context: Any, browser_page: Any
):
    w = scoped(world)
    leader = make_user("leader")
    membership_grant(user=leader, role=Role.LEADING_GROUP, campaign=w.campaign)
    page = browser_page
    log_in(page, with_password(w.lead_expert))
    page.goto(f"/assessments/{w.campaign.pk}/other-checks/{w.county.code}/")
    page.get_by_role("link", name="二、标准准确性检查").click()
    page.wait_for_selector("#standard-form")
    income = page.locator("#item-income")
    assert "2020 年国家扶贫标准" in income.locator(".reference").inner_text()
    assert "4000" in income.get_by_label("收入标准应执行的标准").input_value()  # pre-filled

    housing = page.locator("#item-housing")
    housing.get_by_label("降低").check()
    housing.get_by_label("住房安全有保障说明").fill("只看有无住房，未做危房鉴定")
    page.get_by_role("button", name="记录标准检查").click()
    page.wait_for_selector("#error")  # what the plan says is missing: refused, input kept
    assert "拔高或降低时须填写“省级方案的表述”" in page.inner_text("#error")
    housing = page.locator("#item-housing")
    assert housing.get_by_label("降低").is_checked()
    housing.get_by_label("住房安全有保障省级方案的表述").fill("有房住即视为住房安全")
    page.get_by_role("button", name="记录标准检查").click()
    page.wait_for_selector("text=已记录岷县标准准确性检查 1 项")
    assert StandardCheckItem.objects.filter(item="housing", finding="lowered").exists()

    page.goto(f"/assessments/{w.campaign.pk}/other-checks/{w.county.code}/recheck/")
    page.fill("#id_frame_size", "300")
    page.fill("#id_size", "3")
    page.fill("#id_seed", "42")
    page.get_by_role("button", name="抽取省级问卷").click()
    page.wait_for_selector("text=已从300份省级问卷中抽取3份")
    positions = recheck_positions(300, 3, 42)
    assert RecheckDraw.objects.get().numbers == positions
    assert page.inner_text("#positions") == "、".join(str(p) for p in positions)

    first, second, third = positions
    for p in positions:
        page.get_by_label(f"第 {p} 份收入一致", exact=True).check()
    page.get_by_label(f"第 {third} 份收入不一致", exact=True).check()
    page.get_by_label(f"第 {third} 份收入说明", exact=True).fill("问卷未计入务工收入")
    page.get_by_label(f"第 {first} 份认可度一致", exact=True).check()
    page.get_by_role("button", name="记录复查结果").click()
    page.wait_for_selector("text=已记录岷县省级问卷复查结果 4 项")
    assert RecheckResult.objects.count() == 4
    assert page.inner_text("#rate-income .rate") == "66.7%"
    assert page.inner_text("#rate-income .counts") == "2 / 3"
    assert page.inner_text("#rate-overall .rate") == "75.0%"

    browser_context.clear_cookies()
    log_in(page, with_password(leader))
    page.goto(f"/assessments/{w.campaign.pk}/judgements/{w.county.code}/")
    checks = page.inner_text("#other-checks")
    assert "住房安全有保障：降低（方案：有房住即视为住房安全" in checks
    assert "从 300 份省级问卷中随机抽查 3 份（随机种子 42）" in checks
    assert "收入一致率 66.7%（2/3）" in checks
    assert f"第 {third} 份 收入不一致：问卷未计入务工收入" in checks
