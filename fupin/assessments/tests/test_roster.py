"""Registering evaluators with their logins (issue #14 item 4): services, roster, the exam."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import Workbook, load_workbook

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.models import Enumerator, Expert, Institution
from fupin.assessments.services import (
    AssessmentError,
    assignment_record,
    evaluator_password_reset,
    evaluator_register,
    institution_register,
    roster_import,
    roster_template,
    team_create,
)
from fupin.assessments.services.roster import ROSTER_COLUMNS
from fupin.assessments.tests.conftest import World, make_user

pytestmark = pytest.mark.django_db

HEADER = list(ROSTER_COLUMNS)


@pytest.fixture(autouse=True)
def fast_hashes(settings: Any) -> None:
    """A real hash costs about a second here; the logins work the same with MD5."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def wg() -> User:
    return make_user("wg", Role.WORKING_GROUP)


@pytest.fixture
def inst(wg: User) -> Institution:
    return institution_register(
        name="华中科技大学", province="湖北省", took_part_in="甘肃、51", user=wg
    )


@pytest.fixture
def admin(inst: Institution) -> User:
    user = make_user("hust_admin")
    Membership.objects.create(user=user, role=Role.INSTITUTION_ADMIN, institution=inst)
    return user


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def audit_text() -> str:
    return json.dumps(
        list(AuditEntry.objects.values("before", "after", "note")), ensure_ascii=False
    )


def can_log_in(username: str, password: str) -> bool:
    return Client().login(username=username, password=password)


def test_an_institution_has_its_province_and_the_provinces_it_assessed(inst: Institution):
    inst.refresh_from_db()
    assert (inst.province_code, inst.took_part_in) == ("42", ["62", "51"])
    row = AuditEntry.objects.get(model="Institution", object_key=str(inst.pk))
    assert row.actor == "wg" and row.after["province_code"] == "42"


def test_institutions_are_registered_by_the_working_group_only(wg: User, admin: User):
    with pytest.raises(AssessmentError, match="只有评估工作组可以登记评估机构"):
        institution_register(name="中山大学", province="44", user=admin)
    with pytest.raises(AssessmentError, match="“所在省”无法识别：火星"):
        institution_register(name="中山大学", province="火星", user=wg)
    with pytest.raises(AssessmentError, match="已登记"):
        institution_register(name="华中科技大学", province="42", user=wg)


def test_a_registered_enumerator_logs_in_with_the_one_time_password(inst: Institution, wg: User):
    login = evaluator_register(
        "enumerator",
        name="张三",
        employer_province="甘肃",
        institution=inst,
        took_part_in=["湖北省"],
        experienced=True,
        exam_passed=True,
        phone="13800000000",
        user=wg,
    )
    e = Enumerator.objects.get(pk=login.evaluator.pk)
    assert (e.employer_province, e.took_part_in, e.experienced, e.exam_passed) == (
        "62",
        ["42"],
        True,
        True,
    )
    account = User.objects.get(pk=e.user_id)
    assert account.username == login.username and login.username.startswith("dcy")
    assert login.password and login.password not in account.password
    assert Membership.objects.filter(user=account, role=Role.ENUMERATOR).exists()
    assert can_log_in(login.username, login.password)
    assert not can_log_in(login.username, login.password + "x")
    assert login.password not in audit_text()
    assert AuditEntry.objects.filter(model="Enumerator", object_key=str(e.pk)).exists()


def test_usernames_are_unique_whatever_the_case(inst: Institution, wg: User):
    make_user("Zhang")
    with pytest.raises(AssessmentError, match="用户名 zhang 已被使用"):
        evaluator_register(
            "expert", name="张教授", employer_province="42", username="zhang", user=wg
        )
    assert not Expert.objects.exists()


def test_the_institution_admin_registers_only_its_own_people(
    inst: Institution, wg: User, admin: User
):
    other = institution_register(name="中山大学", province="44", user=wg)
    made = evaluator_register(
        "expert", name="李教授", employer_province="42", institution=inst, user=admin
    )
    assert made.evaluator.institution_id == inst.pk
    with pytest.raises(AssessmentError, match="不是中山大学的评估机构管理员"):
        evaluator_register(
            "enumerator", name="王五", employer_province="44", institution=other, user=admin
        )
    with pytest.raises(AssessmentError, match="不是中山大学的评估机构管理员"):
        roster_import(
            xlsx([["王五", "调查员", "44", "", "否", "是", "", ""]]),
            institution=other,
            user=admin,
            dry_run=True,
        )
    nobody = make_user("nobody")
    with pytest.raises(AssessmentError, match="评估机构管理员"):
        evaluator_register(
            "expert", name="赵教授", employer_province="42", institution=inst, user=nobody
        )
    assert not Enumerator.objects.exists() and Expert.objects.count() == 1


def test_a_roster_dry_run_reports_and_writes_nothing(inst: Institution, admin: User):
    data = xlsx(
        [
            ["甲", "调查员", "湖北省", "", "是", "是", "13900000001", ""],
            ["乙", "调查员", "62", "", "否", "是", "", "yi-hust"],
            ["丙教授", "专家", "420000000000", "甘肃省、四川", "是", "否", "", ""],
        ]
    )
    counts = (User.objects.count(), AuditEntry.objects.count())
    report = roster_import(data, institution=inst, user=admin, dry_run=True)
    assert report.errors == [] and not report.written
    assert (report.enumerators, report.experts) == (2, 1)
    assert report.specs[2].took_part_in == ("62", "51")
    assert (User.objects.count(), AuditEntry.objects.count()) == counts
    assert not Enumerator.objects.exists() and not Expert.objects.exists()

    report = roster_import(data, institution=inst, user=admin, dry_run=False, filename="名单.xlsx")
    assert [lg.evaluator.name for lg in report.created] == ["甲", "乙", "丙教授"]
    assert report.created[1].username == "yi-hust"
    assert Expert.objects.get(name="丙教授").exam_passed is False
    for lg in report.created:
        assert can_log_in(lg.username, lg.password)
        assert lg.password not in audit_text()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, actor="hust_admin").exists()


def test_one_bad_row_refuses_the_whole_roster_with_row_numbers(inst: Institution, admin: User):
    make_user("taken")
    data = xlsx(
        [
            ["甲", "调查员", "湖北省", "", "是", "是", "", ""],
            [None, None, None, None, None, None, None, None],  # blank rows are skipped
            ["乙", "学生", "火星", "", "也许", "是", "123", ""],
            ["丙", "调查员", "42", "", "否", "是", "", "TAKEN"],
        ]
    )
    before = (User.objects.count(), AuditEntry.objects.count())
    report = roster_import(data, institution=inst, user=admin, dry_run=False)
    assert not report.written
    assert "第 4 行：“类别”须为“专家”或“调查员”：学生" in report.errors
    assert "第 4 行：“单位省份”无法识别：火星" in report.errors
    assert "第 4 行：“有评估经验”须填“是”或“否”" in report.errors
    assert "用户名 TAKEN 已被使用" in report.errors
    assert not any(e.startswith("第 2 行") for e in report.errors)
    assert (User.objects.count(), AuditEntry.objects.count()) == before
    assert not Enumerator.objects.exists()


def test_a_roster_without_the_columns_or_not_a_workbook_is_refused(inst: Institution, admin: User):
    report = roster_import(
        xlsx([["甲", "调查员"]], header=["姓名", "类别"]),
        institution=inst,
        user=admin,
        dry_run=True,
    )
    assert report.errors == ["第 1 行（表头）缺少列：单位省份、有评估经验、通过考试"]
    report = roster_import(b"not a workbook", institution=inst, user=admin, dry_run=True)
    assert "文件无法读取" in report.errors[0]


def test_the_template_has_the_roster_columns():
    out = io.BytesIO()
    roster_template(out)
    ws = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert [c.value for c in ws[1]] == HEADER


def test_a_new_one_time_password_replaces_the_old(inst: Institution, wg: User, admin: User):
    first = evaluator_register(
        "enumerator", name="张三", employer_province="42", institution=inst, user=admin
    )
    second = evaluator_password_reset(first.evaluator, user=wg)
    assert second.password != first.password
    assert not can_log_in(first.username, first.password)
    assert can_log_in(second.username, second.password)
    assert second.password not in audit_text()
    assert AuditEntry.objects.filter(note="重置初始密码", actor="wg").exists()
    other = make_user("other_admin")
    Membership.objects.create(
        user=other,
        role=Role.INSTITUTION_ADMIN,
        institution=institution_register(name="中山大学", province="44", user=wg),
    )
    with pytest.raises(AssessmentError, match="不是华中科技大学的评估机构管理员"):
        evaluator_password_reset(first.evaluator, user=other)


def test_who_has_not_passed_the_exam_cannot_be_assigned(world: World):
    inst = world.team.institution
    old = evaluator_register(
        "enumerator",
        name="未考甲",
        employer_province="42",
        institution=inst,
        experienced=True,
        user=world.working_group,
    ).evaluator
    new = evaluator_register(
        "enumerator",
        name="已考乙",
        employer_province="42",
        institution=inst,
        exam_passed=True,
        user=world.working_group,
    ).evaluator
    with pytest.raises(AssessmentError, match="未考甲未通过培训考试，不能分派"):
        team_create(campaign=world.campaign, code="T09", institution=inst, experienced=old, new=new)
    expert = evaluator_register(
        "expert", name="未考专家", employer_province="11", user=world.working_group
    ).evaluator
    with pytest.raises(AssessmentError, match="未考专家未通过培训考试，不能分派"):
        assignment_record(
            campaign=world.campaign, seed=3, experts=[(expert, world.county)], actor="t"
        )
    Expert.objects.filter(pk=expert.pk).update(exam_passed=True)
    expert.refresh_from_db()
    assignment_record(campaign=world.campaign, seed=3, experts=[(expert, world.county)], actor="t")


def test_a_batch_without_passwords_has_logins_to_be_issued_later(inst: Institution, wg: User):
    from fupin.assessments.services import EvaluatorSpec, evaluators_register

    specs = [
        EvaluatorSpec(kind="enumerator", name=f"批量{i}", employer_province="42", institution=inst)
        for i in range(3)
    ]
    logins = evaluators_register(specs, user=wg, passwords=False)
    assert [lg.password for lg in logins] == ["", "", ""]
    assert len({lg.username for lg in logins}) == 3
    account = User.objects.get(username=logins[0].username)
    assert not account.has_usable_password()
    issued = evaluator_password_reset(logins[0].evaluator, user=wg)
    assert can_log_in(issued.username, issued.password)
