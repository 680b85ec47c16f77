"""In a real browser: a lead expert opens the county's 综合研判 page, follows the link to the
procedure check (pre-filled from 岷县's exit records), marks a document irregular with a scanned
file, records a 座谈, and finds both on the 综合研判 page."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import Interview, ProcedureItem
from fupin.assessments.tests.conftest import World, make_user
from fupin.assessments.tests.pages_world import scoped
from fupin.assessments.tests.test_other_checks import county_exit
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_lead_expert_records_the_procedure_check_and_an_interview(
    world: World, browser_context: Any, browser_page: Any, tmp_path: Any
):
    w = scoped(world)
    county_exit(w)
    # The 综合研判 page is the working group's and leading group's; the lead expert comes by URL.
    leader = make_user("leader")
    membership_grant(user=leader, role=Role.LEADING_GROUP, campaign=w.campaign)
    page = browser_page
    log_in(page, with_password(w.lead_expert))
    page.goto(f"/assessments/{w.campaign.pk}/other-checks/{w.county.code}/")
    page.wait_for_selector("#procedure-form")
    row = page.locator("#doc-city_review")
    assert "市级初审通过：2019-04-10" in row.inner_text()
    assert row.get_by_label("齐全规范").is_checked()  # pre-filled from the exit record
    assert not page.locator("#doc-province_verification").get_by_label("齐全规范").is_checked()

    scan = tmp_path / "公示.pdf"
    scan.write_bytes(b"%PDF-1.4 notice scan")
    notice = page.locator("#doc-notice")
    notice.get_by_label("不规范").check()
    notice.locator("textarea").fill("公示期仅5天")
    notice.locator("input[type=file]").set_input_files(str(scan))
    page.get_by_role("button", name="记录检查结果").click()
    page.wait_for_selector("text=已记录岷县退出程序检查")
    assert ProcedureItem.objects.filter(document="notice", finding="irregular").exists()
    assert page.locator("#doc-notice a", has_text="公示.pdf").count() == 1

    page.fill("#id_date", "2020-05-06")
    page.fill("#id_place", "岷县扶贫办会议室")
    page.fill("#id_participants", "县扶贫办主任王某；东街村支书张某")
    page.fill("#id_notes", "介绍省级专项评估检查的组织情况")
    page.fill("#id_issues", "信访反映问题已查实")
    page.get_by_role("button", name="记录座谈访谈").click()
    page.wait_for_selector("text=已记录岷县的座谈访谈")
    assert Interview.objects.count() == 1

    browser_context.clear_cookies()
    log_in(page, with_password(leader))
    page.goto(f"/assessments/{w.campaign.pk}/judgements/{w.county.code}/")
    checks = page.inner_text("#other-checks")
    assert "社会公示：不规范（公示期仅5天）" in checks
    assert "岷县扶贫办会议室" in checks and "信访反映问题已查实" in checks
