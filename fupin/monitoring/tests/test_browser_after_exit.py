"""In a real browser: the county office records the year's only cadre training, and the county's
after-exit page draws its chart and shows the training sign raised with the training behind it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.monitoring.models import Training
from fupin.monitoring.tests.conftest import history
from fupin.registry.models import Household
from fupin.testing.browser import log_in, with_password
from fupin.testing.worlds import COUNTY, build_world

pytestmark = pytest.mark.browser


def test_a_training_recorded_in_the_browser_shows_on_the_countys_page(
    household: Household, browser_page: Any
) -> None:
    world = build_world(household)
    officer = with_password(world.users["county_officer"])
    history(world.household, ("identified", 2016), ("exited", 2021))
    Training.objects.create(
        county_id=household.village.parent.parent_id,
        date=dt.date(2020, 5, 1),
        level="county",
        organiser="岷县扶贫办",
        topic="产业扶贫政策",
        participants=60,
    )
    page = browser_page
    log_in(page, officer)
    page.goto(f"/monitoring/counties/{COUNTY}/trainings/")
    page.fill("input[name=date]", "2021-03-02")
    page.select_option("select[name=level]", "county")
    page.fill("input[name=organiser]", "岷县扶贫办")
    page.fill("input[name=topic]", "防止返贫监测")
    page.fill("textarea[name=participant_names]", "王一\n李二")
    page.click("#training-form button[type=submit]")
    page.wait_for_selector("#trainings tbody tr:nth-child(2)")
    assert "已记录干部培训" in page.inner_text("main")
    page.goto(f"/monitoring/counties/{COUNTY}/signals/")
    page.wait_for_selector("#chart-remaining[data-rendered=true]")
    row = page.inner_text("tr[data-code=training_far_below]")
    assert "出现" in row and "2021 年 1 期 2 人，上年 1 期 60 人" in row
