"""In a real browser: the province office records its relative standard, changes it (a new version)
and withdraws the change after confirming; the household identified under it shows its line."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.registry.models import RelativeStandard
from fupin.testing.browser import log_in, with_password
from fupin.testing.worlds import World

pytestmark = pytest.mark.browser


def test_the_province_office_records_changes_and_withdraws_its_standard(
    browser_page: Any, world: World
) -> None:
    page = browser_page
    h = world.household
    h.standard, h.identified_year, h.income_year = "provincial", 2016, 2016
    h.save(update_fields=["standard", "identified_year", "income_year"])
    log_in(page, with_password(world.users["province_officer"]))

    page.goto("/standards/")
    page.click("#new-standard")
    page.fill("#id_name", "甘肃省相对贫困标准（测试）")
    page.fill("#id_household_percent", "30")
    page.fill("#id_village_percent", "60")
    page.fill("#id_reference_year", "2015")
    page.fill("#id_reference_yuan", "7000")
    page.fill("#id_reference_source", "测试用统计公报")
    page.fill("#id_first_year", "2016")
    page.fill("#id_last_year", "2020")
    page.fill("#id_reason", "省扶贫办文件")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_selector("p.message.success")
    assert "30% × 7000 元 = 2100 元" in page.inner_text("#standard")
    assert "60% × 7000 元 = 4200 元" in page.inner_text("#standard")

    # a change is a new version; the first stays in the history
    page.click("#change-standard")
    page.fill("#id_household_percent", "25")
    page.fill("#id_reason", "修订比例")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_selector("p.message.success")
    assert "25% × 7000 元 = 1750 元" in page.inner_text("#standard")
    assert page.locator("#versions tbody tr").count() == 2

    # withdrawing asks for a reason and a confirmation, then the first version is in force again
    page.click("#withdraw-standard")
    page.fill("#id_reason", "比例录错")
    assert page.locator("#id_confirm").get_attribute("required") is not None
    page.check("#id_confirm")
    page.click("#confirm-withdraw")
    page.wait_for_selector("p.message.success")
    assert "30% × 7000 元 = 2100 元" in page.inner_text("#standard")
    assert "已撤回（" in page.inner_text("#versions")
    assert RelativeStandard.objects.filter(withdrawn_at__isnull=False).count() == 1

    page.goto(f"/households/{h.household_no}/")
    assert "即 2100 元" in page.inner_text("body")
