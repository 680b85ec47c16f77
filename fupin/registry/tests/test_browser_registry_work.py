"""In a real browser: the county office records a 返贫 on the household page, and a new
identification goes through 一核二看三比四评议五公示 by the township office to the county's approval."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.registry.models import Household, IdentificationCase
from fupin.registry.services import household_record_event
from fupin.testing.browser import log_in, with_password
from fupin.testing.worlds import World

pytestmark = pytest.mark.browser


def _as(page: Any, user: Any) -> None:
    page.context.clear_cookies()
    log_in(page, with_password(user))


def _step(page: Any, to: str, date: str, opinion: str, **fields: str) -> None:
    """Fill one step's form on the case page and press its button; wait for the page it leads to."""
    form = page.locator(f"#move-{to}")
    form.locator("input[name=date]").fill(date)
    for name, value in fields.items():
        box = form.locator(f"[name={name}]")
        if name == "appraisal_result":
            box.select_option(value)
        else:
            box.fill(value)
    form.locator("textarea[name=opinion]").fill(opinion)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("p.message.success")


def test_a_return_to_poverty_and_a_new_identification_through_five_steps(
    browser_page: Any, world: World
) -> None:
    page = browser_page
    exited = world.household
    for kind, date in (("identified", dt.date(2016, 3, 1)), ("exited", dt.date(2018, 11, 1))):
        household_record_event(household=exited, kind=kind, date=date, actor="test")
    applicant = Household.objects.create(
        household_no="6211261000010002", village=exited.village, registered=False, size=3
    )

    # 返贫, by the county office, on the household page
    _as(page, world.users["county_officer"])
    page.goto(f"/households/{exited.household_no}/")
    page.locator("#record-event summary").click()
    page.select_option("#id_event", "returned")
    page.fill("#id_date", "2020-05-06")
    page.fill("#id_reason", "户主突发脑梗，医疗支出 4 万元")
    page.check("#id_confirm")
    page.get_by_role("button", name="记录", exact=True).click()
    page.wait_for_selector("p.message.success")
    assert "已记录返贫" in page.inner_text("p.message.success")
    assert "户主突发脑梗" in page.inner_text("#events")
    assert Household.objects.get(pk=exited.pk).status == "returned"

    # the township office opens the case and takes the five steps
    _as(page, world.users["township_officer"])
    page.goto(f"/households/{applicant.household_no}/")
    page.click("#open-identification")
    page.fill("#id_date", "2024-03-01")
    page.fill("#id_reason", "妻子患尿毒症，透析支出大，人均纯收入低于国家扶贫标准")
    page.get_by_role("button", name="提出", exact=True).click()
    page.wait_for_selector("#status")
    assert page.inner_text("#status") == "已申请，待一核"
    _step(page, "verified", "2024-03-04", "入户核实：2023 年人均纯收入 2100 元，无车无商品房")
    _step(page, "inspected", "2024-03-05", "土坯房一处，屋内陈设简陋")
    _step(page, "compared", "2024-03-06", "与本组 12 户比较，收入居末位")
    _step(
        page, "appraised", "2024-03-08", "村民代表 31 人参加，29 人赞成", appraisal_result="passed"
    )
    # a notice shorter than the rule is refused with the reason
    _step_refused = page.locator("#move-noticed")
    _step_refused.locator("input[name=date]").fill("2024-03-20")
    _step_refused.locator("[name=notice_start]").fill("2024-03-09")
    _step_refused.locator("[name=notice_end]").fill("2024-03-12")
    _step_refused.locator("textarea[name=opinion]").fill("公示期满")
    _step_refused.locator("button[type=submit]").click()
    page.wait_for_selector("div.error")
    assert "公示期为 4 天，不得少于 7 天" in page.inner_text("div.error")
    _step(
        page,
        "noticed",
        "2024-03-20",
        "在村务公开栏公示期满",
        notice_start="2024-03-09",
        notice_end="2024-03-15",
        objection="有村民反映其子在外务工收入较高",
        objection_handling="核实其子已分户另过，异议不成立",
    )
    assert page.inner_text("#status") == "五公示无异议，待县级审批"
    assert "下一环节由县扶贫办办理" in page.inner_text("body")

    # the county approves: the household is identified
    _as(page, world.users["county_officer"])
    case = IdentificationCase.objects.get(household=applicant)
    page.goto(f"/identifications/{case.pk}/")
    _step(page, "approved", "2024-03-25", "经审核，同意纳入建档立卡")
    assert page.inner_text("#status") == "县级审批，已识别"
    steps = page.inner_text("#steps")
    for label in ("一核", "二看", "三比", "四评议", "五公示", "县级审批识别", "异议不成立"):
        assert label in steps
    applicant.refresh_from_db()
    assert (applicant.status, applicant.registered, applicant.identified_year) == (
        "poor",
        True,
        2024,
    )
