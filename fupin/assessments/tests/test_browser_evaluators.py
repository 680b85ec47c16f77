"""In a real browser: an institution admin uploads an XLSX roster, checks it, confirms, and reads
the one-time passwords; an enumerator then logs in with hers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from fupin.accounts.models import Membership, Role
from fupin.assessments.models import Enumerator, Expert
from fupin.assessments.services import campaign_create, institution_register
from fupin.assessments.services.roster import ROSTER_COLUMNS
from fupin.assessments.tests.conftest import MINXIAN, make_user
from fupin.assessments.workflows import CampaignKind
from fupin.regions.models import Region
from fupin.testing.browser import WAIT_MS, log_in, with_password

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fast_hashes(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_institution_admin_imports_a_roster_and_hands_out_passwords(
    gansu_village: Region, browser_page: Any, chromium: Any, live_server: Any, tmp_path: Path
):
    campaign = campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=2020,
        name="岷县退出专项评估检查",
        scope=[Region.objects.get(code=MINXIAN)],
        actor="test",
    )
    wg = make_user("wg")
    Membership.objects.create(user=wg, role=Role.WORKING_GROUP, campaign=campaign)
    hust = institution_register(name="华中科技大学", province="湖北省", user=wg)
    admin = with_password(make_user("hust_admin"))
    Membership.objects.create(user=admin, role=Role.INSTITUTION_ADMIN, institution=hust)

    wb = Workbook()
    ws = wb.active
    ws.append(list(ROSTER_COLUMNS))
    ws.append(["甲同学", "调查员", "湖北", "", "是", "是", "13800000001", "jia-hust"])
    ws.append(["乙同学", "调查员", "62", "", "否", "是", "", ""])
    ws.append(["丙教授", "专家", "湖北省", "甘肃省、四川省", "是", "否", "", ""])
    path = tmp_path / "华科名单.xlsx"
    wb.save(path)

    page = browser_page
    log_in(page, admin)
    page.goto(f"/assessments/{campaign.pk}/evaluators/")
    form = page.locator("#roster-form")
    form.locator("input[type=file]").set_input_files(str(path))
    form.get_by_role("button", name="检查名单").click()
    page.wait_for_selector("#roster-confirm")
    main = page.inner_text("main")
    assert "共 3 人（专家 1 人，调查员 2 人）" in main and "尚未写入" in main
    assert "甘肃省、四川省" in main
    assert not Enumerator.objects.exists() and not Expert.objects.exists()

    page.get_by_role("button", name="确认导入").click()
    page.wait_for_selector("#logins")
    assert "已从名单导入 3 人" in page.inner_text("#logins-status")
    rows = page.locator("#logins tbody tr")
    assert rows.count() == 3
    logins = {}
    for i in range(3):
        cells = rows.nth(i).locator("td").all_inner_texts()
        logins[cells[0]] = (cells[3], cells[4])
    assert logins["甲同学"][0] == "jia-hust"
    assert Enumerator.objects.count() == 2 and Expert.objects.get().name == "丙教授"

    # The list back on the page: labels in Chinese, and no password anywhere.
    page.goto(f"/assessments/{campaign.pk}/evaluators/")
    listing = page.inner_text("#enumerators")
    assert "有经验" in listing and "新手" in listing and "已通过考试" in listing
    assert "未通过" in page.inner_text("#experts")
    assert all(password not in page.content() for _, password in logins.values())

    # 甲同学 logs in with what was printed for her.
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    try:
        phone = context.new_page()
        phone.goto("/accounts/login/")
        phone.fill("input[name=username]", logins["甲同学"][0])
        phone.fill("input[name=password]", logins["甲同学"][1])
        phone.click("button[type=submit], input[type=submit]")
        # A one-time password: she sets her own before anything else (fupin.accounts.first_login).
        phone.wait_for_selector("#first-login")
        phone.fill("input[name=old_password]", logins["甲同学"][1])
        phone.fill("input[name=new_password1]", "Jia-own-Pass-2020")
        phone.fill("input[name=new_password2]", "Jia-own-Pass-2020")
        phone.click("form.login button[type=submit]")
        phone.wait_for_url("**/accounts/password_change/done/")
        phone.goto("/")
        phone.wait_for_selector("header .user")
        assert "jia-hust" in phone.inner_text("header .user")
    finally:
        context.close()
