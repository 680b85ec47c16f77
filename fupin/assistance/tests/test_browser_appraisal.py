"""In a real browser: the county office appraises a unit for a year, judges, concludes after
confirming, records a 约谈 and finds it on the unit's page."""

import pytest

from fupin.assistance.tests.test_appraisal import YEAR, help_  # noqa: F401  (fixture)
from fupin.testing.browser import log_in, with_password
from fupin.testing.worlds import COUNTY

pytestmark = pytest.mark.browser


def test_a_county_office_appraises_a_unit_and_records_a_talk(help_, browser_page):  # noqa: F811
    page = browser_page
    log_in(page, with_password(help_.world.users["county_officer"]))
    page.goto(f"/assistance/appraisals/regions/{COUNTY}/?year={YEAR}")
    assert page.locator("select[name=year]").input_value() == str(YEAR)
    row = page.locator("#pairings tr", has_text="乙单位")
    row.get_by_role("button", name="考核帮扶单位").click()
    page.wait_for_selector("#items")
    visits = page.locator("#item-visits")
    assert visits.locator(".result").inner_text() == "不合格"
    assert "无走访记录的户：1" in visits.inner_text()

    for code in ("leadership", "party_building"):
        form = page.locator(f"#item-{code} form.judge")
        form.get_by_label("合格", exact=True).check()
        form.get_by_label("理由").fill("查阅单位党委会议记录")
        form.get_by_role("button", name="记录评定").click()
        page.wait_for_selector(f"#item-{code} .result:text-is('合格')")

    conclude = page.locator("#conclude-form")
    conclude.get_by_label("考核意见").fill("入户走访缺失")
    conclude.get_by_role("button", name="确定结论").click()  # the browser asks for the box first
    assert page.locator("#status").inner_text() == "考核中"
    conclude.get_by_label("我已核对各项结果").check()
    conclude.get_by_role("button", name="确定结论").click()
    page.wait_for_selector("#result:text-is('不合格')")

    form = page.locator("#follow-up-form")
    form.get_by_label("问责方式").select_option(label="单兵教练约谈")
    form.get_by_label("对象（单位或负责人）").fill("乙单位主要负责人")
    form.get_by_role("button", name="记录").click()
    page.wait_for_selector("#follow-up-list >> text=乙单位主要负责人")

    page.get_by_role("link", name="乙单位").first.click()
    page.wait_for_selector("#follow-up-list")
    assert "单兵教练约谈" in page.locator("#follow-up-list").inner_text()
