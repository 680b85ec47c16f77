"""In a real browser: the county office assigns a township post on the people pages (职务), the
holder sees it on 我的账户, and the office ends the term after a confirmation."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.accounts.models import Post
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_county_office_assigns_and_ends_a_township_post(world, browser_context, browser_page):
    page = browser_page
    log_in(page, with_password(world.users["county_officer"]))
    page.goto("/people/")
    page.click("main >> text=职务（3342签字）")
    page.wait_for_selector("h2:has-text('任命任职人')")
    page.fill("input[name=region]", "岷阳镇（621126100000）")
    page.select_option("select[name=kind]", label="乡镇长")
    page.fill("input[name=holder]", "township_officer")
    page.fill("input[name=start_date]", "2019-01-01")
    page.click("main form.filters button[type=submit]")
    page.wait_for_selector("td:has-text('乡镇长')")
    row = page.inner_text("main table tbody tr")
    assert "岷阳镇（621126100000）" in row and "township_officer" in row and "现任" in row
    post = Post.objects.get()
    assert (post.kind, post.holder, post.granted_by) == (
        "township_head",
        world.users["township_officer"],
        world.users["county_officer"],
    )

    # The holder's page in 人员管理 shows the post.
    page.click("main table tbody tr >> a:has-text('township_officer')")
    page.wait_for_selector("h2:has-text('职务')")
    assert "岷阳镇乡镇长" in page.inner_text("main")

    # Ending asks first; cancelling changes nothing.
    page.goto("/people/posts/")
    page.click("text=办理离任")
    page.wait_for_selector("h1:has-text('办理离任')")
    assert "确认 township_officer 不再担任岷阳镇乡镇长" in page.inner_text("main")
    page.fill("input[name=end_date]", "2024-03-01")
    page.click("button:has-text('确认离任')")
    page.wait_for_selector("td:has-text('已离任')")
    assert Post.objects.get().end_date == dt.date(2024, 3, 1)
