"""Bulk people: an XLSX of 200 cadres imported in one step; a bad row refuses the whole file with
row numbers; the dry run writes nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.people import PeopleError
from fupin.accounts.people_import import (
    HEADERS,
    PeopleImportRefused,
    people_import_apply,
    people_import_plan,
    people_read_xlsx,
    people_template_xlsx,
)
from fupin.files.sheets import Sheet, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def xlsx(rows) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, [Sheet("人员名单", HEADERS, rows)])
    return out.getvalue()


def cadres(n: int) -> list[list[str]]:
    villages = ["东街村", "621126101001"]  # by name, and 马家沟村 by code
    return [
        [
            f"干部{i:03d}",
            f"139{i:08d}",
            f"gb-{i:03d}",
            villages[i % 2],
            "帮扶责任人",
            "岷县农业农村局",
            "科员",
        ]
        for i in range(n)
    ]


def test_two_hundred_cadres_imported_in_one_step(world):
    officer = world.users["county_officer"]
    data = xlsx(cadres(200))
    rows = people_read_xlsx(data)
    plan = people_import_plan(actor=officer, rows=rows)
    assert (plan.errors, plan.created, plan.updated) == ([], 200, 0)
    assert not get_user_model().objects.filter(username__startswith="gb-").exists()  # dry run

    report, passwords = people_import_apply(actor=officer, rows=rows, data=data)
    assert report.created == 200 and len(passwords) == 200
    made = get_user_model().objects.filter(username__startswith="gb-")
    assert made.count() == 200
    assert Membership.objects.filter(user__in=made, role=Role.HELPING_CADRE).count() == 200
    one = made.get(username="gb-007")
    assert one.first_name == "干部007" and one.profile.phone == "13900000007"
    assert one.profile.region.code == "621126101001"
    assert one.check_password(next(p.password for p in passwords if p.username == "gb-007"))
    summary = AuditEntry.objects.get(model="PersonImport")
    assert summary.actor == "county_officer" and summary.after["created"] == 200


def test_a_second_import_updates_and_grants_what_is_missing(world):
    officer = world.users["county_officer"]
    people_import_apply(actor=officer, rows=people_read_xlsx(xlsx(cadres(2))))
    again = [["干部000改", "13700000000", "GB-000", "岷阳镇", "村扶贫专干", "", ""]]
    with pytest.raises(PeopleImportRefused) as refused:  # a village office needs a village
        people_import_apply(actor=officer, rows=people_read_xlsx(xlsx(again)))
    assert refused.value.report.errors == ["第2行：“村扶贫专干”须对应一个村级区划"]
    again[0][3] = "东街村"
    report, passwords = people_import_apply(actor=officer, rows=people_read_xlsx(xlsx(again)))
    assert (report.created, report.updated, passwords) == (0, 1, [])
    user = get_user_model().objects.get(username="gb-000")
    assert user.first_name == "干部000改"
    assert {m.role for m in user.memberships.all()} == {Role.HELPING_CADRE, Role.VILLAGE_OFFICE}


def test_bad_rows_refuse_the_whole_file_with_row_numbers(world):
    officer = world.users["county_officer"]
    rows = cadres(5)
    rows[1][3] = "621223100001"  # 宕昌县: outside
    rows[2][4] = "县扶贫办"  # at the office's own level
    rows[3][2] = "GB-000"  # same username as row 2, other case
    rows[4][1] = "12345"  # phone
    with pytest.raises(PeopleImportRefused) as refused:
        people_import_apply(actor=officer, rows=people_read_xlsx(xlsx(rows)))
    errors = refused.value.report.errors
    assert [e.split("：")[0] for e in errors] == ["第3行", "第4行", "第5行", "第6行"]
    assert "不在本单位辖区内" in errors[0] and "不能授予" in errors[1]
    assert "与第2行重复" in errors[2] and "手机号" in errors[3]
    assert not get_user_model().objects.filter(username__startswith="gb-").exists()


def test_the_template_reads_back_as_an_empty_list_with_its_headers():
    out = io.BytesIO()
    people_template_xlsx(out)
    with pytest.raises(PeopleError, match="文件中没有人员"):
        people_read_xlsx(out.getvalue())
    with pytest.raises(PeopleError, match="无法读取"):
        people_read_xlsx(b"not a workbook")
