"""In a real browser: the county office adds a township officer and a cadre through the people
pages; each then logs in with the one-time password and sees exactly their scope."""

from __future__ import annotations

import pytest

from fupin.accounts.models import Membership, Role
from fupin.testing.browser import first_log_in, log_in, with_password

pytestmark = pytest.mark.browser


def add_person(page, *, name, username, role_label, region):
    page.goto("/people/")
    page.click("text=新增人员")
    page.fill("input[name=name]", name)
    page.fill("input[name=username]", username)
    page.select_option("select[name=role]", label=role_label)
    page.fill("input[name=region]", region)
    page.click("main form button[type=submit]")
    page.wait_for_selector("code.one-time-password")
    return page.inner_text("code.one-time-password").strip()


def test_county_office_adds_township_officer_and_cadre_who_see_their_scope(
    world, browser_context, browser_page
):
    page = browser_page
    log_in(page, with_password(world.users["county_officer"]))
    page.click("header >> text=人员管理")
    page.wait_for_selector("h1:has-text('人员管理')")
    officer_pw = add_person(
        page, name="王站长", username="wang-zz", role_label="乡(镇)扶贫工作站", region="岷阳镇"
    )
    cadre_pw = add_person(
        page,
        name="李干部",
        username="li-gb",
        role_label="帮扶责任人",
        region="东街村（621126100001）",
    )
    assert Membership.objects.get(user__username="wang-zz").role == Role.TOWNSHIP_OFFICE
    page.goto("/people/?q=李干部")
    assert "帮扶责任人 · 东街村（621126100001）" in page.inner_text("main")

    # The township officer: their township, not the county's other township, not the next county.
    # The one-time password is changed first: every page leads to the password change.
    browser_context.clear_cookies()
    officer = world.users["county_officer"].__class__.objects.get(username="wang-zz")
    log_in(page, officer, officer_pw)
    assert page.url.endswith("/accounts/password_change/")
    page.goto("/people/me/")
    assert page.url.endswith("/accounts/password_change/")
    browser_context.clear_cookies()
    first_log_in(page, officer, officer_pw)
    page.goto("/")
    assert page.url.endswith("/")
    assert page.goto("/regions/621126100000/").status == 200
    assert page.goto("/regions/621126101000/").status == 404  # 梅川镇
    assert page.goto("/regions/621223000000/").status == 404  # 宕昌县
    page.goto("/people/me/")
    assert "乡(镇)扶贫工作站 · 岷阳镇（621126100000）" in page.inner_text("main")
    # It manages the villages and cadres of its township: it sees the cadre, not the county office.
    page.goto("/people/")
    listing = page.inner_text("main")
    assert "李干部" in listing and "county_officer" not in listing

    # The cadre: no pairing yet, so no village's households; their role on 我的账户.
    browser_context.clear_cookies()
    first_log_in(
        page, world.users["county_officer"].__class__.objects.get(username="li-gb"), cadre_pw
    )
    page.goto("/")
    assert page.url.endswith("/")
    assert page.goto("/regions/621126100001/").status == 404
    assert page.goto("/people/").status == 403
    page.goto("/people/me/")
    assert "帮扶责任人 · 东街村（621126100001）" in page.inner_text("main")
    assert "人员管理" not in page.inner_text("header")
