"""In a real browser: a county officer logs in through the form and sees only their county."""

import pytest

from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_county_officer_logs_in_and_sees_only_their_county(world, browser_page):
    page = browser_page
    log_in(page, with_password(world.users["county_officer"]))
    assert page.url.endswith("/")
    body = page.inner_text("main")
    assert "岷县" in body
    assert "宕昌县" not in body
    # A direct URL into the neighbouring county is refused, not shown.
    response = page.goto("/regions/621223000000/")
    assert response.status == 404
    response = page.goto(f"/households/{world.neighbour_household.household_no}/")
    assert response.status == 404
    assert "王五" not in page.content()


def test_anonymous_visitor_gets_the_login_page(world, browser_page):
    page = browser_page
    page.goto(f"/households/{world.household.household_no}/")
    assert "/accounts/login/" in page.url
    assert "张三" not in page.content()
