"""In a real browser: the county dashboard draws non-empty ECharts charts with Chinese labels."""

import re

import pytest

from fupin.regions.models import Region
from fupin.registry.tests.test_dashboard import COUNTY, DONGJIE, MAJIAGOU, build_registry
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser

CHINESE = re.compile(r"[\u4e00-\u9fff]")
CHARTS = ["chart-events", "chart-causes", "chart-children", "chart-map"]


def _svg_texts(page, chart_id):
    return page.eval_on_selector_all(
        f"#{chart_id} svg text", "els => els.map(e => e.textContent).filter(t => t.trim())"
    )


def test_county_dashboard_renders_charts_with_chinese_labels(world, browser_page):
    build_registry(world)
    Region.objects.filter(code=MAJIAGOU).update(lon=104.12, lat=34.38)  # both villages on the map
    page = browser_page
    log_in(page, with_password(world.users["county_officer"]))
    page.goto(f"/regions/{COUNTY}/")
    for chart_id in CHARTS:
        page.wait_for_selector(f"#{chart_id}[data-rendered=true] svg text")

    texts = {chart_id: _svg_texts(page, chart_id) for chart_id in CHARTS}
    for chart_id, found in texts.items():
        assert found, f"{chart_id} has no text"
        assert any(CHINESE.search(t) for t in found), (chart_id, found)
    assert "因病" in texts["chart-causes"] and "因学" in texts["chart-causes"]
    assert "2014年" in texts["chart-events"] and "2019年" in texts["chart-events"]
    assert "识别" in texts["chart-events"] and "脱贫" in texts["chart-events"]  # the legend
    assert "岷阳镇" in texts["chart-children"] and "发生率" in texts["chart-children"]
    assert "各村贫困发生率" in texts["chart-map"]
    assert any(t.endswith("°E") for t in texts["chart-map"])

    # One point per village with data, each a drawn symbol in the SVG.
    codes = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-map'))"
        ".getOption().series[0].data.map(p => p[4])"
    )
    assert sorted(codes) == [DONGJIE, MAJIAGOU]
    assert page.locator("#chart-map svg path").count() >= len(codes)
    assert "无坐标" not in page.inner_text("main")

    # Clicking a village's point opens that village's page.
    x, y = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-map'))"
        ".convertToPixel({seriesIndex: 0}, [104.03, 34.44])"
    )
    page.locator("#chart-map").scroll_into_view_if_needed()
    box = page.locator("#chart-map").bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert page.url.endswith(f"/regions/{DONGJIE}/")
    assert "东街村" in page.inner_text("h1")


def test_neighbour_officer_cannot_open_the_dashboard(world, browser_page):
    build_registry(world)
    page = browser_page
    log_in(page, with_password(world.users["neighbour_officer"]))
    response = page.goto(f"/regions/{COUNTY}/")
    assert response.status == 404
    assert "各村贫困发生率" not in page.content()
