"""In a real browser: the working group creates a spot check, moves it to sampling, draws the
counties and then one county's villages and households — every step by the page's own controls."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fupin.accounts.models import Membership, Role
from fupin.assessments.models import Campaign, Draw
from fupin.assessments.tests.conftest import make_user
from fupin.assessments.tests.test_draw_services import county_world
from fupin.regions.models import Level, Region
from fupin.regions.services import regions_load_poverty_counties
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_create_a_spot_check_draw_counties_then_one_county(live_server: Any, browser_page: Any):
    regions_load_poverty_counties(provinces={"甘肃省"})
    exited_2018 = Region.objects.filter(level=Level.COUNTY, exit_year=2018).order_by("code")
    for county in exited_2018:  # a small registry in each county that may be drawn
        county_world(county.code, villages=6, poor=3, per_village=10)
    wg = with_password(make_user("wg", Role.WORKING_GROUP))
    page = browser_page
    log_in(page, wg)

    page.goto("/assessments/")
    page.get_by_role("link", name="新建评估任务").click()
    page.wait_for_selector("#campaign-form")
    page.select_option("#id_kind", "central_spot_check")
    page.fill("#id_year", "2018")
    page.fill("#id_name", "甘肃 2018 年退出县抽查")
    page.fill("#id_scope", "甘肃")
    page.fill("#id_county_rate", "2")  # refused next to its field
    page.fill("#id_villages_per_county", "4")  # of 6 (the default would take 16)
    page.select_option("#id_village_method", "srs")
    page.fill("#id_exited", "2")
    page.fill("#id_poor", "1")
    page.fill("#id_non_registered", "2")
    page.get_by_role("button", name="创建任务").click()
    error = page.wait_for_selector("#id_county_rate_error")
    assert "县抽样比例须在 0 到 1 之间" in error.inner_text()
    assert not Campaign.objects.exists()
    page.fill("#id_county_rate", "0.2")
    page.get_by_role("button", name="创建任务").click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    campaign = Campaign.objects.get()
    assert Membership.objects.filter(user=wg, campaign=campaign, role="working_group").exists()
    assert "简单随机抽样" in page.inner_text("#settings")

    page.get_by_role("link", name="转为“抽样”").click()
    page.get_by_role("button", name="确认").click()
    page.wait_for_url(re.compile(rf"/assessments/{campaign.pk}/$"))
    page.click("#draws-link")
    page.wait_for_selector("#draw-counties")
    page.fill("#seed", "2019")
    page.get_by_role("button", name="抽取县").click()
    page.wait_for_selector("#drawn-counties")
    draw = Draw.objects.get(level="county")
    assert draw.frame_size == exited_2018.count() == 14
    assert draw.seed == "2019" and draw.items.count() == 3  # 14 x 20 % = 2.8, rounded half up
    assert "抽中的县（3 个）" in page.inner_text("main")
    assert "按省分层简单随机抽样" in page.inner_text("main")

    first = draw.items.order_by("order").first()
    row = page.locator(f'#county-draws tr[data-county="{first.unit_key[:6]}"]')
    row.get_by_role("button", name="抽取村和户").click()
    page.wait_for_selector("#households")
    county = Region.objects.get(code=first.unit_key)
    assert Draw.objects.filter(level="household", county=county).count() == 1
    text = page.inner_text("main")
    assert "抽中的村（4 个）" in text
    households = page.locator("#households tbody tr")
    assert households.count() == Draw.objects.get(level="household").items.count() > 0
    assert "简单随机抽样" in text and "重抽村和户" in text
    # A redraw needs a reason: the browser itself will not send the form without one.
    assert page.eval_on_selector("#reason", "e => e.validity.valueMissing")
    page.fill("#reason", "抽中村因道路中断无法入户")
    page.check("input[name=confirm]")
    page.get_by_role("button", name="重抽村和户").click()
    page.wait_for_selector("text=抽中村因道路中断无法入户")
    assert Draw.objects.filter(level="household").count() == 2
