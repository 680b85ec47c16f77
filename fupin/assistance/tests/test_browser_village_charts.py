"""In a real browser: the village's five charts draw as SVG with Chinese text, and print alone."""

import re

import pytest

from fupin.assistance.tests.test_village_charts import DONGJIE, build_village
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser

CHINESE = re.compile(r"[\u4e00-\u9fff]")
CHARTS = [
    "chart-distribution",
    "chart-causes",
    "chart-events",
    "chart-exit-targets",
    "chart-household-targets",
]


def _svg_texts(page, chart_id):
    return page.eval_on_selector_all(
        f"#{chart_id} svg text", "els => els.map(e => e.textContent).filter(t => t.trim())"
    )


def test_the_five_village_charts_render_svg_with_chinese_text(world, browser_page):
    build_village(world)
    page = browser_page
    log_in(page, with_password(world.users["county_officer"]))
    page.goto(f"/assistance/villages/{DONGJIE}/charts/?year=2019")
    for chart_id in CHARTS:
        page.wait_for_selector(f"#{chart_id}[data-rendered=true] svg text")
    texts = {chart_id: _svg_texts(page, chart_id) for chart_id in CHARTS}
    for chart_id, found in texts.items():
        assert any(CHINESE.search(t) for t in found), (chart_id, found)
    assert "未脱贫" in texts["chart-distribution"] and "低保贫困户" in texts["chart-distribution"]
    assert "因病" in texts["chart-causes"]
    assert "2018年" in texts["chart-events"] and "脱贫" in texts["chart-events"]
    assert "计划脱贫户数" in texts["chart-exit-targets"]
    assert any("贫困村计划退出" in t for t in texts["chart-exit-targets"])
    assert "滞后于计划" in texts["chart-household-targets"]
    assert page.locator("#household-targets tr[data-state=behind]").count() == 1

    # The printed sheet: no site header or buttons, every chart redrawn at the sheet's size.
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert not page.locator("header").is_visible()
    assert not page.locator("#print-sheet").is_visible()
    for chart_id in CHARTS:
        box = page.locator(f"#{chart_id} svg").bounding_box()
        assert (round(box["width"]), round(box["height"])) == (500, 280), chart_id
