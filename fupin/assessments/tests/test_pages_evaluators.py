"""The evaluators page: who registers whom, forms, the roster's check then 确认导入, passwords once."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.models import Campaign, Enumerator, Expert, Institution
from fupin.assessments.services import campaign_create, evaluator_register, institution_register
from fupin.assessments.services.roster import ROSTER_COLUMNS
from fupin.assessments.tests.conftest import MINXIAN, make_user
from fupin.assessments.workflows import CampaignKind
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashes(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Scene:
    campaign: Campaign
    wg: User
    hust: Institution
    sysu: Institution
    admin: User  # 华中科技大学's institution admin

    def url(self, tail: str = "") -> str:
        return f"/assessments/{self.campaign.pk}/evaluators/{tail}"


@pytest.fixture
def scene(gansu_village: Region) -> Scene:
    campaign = campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=2020,
        name="岷县退出专项评估检查",
        scope=[Region.objects.get(code=MINXIAN)],
        actor="test",
    )
    wg = make_user("wg")
    Membership.objects.create(user=wg, role=Role.WORKING_GROUP, campaign=campaign)
    hust = institution_register(name="华中科技大学", province="42", user=wg)
    sysu = institution_register(name="中山大学", province="44", user=wg)
    admin = make_user("hust_admin")
    Membership.objects.create(user=admin, role=Role.INSTITUTION_ADMIN, institution=hust)
    return Scene(campaign, wg, hust, sysu, admin)


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def roster(rows: list[list[Any]]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(list(ROSTER_COLUMNS))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("名单.xlsx", out.getvalue())


def passwords(html: str) -> dict[str, str]:
    """username → one-time password, from the logins page."""
    pairs = re.findall(
        r"<td><code>([^<]+)</code></td><td><code class=\"password\">([^<]+)</code>", html
    )
    return dict(pairs)


def test_the_page_lists_evaluators_with_chinese_labels(scene: Scene):
    evaluator_register(
        "enumerator",
        name="张三",
        employer_province="62",
        institution=scene.hust,
        experienced=True,
        exam_passed=True,
        phone="13812345678",
        user=scene.wg,
    )
    evaluator_register("expert", name="李教授", employer_province="11", user=scene.wg)
    html = client_for(scene.wg).get(scene.url()).content.decode()
    for text in ("张三", "甘肃省", "有经验", "已通过考试", "李教授", "北京市", "新手", "未通过"):
        assert text in html
    assert "138****5678" in html and "13812345678" not in html
    assert ">enumerator<" not in html and ">True<" not in html and ">62<" not in html
    detail = client_for(scene.wg).get(f"/assessments/{scene.campaign.pk}/").content.decode()
    assert scene.url() in detail


def test_only_the_working_group_and_institution_admins_open_it(scene: Scene):
    officer = make_user("officer", Role.COUNTY_OFFICER)
    assert client_for(officer).get(scene.url()).status_code == 404
    other_wg = make_user("other_wg")  # a working group of another campaign
    other = campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=2021,
        name="另一任务",
        scope=[Region.objects.get(code=MINXIAN)],
        actor="test",
    )
    Membership.objects.create(user=other_wg, role=Role.WORKING_GROUP, campaign=other)
    assert client_for(other_wg).get(scene.url()).status_code == 404
    assert client_for(scene.admin).get(scene.url()).status_code == 200


def test_the_working_group_registers_an_institution(scene: Scene):
    c = client_for(scene.wg)
    r = c.post(
        scene.url("institutions/"),
        {"name": "兰州大学", "province": "62", "took_part_in": "甘肃、四川省"},
    )
    assert r.status_code == 302
    inst = Institution.objects.get(name="兰州大学")
    assert (inst.province_code, inst.took_part_in) == ("62", ["62", "51"])
    r = c.post(scene.url("institutions/"), {"name": "兰州大学", "province": "62"})
    assert r.status_code == 409 and "评估机构“兰州大学”已登记" in r.content.decode()
    r = c.post(scene.url("institutions/"), {"name": "", "province": ""})
    assert r.status_code == 400 and "请填写“机构名称”" in r.content.decode()
    r = client_for(scene.admin).post(
        scene.url("institutions/"), {"name": "x大学", "province": "42"}
    )
    assert r.status_code == 403 and "只有评估工作组可以登记评估机构" in r.content.decode()


def test_a_form_registration_shows_the_password_once_and_never_twice(scene: Scene):
    c = client_for(scene.admin)
    page = c.get(scene.url()).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    form = {
        "form_token": token,
        "kind": "enumerator",
        "name": "王五",
        "institution": str(scene.hust.pk),
        "employer_province": "42",
        "took_part_in": "",
        "experienced": "on",
        "exam_passed": "on",
        "phone": "",
        "username": "",
    }
    r = c.post(scene.url("add/"), form)
    assert r.status_code == 200
    ((username, password),) = passwords(r.content.decode()).items()
    assert Client().login(username=username, password=password)
    again = c.post(scene.url("add/"), form)  # the browser's reload of the POST
    assert again.status_code == 409 and "未重复登记" in again.content.decode()
    assert Enumerator.objects.filter(name="王五").count() == 1
    listing = c.get(scene.url()).content.decode()
    assert password not in listing


def test_the_institution_admin_cannot_register_into_another_institution(scene: Scene):
    c = client_for(scene.admin)
    page = c.get(scene.url()).content.decode()
    assert "中山大学" not in page  # not among its institutions, nor its people
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    r = c.post(
        scene.url("add/"),
        {
            "form_token": token,
            "kind": "enumerator",
            "name": "赵六",
            "institution": str(scene.sysu.pk),
            "employer_province": "44",
        },
    )
    assert r.status_code == 400 and "“所属机构”的选项无效" in r.content.decode()
    r = c.post(
        scene.url("roster/"),
        {
            "institution": str(scene.sysu.pk),
            "file": roster([["赵六", "调查员", "44", "", "否", "是", "", ""]]),
        },
    )
    assert r.status_code == 400
    assert not Enumerator.objects.exists()


def test_a_roster_is_checked_then_imported_on_confirmation(scene: Scene):
    c = client_for(scene.admin)
    users_before = User.objects.count()
    r = c.post(
        scene.url("roster/"),
        {
            "institution": str(scene.hust.pk),
            "file": roster(
                [
                    ["甲", "调查员", "湖北", "", "是", "是", "", ""],
                    ["乙教授", "专家", "42", "甘肃省", "是", "否", "", "yi-prof"],
                ]
            ),
        },
    )
    html = r.content.decode()
    assert r.status_code == 200 and "确认导入" in html and "尚未写入" in html
    assert User.objects.count() == users_before and not Expert.objects.exists()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    r = c.post(scene.url("roster/confirm/"), {"token": token})
    assert r.status_code == 200
    logins = passwords(r.content.decode())
    assert set(logins) >= {"yi-prof"} and len(logins) == 2
    for username, password in logins.items():
        assert Client().login(username=username, password=password)
    assert Expert.objects.get(name="乙教授").took_part_in == ["62"]
    again = c.post(scene.url("roster/confirm/"), {"token": token})
    assert again.status_code == 409 and "未重复导入" in again.content.decode()
    assert User.objects.count() == users_before + 2
    assert (
        AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, actor="hust_admin").count() == 1
    )


def test_a_bad_roster_shows_row_numbered_errors_and_offers_no_import(scene: Scene):
    r = client_for(scene.wg).post(
        scene.url("roster/"),
        {
            "institution": str(scene.hust.pk),
            "file": roster(
                [
                    ["甲", "调查员", "湖北", "", "是", "是", "", ""],
                    ["乙", "调查员", "湖北", "", "是", "不知道", "", ""],
                ]
            ),
        },
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert "第 3 行：“通过考试”须填“是”或“否”" in html and "确认导入" not in html


def test_a_password_reset_asks_first_then_shows_the_new_one(scene: Scene):
    first = evaluator_register(
        "enumerator", name="张三", employer_province="42", institution=scene.hust, user=scene.wg
    )
    c = client_for(scene.admin)
    url = scene.url(f"enumerator/{first.evaluator.pk}/reset/")
    page = c.get(url).content.decode()
    assert "确认重置" in page and Client().login(username=first.username, password=first.password)
    r = c.post(url)
    new = passwords(r.content.decode())[first.username]
    assert not Client().login(username=first.username, password=first.password)
    assert Client().login(username=first.username, password=new)
    outsider = evaluator_register(
        "enumerator", name="中大甲", employer_province="44", institution=scene.sysu, user=scene.wg
    )
    assert c.post(scene.url(f"enumerator/{outsider.evaluator.pk}/reset/")).status_code == 404


def test_the_roster_template_downloads(scene: Scene):
    r = client_for(scene.admin).get(scene.url("roster-template.xlsx"))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert [c.value for c in ws[1]] == list(ROSTER_COLUMNS)


def test_institution_admins_find_the_page_from_the_campaign_list(scene: Scene):
    c = client_for(scene.admin)
    listing = c.get("/assessments/").content.decode()
    assert "/assessments/evaluators/" in listing
    home = c.get("/assessments/evaluators/").content.decode()
    assert scene.url() in home and "岷县退出专项评估检查" in home
    officer = make_user("officer", Role.COUNTY_OFFICER)
    assert (
        "/assessments/evaluators/" not in client_for(officer).get("/assessments/").content.decode()
    )
    assert scene.url() not in client_for(officer).get("/assessments/evaluators/").content.decode()
