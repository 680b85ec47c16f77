"""The people pages: the county office's list, create, reset, grant and end, deactivate with a
confirmation, bulk import with its dry run; a guessed id from the next county is a 404."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.people import person_create
from fupin.accounts.people_import import HEADERS
from fupin.files.sheets import Sheet, write_xlsx
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db

PASSWORD_CELL = re.compile(r'class="one-time-password">([^<]+)<')


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def county(client, world):
    client.force_login(world.users["county_officer"])
    return client


def _cadre_li(world):
    """李干部 (li), a helping cadre of 东街村, made by the county office."""
    user, _pw = person_create(
        actor=world.users["county_officer"],
        name="李干部",
        username="li",
        role=Role.HELPING_CADRE,
        region=Region.objects.get(code="621126100001"),
    )
    return user


def test_county_office_adds_a_township_officer_by_region_name(county, world):
    page = county.get("/people/new/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "乡(镇)扶贫工作站" in text and "岷阳镇（621126100000）" in text
    assert "省扶贫办" not in text and "县扶贫办</option>" not in text  # not grantable
    response = county.post(
        "/people/new/",
        {
            "name": "王站长",
            "username": "zhanzhang",
            "phone": "13800000001",
            "unit": "岷阳镇人民政府",
            "post": "站长",
            "role": Role.TOWNSHIP_OFFICE,
            "region": "岷阳镇",
        },
    )
    assert response.status_code == 200
    password = PASSWORD_CELL.search(response.content.decode()).group(1)
    user = get_user_model().objects.get(username="zhanzhang")
    assert user.check_password(password)
    assert Membership.objects.get(user=user).region.code == "621126100000"
    listing = county.get("/people/", {"q": "1380000"}).content.decode()
    assert "王站长" in listing and "乡(镇)扶贫工作站 · 岷阳镇（621126100000）" in listing


def test_a_refusal_is_shown_on_the_form_and_nothing_is_made(county, world):
    response = county.post(
        "/people/new/",
        {"name": "某人", "username": "x", "role": Role.VILLAGE_OFFICE, "region": "621223100001"},
    )
    assert "不在本单位辖区内" in response.content.decode()
    assert not get_user_model().objects.filter(username="x").exists()


def test_guessed_id_from_the_next_county_is_404_everywhere(county, world):
    theirs, _pw = person_create(
        actor=world.users["neighbour_officer"],
        name="邻县干部",
        username="next-cadre",
        role=Role.HELPING_CADRE,
        region=Region.objects.get(code="621223100001"),
    )
    for path in ("", "edit/", "password/", "deactivate/"):
        assert county.get(f"/people/{theirs.pk}/{path}").status_code == 404
    assert county.post(f"/people/{theirs.pk}/password/").status_code == 404
    assert county.post("/people/passwords/", {"person": [theirs.pk]}).status_code == 400
    assert "next-cadre" not in county.get("/people/").content.decode()
    theirs.refresh_from_db()
    assert theirs.is_active


def test_people_without_an_office_are_refused(client, world):
    client.force_login(world.users["cadre"])
    assert client.get("/people/").status_code == 403
    assert "人员管理" not in client.get("/people/me/").content.decode()


def test_reset_asks_first_then_shows_the_password_once(county, world):
    user = _cadre_li(world)
    confirm = county.get(f"/people/{user.pk}/password/").content.decode()
    assert "确认重置" in confirm and "one-time-password" not in confirm
    shown = county.post(f"/people/{user.pk}/password/").content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD_CELL.search(shown).group(1))
    sheet = county.post("/people/passwords/", {"person": [user.pk]}).content.decode()
    assert "确认重置" in sheet and "one-time-password" not in sheet  # a confirmation first
    sheet = county.post("/people/passwords/", {"person": [user.pk], "confirm": "1"})
    user.refresh_from_db()
    assert user.check_password(PASSWORD_CELL.search(sheet.content.decode()).group(1))


def test_the_person_page_shows_a_login_lock_until_the_password_is_reset(county, world):
    from fupin.accounts.services import MAX_FAILURES_ANY_ADDRESS, login_failure_record

    user = _cadre_li(world)
    assert 'id="login-lock"' not in county.get(f"/people/{user.pk}/").content.decode()
    for k in range(MAX_FAILURES_ANY_ADDRESS):
        login_failure_record(username="li", ip=f"10.1.{k}.1")
    page = county.get(f"/people/{user.pk}/").content.decode()
    assert "登录锁定" in page and "所有地址暂停登录至" in page and "重置密码可立即解除" in page
    assert county.get("/people/?q=li").content.decode().count("登录已锁定") == 1  # the list too
    county.post(f"/people/{user.pk}/password/")
    assert 'id="login-lock"' not in county.get(f"/people/{user.pk}/").content.decode()
    assert "登录已锁定" not in county.get("/people/?q=li").content.decode()


def test_grant_end_and_deactivate_through_the_pages(county, world):
    user = _cadre_li(world)
    county.post(
        f"/people/{user.pk}/roles/grant/",
        {"role": Role.VILLAGE_OFFICE, "region": "东街村（621126100001）"},
    )
    row = Membership.objects.get(user=user, role=Role.VILLAGE_OFFICE)
    ask = county.get(f"/people/{user.pk}/roles/{row.pk}/end/").content.decode()
    assert "确认撤销" in ask and Membership.objects.filter(pk=row.pk).exists()
    county.post(f"/people/{user.pk}/roles/{row.pk}/end/")
    assert not Membership.objects.filter(pk=row.pk).exists()
    ask = county.get(f"/people/{user.pk}/deactivate/").content.decode()
    assert "确认停用" in ask
    county.post(f"/people/{user.pk}/deactivate/", {"reason": "调离"})
    user.refresh_from_db()
    assert not user.is_active
    detail = county.get(f"/people/{user.pk}/").content.decode()
    assert "停用账号：调离" in detail and "撤销角色：村扶贫专干" in detail


def test_grant_to_oneself_is_refused_with_the_rule(county, world):
    me = world.users["county_officer"]
    response = county.post(
        f"/people/{me.pk}/roles/grant/", {"role": Role.HELPING_CADRE, "region": "东街村"}
    )
    assert response.status_code == 409
    assert "不能给自己授予或撤销角色" in response.content.decode()


def test_import_dry_run_then_confirm(county, world):
    out = io.BytesIO()
    rows = [[f"干部{i}", "", f"c{i}", "东街村", "帮扶责任人", "县农业局", ""] for i in range(3)]
    write_xlsx(out, [Sheet("人员名单", HEADERS, rows)])
    out.name = "people.xlsx"
    out.seek(0)
    report = county.post("/people/import/", {"file": out}).content.decode()
    assert "将新增 3 人" in report and "确认导入" in report
    assert not get_user_model().objects.filter(username="c0").exists()
    token = re.search(r'name="token" value="([0-9a-f]+)"', report).group(1)
    done = county.post("/people/import/", {"confirm": "1", "token": token}).content.decode()
    assert done.count("one-time-password") == 3
    assert get_user_model().objects.filter(username__in=["c0", "c1", "c2"]).count() == 3
    again = county.post("/people/import/", {"confirm": "1", "token": token})
    assert again.status_code == 400  # the stored file went with the import


def test_template_downloads(county):
    response = county.get("/people/import/template.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_my_account_shows_my_roles_and_history(client, world):
    officer = world.users["township_officer"]
    client.force_login(officer)
    text = client.get("/people/me/").content.decode()
    assert "乡(镇)扶贫工作站 · 岷阳镇（621126100000）" in text
    assert "授予角色：乡(镇)扶贫工作站" in text
    assert AuditEntry.objects.filter(model="User", object_key=str(officer.pk)).exists()


def test_navigation_shows_people_to_offices_only(client, world):
    client.force_login(world.users["county_officer"])
    assert 'href="/people/"' in client.get("/people/me/").content.decode()
    client.force_login(world.users["enumerator"])
    assert 'href="/people/"' not in client.get("/people/me/").content.decode()
