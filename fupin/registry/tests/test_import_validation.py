"""Every kind of bad input the registry import must report (row, column, reason) while writing nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from fupin.policy import idnumber
from fupin.registry.io.columns import EVENTS_TABLE, MEMBER_HEADERS, MEMBERS_TABLE
from fupin.registry.io.importing import ImportReport, import_file
from fupin.registry.io.validation import Problem
from fupin.registry.models import Household
from fupin.registry.tests.conftest import VILLAGE_B, registry_state, write_csv

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """The importer's today (Asia/Shanghai), not the machine's."""
    return timezone.localdate()


def find(
    report: ImportReport, row: int, column: str, reason: str, table: str = MEMBERS_TABLE
) -> Problem:
    matches = [
        p
        for p in report.problems
        if p.table == table and p.row == row and p.column == column and reason in p.reason
    ]
    assert matches, (
        f"no problem at {table} row {row} column {column} with “{reason}”: {report.problems}"
    )
    return matches[0]


def run(write_files, members, events, **kw) -> tuple[ImportReport, dict, dict]:
    mp, ep = write_files(members, events)
    before = registry_state()
    report = import_file(path=mp, events_path=ep, **kw)
    return report, before, registry_state()


def assert_rejected(report: ImportReport, before: dict, after: dict) -> None:
    assert report.outcome == "rejected"
    assert report.exit_code == 2
    assert not report.written
    assert after == before


@pytest.fixture
def base(tree, rows):
    """Two valid households: H1 (rows 2–4, events rows 2) and H2 (rows 5–7, events rows 3–4)."""
    m1, e1 = rows.household("H1")
    m2, e2 = rows.household("H2", status="exited")
    return m1 + m2, e1 + e2


def test_valid_file_is_written(base, write_files):
    report, before, after = run(write_files, *base)
    assert report.problems == []
    assert report.outcome == "written" and report.exit_code == 0
    assert after["households"] == before["households"] + 2
    assert after["persons"] == before["persons"] + 6
    assert after["events"] == before["events"] + 3


def test_bad_check_digit(base, write_files):
    members, events = base
    good = members[1]["证件号码"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    members[1]["证件号码"] = wrong
    report, before, after = run(write_files, members, events)
    p = find(report, 3, "证件号码", "校验位错误")
    assert p.value == idnumber.mask(wrong) and wrong not in p.reason
    assert_rejected(report, before, after)


def test_impossible_birth_date_in_id(base, write_files):
    members, events = base
    body = "62112619800230" + "123"
    members[0]["证件号码"] = body + idnumber.check_digit(body)
    report, before, after = run(write_files, members, events)
    find(report, 2, "证件号码", "出生日期 19800230 不存在")
    assert_rejected(report, before, after)


def test_impossible_birth_date_cell(base, write_files):
    members, events = base
    members[2]["出生日期"] = "2006-02-30"
    report, before, after = run(write_files, members, events)
    find(report, 4, "出生日期", "日期 2006-02-30 不存在")
    assert_rejected(report, before, after)


def test_birth_date_in_the_future(base, write_files, rows):
    members, events = base
    future = today() + dt.timedelta(days=40)
    members[3]["出生日期"] = future.isoformat()
    members[3]["证件号码"] = rows.id_number(future)
    report, before, after = run(write_files, members, events)
    find(report, 5, "出生日期", "在未来")
    find(report, 5, "证件号码", "不可能")
    assert_rejected(report, before, after)


def test_birth_date_disagreeing_with_id(base, write_files):
    members, events = base
    members[4]["出生日期"] = "1972-08-16"
    report, before, after = run(write_files, members, events)
    find(report, 6, "出生日期", "与身份证号中的出生日期 1972-08-15 不一致")
    assert_rejected(report, before, after)


def find_warning(report: ImportReport, row: int, column: str, reason: str) -> Problem:
    matches = [
        p for p in report.warnings if p.row == row and p.column == column and reason in p.reason
    ]
    assert matches, f"no warning at row {row} column {column} with “{reason}”: {report.warnings}"
    return matches[0]


def _listed_twice(members):
    """H1's third member is its second listed again (same ID number, birth date and sex)."""
    for h in ("证件号码", "出生日期", "性别"):
        members[2][h] = members[1][h]


def test_duplicate_id_inside_household_is_imported_with_a_warning(base, write_files):
    members, events = base
    _listed_twice(members)
    report, before, after = run(write_files, members, events)
    assert report.problems == [] and report.written and report.exit_code == 0
    warning = find_warning(report, 4, "证件号码", "同一户内证件号码重复（与第 3 行相同）")
    assert "已按文件所填导入" in warning.reason and "*" in warning.value
    assert after["persons"] == before["persons"] + 6  # both rows kept, for the checks to find


def test_a_member_listed_again_in_an_existing_household_is_added_once(base, write_files):
    """Re-importing with H1's second member listed twice adds one person (audited under its
    internal id), and importing the same file again changes nothing."""
    from fupin.accounts.models import AuditEntry
    from fupin.registry.models import Person

    members, events = base
    assert run(write_files, members, events)[0].written
    again = [*members[:2], dict(members[1]), *members[2:]]
    report, before, after = run(write_files, again, events)
    assert report.problems == [] and report.written
    assert (report.persons_created, report.persons_updated, report.persons_removed) == (1, 0, 0)
    assert after["persons"] == before["persons"] + 1
    h1 = Household.objects.get(household_no="H1")
    twice = members[1]["证件号码"]
    assert h1.members.filter(id_number=twice).count() == 2
    added = h1.members.filter(id_number=twice).order_by("pk").last()
    audit = AuditEntry.objects.filter(household=h1, action="update").latest("pk")
    assert list(audit.after["members"]) == [str(added.pk)]
    report = run(write_files, again, events)[0]
    assert (report.households_unchanged, report.persons_created) == (2, 0)
    assert Person.objects.filter(id_number=twice).count() == 2


def test_duplicate_id_inside_household_is_refused_when_strict(base, write_files):
    members, events = base
    _listed_twice(members)
    report, before, after = run(write_files, members, events, strict=True)
    find(report, 4, "证件号码", "同一户内证件号码重复（与第 3 行相同）（严格模式不导入此户）")
    assert report.warnings == []
    assert_rejected(report, before, after)


def test_duplicate_id_across_households(base, write_files):
    members, events = base
    members[4]["证件号码"] = members[1]["证件号码"]
    report, before, after = run(write_files, members, events)
    find(report, 6, "证件号码", "与第 3 行（户编号 H1）重复")
    find(report, 3, "证件号码", "第 6 行（户编号 H2）也出现")
    assert_rejected(report, before, after)


def test_person_already_in_another_household_in_database(base, write_files, rows):
    members, events = base
    first = run(write_files, members, events)[0]
    assert first.written
    m3, e3 = rows.household("H3", members=2)
    m3[1]["证件号码"] = members[4]["证件号码"]  # a member of H2, which this file leaves alone
    m3[1]["出生日期"] = members[4]["出生日期"]
    report, before, after = run(write_files, m3, e3)
    find(report, 3, "证件号码", "已是户 H2 的成员")
    assert_rejected(report, before, after)


def test_unknown_region_code(base, write_files):
    members, events = base
    for r in members[3:]:
        r["行政区划代码"] = "621126101999"
    report, before, after = run(write_files, members, events)
    find(report, 5, "行政区划代码", "621126101999 不是已有的村")
    assert_rejected(report, before, after)


def test_region_code_of_a_township_is_not_a_village(base, write_files, tree):
    members, events = base
    for r in members[:3]:
        r["行政区划代码"] = tree.township.code
    report, before, after = run(write_files, members, events)
    find(report, 2, "行政区划代码", "不是已有的村")
    assert_rejected(report, before, after)


def test_negative_income(base, write_files):
    members, events = base
    for r in members[3:]:
        r["财产性收入"] = "-200"
    report, before, after = run(write_files, members, events)
    find(report, 5, "财产性收入", "不能为负数")
    assert_rejected(report, before, after)


def test_non_numeric_income(base, write_files):
    members, events = base
    for r in members[:3]:
        r["工资性收入"] = "五千"
    report, before, after = run(write_files, members, events)
    for row in (2, 3, 4):
        find(report, row, "工资性收入", "“五千”不是数字")
    assert_rejected(report, before, after)


def test_per_capita_income_disagreeing_with_total_and_size_is_imported_with_a_warning(
    base, write_files
):
    members, events = base
    for r in members[3:]:
        r["人均纯收入"] = "3100.27"  # 9100 / 3 = 3033.33
    report, _, _ = run(write_files, members, events)
    assert report.problems == [] and report.outcome == "written"
    find_warning(
        report, 5, "人均纯收入", "人均纯收入 3100.27 与家庭纯收入 9100 ÷ 家庭人口 3 = 3033.33 不符"
    )
    assert Household.objects.get(household_no="H2").income_per_capita == 3100.27


def test_per_capita_income_disagreeing_is_refused_when_strict(base, write_files):
    members, events = base
    for r in members[3:]:
        r["人均纯收入"] = "3100"
    report, before, after = run(write_files, members, events, strict=True)
    find(report, 5, "人均纯收入", "÷ 家庭人口 3 = 3033.33 不符")
    assert_rejected(report, before, after)


def test_stated_household_size_is_kept_and_used_for_per_capita(base, write_files):
    """家庭人口 4 with three living members listed: imported as 4 (with a warning), and the
    per-capita income 9100 ÷ 4 = 2275 agrees with it."""
    members, events = base
    for r in members[3:]:
        r["家庭人口"], r["人均纯收入"] = "4", "2275"
    report, _, _ = run(write_files, members, events)
    assert report.problems == []
    find_warning(report, 5, "家庭人口", "家庭人口 4 与在世成员 3 人不符")
    assert [w.column for w in report.warnings] == ["家庭人口"]
    assert Household.objects.get(household_no="H2").size == 4
    assert Household.objects.get(household_no="H1").size == 3  # not stated: living members


def test_household_size_that_is_not_a_number_is_refused(base, write_files):
    members, events = base
    for r in members[3:]:
        r["家庭人口"] = "四"
    report, before, after = run(write_files, members, events)
    find(report, 5, "家庭人口", "“四”不是人数")
    assert_rejected(report, before, after)


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("姓名", "马\x00文山", "空字符（NUL，U+0000）"),
        ("姓名", "马\x1b[31m文山", "控制字符（U+001B）"),
        ("户编号", "H\x07X", "控制字符（U+0007）"),
    ],
)
def test_control_characters_in_text_are_refused_with_a_row_message(
    base, write_files, column, value, shown
):
    members, events = base
    members[0][column] = value
    report, before, after = run(write_files, members, events)
    problem = find(report, 2, column, f"“{column}”含有不允许的{shown}")
    assert "\x00" not in problem.reason
    assert_rejected(report, before, after)


def test_control_characters_in_an_event_reason_are_refused(base, write_files):
    members, events = base
    events[0]["原因"] = "精准\x00识别"
    report, before, after = run(write_files, members, events)
    find(report, 2, "原因", "“原因”含有不允许的空字符", table=EVENTS_TABLE)
    assert_rejected(report, before, after)


def test_an_overlong_name_is_refused_naming_the_limit(base, write_files):
    members, events = base
    members[0]["姓名"] = "马" * 33
    report, before, after = run(write_files, members, events)
    find(report, 2, "姓名", "“姓名”过长：最多 32 个字符，实际为 33 个字符")
    assert_rejected(report, before, after)


def test_per_capita_income_within_tolerance_is_accepted(base, write_files):
    members, events = base
    for r in members:
        r["人均纯收入"] = "3034"  # rounded to whole yuan: within 1 yuan of 3033.33
    report, _, _ = run(write_files, members, events)
    assert report.problems == []


def test_no_head_of_household(base, write_files):
    members, events = base
    members[3]["与户主关系"] = "其他"
    report, before, after = run(write_files, members, events)
    find(report, 5, "与户主关系", "没有户主")
    assert_rejected(report, before, after)


def test_two_heads_of_household(base, write_files):
    members, events = base
    members[2]["与户主关系"] = "户主"
    report, before, after = run(write_files, members, events)
    find(report, 4, "与户主关系", "两个户主（另见第 2 行）")
    assert_rejected(report, before, after)


def test_event_date_in_the_future(base, write_files):
    members, events = base
    future = today() + dt.timedelta(days=3)
    events.append({"户编号": "H2", "事件": "返贫", "日期": future.isoformat(), "原因": "因灾"})
    report, before, after = run(write_files, members, events)
    find(report, 5, "日期", "在未来", table=EVENTS_TABLE)
    assert_rejected(report, before, after)


def test_year_after_the_current_year(base, write_files):
    members, events = base
    for r in members[:3]:
        r["收入年度"] = str(today().year + 1)
    report, before, after = run(write_files, members, events)
    find(report, 2, "收入年度", f"晚于今年（{today().year}）")
    assert_rejected(report, before, after)


def test_events_with_decreasing_dates(base, write_files):
    members, events = base
    events[1]["日期"], events[2]["日期"] = "2018-11-20", "2015-03-01"
    events[1]["事件"], events[2]["事件"] = "脱贫", "识别"
    report, before, after = run(write_files, members, events)
    find(report, 4, "日期", "顺序错误", table=EVENTS_TABLE)
    assert_rejected(report, before, after)


def test_exit_before_identification_is_not_allowed(base, write_files):
    members, events = base
    events[1]["事件"], events[2]["事件"] = "脱贫", "识别"  # dates stay increasing
    report, before, after = run(write_files, members, events)
    find(report, 3, "事件", "不能记录“脱贫”", table=EVENTS_TABLE)
    assert_rejected(report, before, after)


def test_status_must_equal_replay_of_events(base, write_files):
    members, events = base
    for r in members[3:]:
        r["脱贫状态"] = "未脱贫"  # H2's events say 已脱贫
    report, before, after = run(write_files, members, events)
    find(report, 5, "脱贫状态", "推算的结果“已脱贫”不一致")
    assert_rejected(report, before, after)


def test_exit_year_must_agree_with_events(base, write_files):
    members, events = base
    for r in members[3:]:
        r["脱贫年度"] = "2017"
    report, before, after = run(write_files, members, events)
    find(report, 5, "脱贫年度", "按记录应为 2018")
    assert_rejected(report, before, after)


def test_removal_needs_a_reason(base, write_files):
    members, events = base
    for r in members[3:]:
        r["脱贫状态"] = "已清退"
    events.append({"户编号": "H2", "事件": "清退", "日期": "2019-05-05", "原因": ""})
    report, before, after = run(write_files, members, events)
    find(report, 5, "原因", "清退必须填写原因", table=EVENTS_TABLE)
    assert_rejected(report, before, after)


def test_unknown_cause(base, write_files):
    members, events = base
    for r in members[:3]:
        r["主要致贫原因"] = "因懒"
    members[4]["其他致贫原因"] = "缺技术、缺运气"
    report, before, after = run(write_files, members, events)
    find(report, 2, "主要致贫原因", "“因懒”不是有效的选项")
    find(report, 6, "其他致贫原因", "“缺运气”不是有效的致贫原因")
    assert_rejected(report, before, after)


def test_unknown_attribute(base, write_files):
    members, events = base
    for r in members[3:]:
        r["贫困户属性"] = "特困户"
    report, before, after = run(write_files, members, events)
    p = find(report, 5, "贫困户属性", "“特困户”不是有效的选项")
    assert "一般贫困户" in p.reason
    assert_rejected(report, before, after)


def test_unknown_member_choice(base, write_files):
    members, events = base
    members[2]["与户主关系"] = "侄子"
    members[5]["性别"] = "未知"
    report, before, after = run(write_files, members, events)
    find(report, 4, "与户主关系", "“侄子”不是有效的选项")
    find(report, 7, "性别", "“未知”不是有效的选项")
    assert_rejected(report, before, after)


def test_wrong_encoding_names_the_line(base, tmp_path):
    members, events = base
    path = write_csv(tmp_path / "members.csv", members)
    data = path.read_bytes().split(b"\n")
    data[4] = data[4] + b"\xff\xfe\x80"  # line 5: bytes neither UTF-8 nor GB18030
    path.write_bytes(b"\n".join(data))
    ev = write_csv(tmp_path / "events.csv", events, ["户编号", "事件", "日期", "原因"])
    before = registry_state()
    report = import_file(path=path, events_path=ev)
    assert len(report.problems) == 1
    find(report, 5, "", "文件编码错误：第 5 行")
    assert_rejected(report, before, registry_state())


def test_gbk_file_read_as_utf8_when_forced_is_an_encoding_error(base, write_files):
    members, events = base
    mp, ep = write_files(members, events, encoding="gb18030")
    before = registry_state()
    report = import_file(path=mp, events_path=ep, encoding="utf-8")
    p = find(report, 1, "", "文件编码错误")
    assert "UTF-8" in p.reason
    assert_rejected(report, before, registry_state())


def test_missing_required_columns_are_all_reported_at_once(base, write_files):
    members, events = base
    headers = [h for h in MEMBER_HEADERS if h not in {"证件号码", "行政区划代码", "人均纯收入"}]
    mp, ep = write_files(members, events, headers=headers)
    before = registry_state()
    report = import_file(path=mp, events_path=ep)
    assert sorted(p.column for p in report.problems) == sorted(
        ["证件号码", "行政区划代码", "人均纯收入"]
    )
    assert all(p.row == 1 and "缺少必填列" in p.reason for p in report.problems)
    assert report.rows_read == 6
    assert_rejected(report, before, registry_state())


def test_missing_event_columns(base, tmp_path):
    members, events = base
    mp = write_csv(tmp_path / "m.csv", members)
    ep = write_csv(tmp_path / "e.csv", events, ["户编号", "原因"])
    before = registry_state()
    report = import_file(path=mp, events_path=ep)
    assert {(p.table, p.column) for p in report.problems} == {
        (EVENTS_TABLE, "事件"),
        (EVENTS_TABLE, "日期"),
    }
    assert_rejected(report, before, registry_state())


def test_household_columns_differing_between_members(base, write_files):
    members, events = base
    members[4]["家庭纯收入"] = "9200"
    members[5]["行政区划代码"] = VILLAGE_B
    report, before, after = run(write_files, members, events)
    find(report, 6, "家庭纯收入", "与本户第 5 行的“9100”不同")
    find(report, 7, "行政区划代码", "与本户第 5 行")
    assert_rejected(report, before, after)


def test_masked_id_numbers_are_refused(base, write_files):
    members, events = base
    members[0]["证件号码"] = idnumber.mask(members[0]["证件号码"])
    report, before, after = run(write_files, members, events)
    find(report, 2, "证件号码", "已脱敏")
    assert_rejected(report, before, after)


def test_unregistered_household_has_no_status_or_events(tree, rows, write_files):
    members, _ = rows.household("N1", registered=False, members=2)
    members[0]["贫困户属性"] = "低保贫困户"
    events = [{"户编号": "N1", "事件": "识别", "日期": "2016-01-01", "原因": ""}]
    report, before, after = run(write_files, members, events)
    find(report, 2, "贫困户属性", "此列应为空")
    find(report, 2, "户编号", "未建档立卡的农户", table=EVENTS_TABLE)
    assert_rejected(report, before, after)


def test_event_for_a_household_not_in_the_file(base, write_files):
    members, events = base
    events.append({"户编号": "H9", "事件": "识别", "日期": "2016-01-01", "原因": ""})
    report, before, after = run(write_files, members, events)
    find(report, 5, "户编号", "H9 不在家庭成员表中", table=EVENTS_TABLE)
    assert_rejected(report, before, after)


def test_history_contradicting_the_database(base, write_files):
    members, events = base
    assert run(write_files, members, events)[0].written
    # The file now claims H2 was identified in 2016, not 2015: a rewrite of the stored history.
    events[1]["日期"] = "2016-03-01"
    for r in members[3:]:
        r["识别年度"] = "2016"
    report, before, after = run(write_files, members, events)
    find(report, 3, "日期", "早于该户已有的最后一条记录", table=EVENTS_TABLE)
    assert_rejected(report, before, after)


def test_existing_event_with_a_changed_reason_is_refused(base, write_files):
    members, events = base
    assert run(write_files, members, events)[0].written
    events[0]["原因"] = "另一个原因"
    report, before, after = run(write_files, members, events)
    find(report, 2, "原因", "已有的状态变更不能修改", table=EVENTS_TABLE)
    assert_rejected(report, before, after)


def test_every_bad_row_is_reported(base, write_files):
    members, events = base
    for r in members:
        r["性别"] = "?"
    report, before, after = run(write_files, members, events)
    assert sorted(p.row for p in report.problems if p.column == "性别") == [2, 3, 4, 5, 6, 7]
    assert_rejected(report, before, after)


def test_excel_number_id_is_refused(tree, rows, tmp_path):
    from fupin.registry.tests.conftest import write_xlsx

    members, events = rows.household("X1", members=1)
    members[0]["证件号码"] = float(members[0]["证件号码"][:15])
    path = write_xlsx(tmp_path / "x.xlsx", members, events)
    before = registry_state()
    report = import_file(path=path)
    find(report, 2, "证件号码", "存成了数字")
    assert_rejected(report, before, registry_state())


def test_empty_file(tree, tmp_path):
    path = write_csv(tmp_path / "empty.csv", [])
    before = registry_state()
    report = import_file(path=path)
    assert report.problems and "没有数据行" in report.problems[0].reason
    assert_rejected(report, before, registry_state())


def test_nothing_written_means_no_household_rows(base, write_files):
    members, events = base
    members[0]["性别"] = "?"
    run(write_files, members, events)
    assert not Household.objects.filter(household_no__in=["H1", "H2"]).exists()


def test_file_not_found(db, tmp_path: Path):
    report = import_file(path=tmp_path / "nope.csv")
    assert report.exit_code == 2 and "文件不存在" in report.problems[0].reason


def test_removed_household_is_off_the_registry_but_keeps_its_history(tree, rows, write_files):
    members, events = rows.household("R1", status="removed")
    report, _, _ = run(write_files, members, events)
    assert report.problems == []
    h = Household.objects.get(household_no="R1")
    assert (h.registered, h.status, h.identified_year, h.events.count()) == (
        False,
        "removed",
        2015,
        2,
    )


def test_registered_flag_must_follow_the_status(tree, rows, write_files):
    m1, e1 = rows.household("R1", status="removed")
    for r in m1:
        r["是否建档立卡"] = "是"
    m2, e2 = rows.household("P1")
    for r in m2:
        r["是否建档立卡"] = "否"
    report, before, after = run(write_files, m1 + m2, e1 + e2)
    find(report, 2, "是否建档立卡", "脱贫状态为“已清退”的农户，是否建档立卡应为“否”")
    find(report, 5, "是否建档立卡", "脱贫状态为“未脱贫”的农户，是否建档立卡应为“是”")
    assert_rejected(report, before, after)
