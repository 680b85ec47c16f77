"""In a real browser: 岷县's exit from the county's application to the province's approval, its
figures linked from a decided assessment result at the 专项评估检查 step (the county types none),
seen by the signers, and the exit year following the approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fupin.exits.models import ExitCase
from fupin.exits.tests.conftest import Chain
from fupin.exits.workflows import CAPACITIES, ExitStatus
from fupin.regions.models import Level, Region
from fupin.testing.browser import log_in, with_password
from fupin.testing.exits import county_result_decided

pytestmark = pytest.mark.browser

COUNTY = "621126000000"  # 岷县


def _as(page: Any, user: Any) -> None:
    page.context.clear_cookies()
    log_in(page, with_password(user))


def _step(page: Any, case: ExitCase, to: str, label: str, date: str, **fields: str) -> None:
    """Open the step's form on the case page, fill its date (and `fields`), press its button."""
    page.goto(f"/exits/{case.pk}/")
    page.locator("details summary", has_text=label).first.click()
    page.fill(f"#id_{to}_date", date)
    for name, value in fields.items():
        page.fill(f"#id_{to}_{name}", value)
    page.get_by_role("button", name=label, exact=True).click()
    page.wait_for_selector("ul.messages")
    assert f"已办理：{label}" in page.inner_text("ul.messages")


def test_a_county_exit_walks_to_approval_on_figures_linked_from_the_assessment(
    browser_page: Any, chain: Chain
) -> None:
    Region.objects.filter(code=COUNTY).update(exit_year=None)  # 岷县 before its exit
    county = Region.objects.get(code=COUNTY)
    decided = timezone.make_aware(dt.datetime(2019, 9, 22, 10))
    decision = county_result_decided(county, decided_at=decided)
    page = browser_page

    # the county's leading group applies: no year and no figure to type
    _as(page, chain.office[Level.COUNTY])
    page.goto(f"/exits/regions/{COUNTY}/")
    page.locator("summary", has_text="提出贫困户、贫困村或贫困县退出").click()
    assert page.locator("input[name=year], input[name=recognition]").count() == 0
    page.select_option("#id_kind", "county")
    page.fill("#id_region_code", COUNTY)
    page.fill("#id_date", "2019-09-01")
    page.fill("#id_opinion", "县扶贫开发领导小组研究提出退出申请")
    page.get_by_role("button", name="提出", exact=True).click()
    page.wait_for_selector("h2#assessment")
    case = ExitCase.objects.get(kind="county")
    assert case.year == 2019
    assert "尚未关联专项评估检查结果" in page.inner_text("body")
    assert page.locator("summary", has_text="变更数据").count() == 0

    _as(page, chain.office[Level.CITY])
    _step(page, case, "city_reviewed", "市级初审", "2019-09-10")

    province = chain.office[Level.PROVINCE]
    _as(page, province)
    _step(page, case, "province_verified", "省级核查", "2019-09-20")
    page.goto(f"/exits/{case.pk}/")
    page.locator("details summary", has_text="专项评估检查").first.click()
    page.select_option("#id_assessed_assessment_result", str(decision.pk))
    page.fill("#id_assessed_date", "2019-09-25")
    page.get_by_role("button", name="专项评估检查", exact=True).click()
    page.wait_for_selector("table.figures")
    figures = page.inner_text("table.figures")
    assert "漏评率" in figures and "0.6%–3.1%" in figures and "置信区间跨越阈值" in figures
    assert "综合贫困发生率" in figures and "低于 3%" in figures
    _step(
        page,
        case,
        "in_notice",
        "社会公示",
        "2019-10-01",
        notice_start="2019-10-01",
        notice_end="2019-10-07",
    )
    _step(page, case, "noticed", "公示期满无异议", "2019-10-08")

    # the county party secretary sees the figures they sign, and signs
    secretary = chain.signers[Level.COUNTY]["county_secretary"]
    _as(page, secretary)
    page.goto(f"/exits/{case.pk}/")
    assert "0.6%–3.1%" in page.inner_text("table.figures")
    page.select_option("#id_capacity", "county:county_secretary")
    page.get_by_role("button", name="签字确认").click()
    page.wait_for_selector("ul.messages")
    assert "已签字" in page.inner_text("ul.messages")
    for level in (Level.COUNTY, Level.CITY):
        for cap in CAPACITIES[level]:
            if cap.code != "county_secretary":
                chain.sign(case, level, cap.code)

    _as(page, province)
    _step(page, case, "approved", "省级批准退出", "2019-10-20")
    case.refresh_from_db()
    county.refresh_from_db()
    assert case.status == ExitStatus.APPROVED and county.exit_year == 2019
