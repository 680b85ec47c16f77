"""What a registry import writes: keep-good, updates with audit, idempotent re-import, dry runs."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.accounts.models import AuditEntry
from fupin.registry.io.columns import MEMBERS_TABLE
from fupin.registry.io.importing import import_file
from fupin.registry.models import Household, Person, Status, StatusEvent
from fupin.registry.tests.conftest import VILLAGE_B, registry_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(tree, rows):
    m1, e1 = rows.household("H1")
    m2, e2 = rows.household("H2", status="exited")
    m3, e3 = rows.household("H3", status="returned", members=5)
    return m1 + m2 + m3, e1 + e2 + e3


def test_keep_good_writes_only_households_without_problems(three, write_files):
    members, events = three
    members[4]["证件号码"] = members[4]["证件号码"][:17] + "Y"  # H2, row 6
    mp, ep = write_files(members, events)
    report = import_file(path=mp, events_path=ep, keep_good=True)
    assert report.outcome == "partial" and report.exit_code == 1
    assert report.skipped_household_nos == ["H2"]
    assert (report.households_new, report.households_skipped) == (2, 1)
    assert [p.row for p in report.problems] == [6]
    assert set(Household.objects.values_list("household_no", flat=True)) == {"H1", "H3"}
    assert Person.objects.count() == 8
    assert StatusEvent.objects.filter(household__household_no="H3").count() == 3
    assert not StatusEvent.objects.filter(household__household_no="H2").exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 2


def test_keep_good_skips_households_whose_events_are_bad(three, write_files):
    members, events = three
    events[-1]["事件"] = "识别"  # H3's 返贫 becomes a second 识别
    mp, ep = write_files(members, events)
    report = import_file(path=mp, events_path=ep, keep_good=True)
    assert report.skipped_household_nos == ["H3"]
    assert set(Household.objects.values_list("household_no", flat=True)) == {"H1", "H2"}


def test_keep_good_with_nothing_good_writes_nothing(tree, rows, write_files):
    members, events = rows.household("H1")
    members[0]["性别"] = "?"
    mp, ep = write_files(members, events)
    before = registry_state()
    report = import_file(path=mp, events_path=ep, keep_good=True)
    assert report.outcome == "rejected" and report.exit_code == 2
    assert registry_state() == before


def test_import_records_audit_with_members_and_events(three, write_files):
    mp, ep = write_files(*three)
    import_file(path=mp, events_path=ep, actor="县扶贫办:王")
    entry = AuditEntry.objects.get(object_key="H3")
    assert entry.action == AuditEntry.Action.IMPORT and entry.actor == "县扶贫办:王"
    assert entry.before is None
    assert entry.after["status"] == Status.RETURNED
    assert len(entry.after["members"]) == 5
    assert len(entry.after["events"]) == 3
    assert entry.household.household_no == "H3"


def test_default_actor_names_the_file(three, write_files):
    mp, ep = write_files(*three)
    import_file(path=mp, events_path=ep)
    assert set(AuditEntry.objects.values_list("actor", flat=True)) == {"import:members.csv"}


def test_reimporting_the_same_file_changes_nothing(three, write_files):
    mp, ep = write_files(*three)
    first = import_file(path=mp, events_path=ep)
    assert first.households_new == 3 and first.events_added == 6
    before = registry_state()
    second = import_file(path=mp, events_path=ep)
    assert second.outcome == "written"
    assert (second.households_new, second.households_updated, second.households_unchanged) == (
        0,
        0,
        3,
    )
    assert (second.persons_created, second.persons_updated, second.persons_removed) == (0, 0, 0)
    assert second.events_added == 0
    assert registry_state() == before


def test_update_changes_fields_members_and_appends_events(three, write_files, rows):
    members, events = three
    mp, ep = write_files(members, events)
    import_file(path=mp, events_path=ep)
    h1 = Household.objects.get(household_no="H1")
    old_ids = set(h1.members.values_list("id_number", flat=True))
    event_ids = set(StatusEvent.objects.values_list("pk", flat=True))

    # H1 exits in 2019, moves its income up, loses its third member and gains a new one.
    h1_rows = [r for r in members if r["户编号"] == "H1"]
    dropped = h1_rows.pop()
    newcomer = rows.person("其他", dt.date(1999, 9, 9), male=False, name="新成员")
    h1_rows.append({**h1_rows[0], **newcomer})
    for r in h1_rows:
        r.update(
            {"脱贫状态": "已脱贫", "脱贫年度": "2019", "家庭纯收入": "12000", "人均纯收入": "4000"}
        )
    h1_rows[0]["姓名"] = "马文山改"
    events.append({"户编号": "H1", "事件": "脱贫", "日期": "2019-12-01", "原因": ""})
    others = [r for r in members if r["户编号"] != "H1"]
    mp, ep = write_files(others + h1_rows, events)
    report = import_file(path=mp, events_path=ep, actor="tester")
    assert report.problems == []
    assert (report.households_updated, report.households_unchanged) == (1, 2)
    assert (report.persons_created, report.persons_updated, report.persons_removed) == (1, 1, 1)
    assert report.events_added == 1

    h1.refresh_from_db()
    assert (h1.status, h1.exited_year, h1.income_total, h1.size) == (Status.EXITED, 2019, 12000, 3)
    ids = set(h1.members.values_list("id_number", flat=True))
    assert dropped["证件号码"] not in ids and newcomer["证件号码"] in ids
    assert len(ids & old_ids) == 2
    # Existing events are untouched; one appended.
    assert event_ids < set(StatusEvent.objects.values_list("pk", flat=True))
    assert StatusEvent.objects.count() == len(event_ids) + 1

    entry = AuditEntry.objects.get(object_key="H1", action=AuditEntry.Action.UPDATE)
    assert entry.actor == "tester"
    assert entry.before["status"] == Status.POOR and entry.after["status"] == Status.EXITED
    assert entry.before["income_total"] == 9100 and entry.after["income_total"] == 12000
    # Members are keyed by their internal id, never their ID number (issue #18).
    head = str(Person.objects.get(id_number=h1_rows[0]["证件号码"]).pk)
    assert entry.before["members"][head] == {"name": "马文山"}
    assert entry.after["members"][head] == {"name": "马文山改"}
    assert [v for v in entry.after["members"].values() if v is None] == [None]
    assert (
        entry.before["members"][str(Person.objects.get(id_number=newcomer["证件号码"]).pk)] is None
    )
    assert entry.after["events"] == ["exited 2019-12-01"]


def test_member_moving_between_two_households_in_the_same_file(three, write_files):
    members, events = three
    mp, ep = write_files(members, events)
    import_file(path=mp, events_path=ep)
    # H3's grandchild (row 12) joins H1; both households are in the file.
    moved = next(r for r in members if r["户编号"] == "H3" and r["与户主关系"] == "孙子女")
    h1_head = next(r for r in members if r["户编号"] == "H1")
    h1_keys = {
        k: v
        for k, v in h1_head.items()
        if k
        not in {
            "姓名",
            "证件号码",
            "与户主关系",
            "性别",
            "出生日期",
            "文化程度",
            "在校生状况",
            "健康状况",
            "残疾等级",
            "劳动能力",
            "务工时间",
            "参加医疗保险",
            "已故",
        }
    }
    moved_row = {**moved, **h1_keys}
    new_members = [r for r in members if r is not moved]
    for r in new_members:
        if r["户编号"] == "H1":
            r["人均纯收入"] = "2275"  # 9100 / 4
        if r["户编号"] == "H3":
            r["人均纯收入"] = "2275"
    moved_row["人均纯收入"] = "2275"
    mp, ep = write_files(new_members + [moved_row], events)
    report = import_file(path=mp, events_path=ep)
    assert report.problems == []
    person = Person.objects.get(id_number=moved["证件号码"])
    assert person.household.household_no == "H1"
    assert Household.objects.get(household_no="H1").size == 4
    assert Household.objects.get(household_no="H3").size == 4


def test_dry_run_counts_but_writes_nothing(three, write_files):
    mp, ep = write_files(*three)
    before = registry_state()
    report = import_file(path=mp, events_path=ep, dry_run=True)
    assert report.dry_run and not report.written
    assert report.outcome == "written" and report.exit_code == 0
    assert (report.households_new, report.persons_created, report.events_added) == (3, 11, 6)
    assert registry_state() == before


def test_unregistered_household_is_imported_without_status(tree, rows, write_files):
    members, events = rows.household("N1", registered=False, members=2, 行政区划代码=VILLAGE_B)
    mp, ep = write_files(members, events)
    report = import_file(path=mp, events_path=ep)
    assert report.problems == []
    h = Household.objects.get(household_no="N1")
    assert (h.registered, h.status, h.attribute, h.identified_year) == (False, "", "", None)
    assert h.village.code == VILLAGE_B and h.size == 2


def test_deceased_members_are_not_counted_in_household_size(tree, rows, write_files):
    members, events = rows.household("H1", members=3)
    members[2]["已故"] = "是"
    for r in members:
        r["人均纯收入"] = "4550"  # 9100 / 2 living members
    mp, ep = write_files(members, events)
    report = import_file(path=mp, events_path=ep)
    assert report.problems == []
    assert Household.objects.get(household_no="H1").size == 2


def test_problems_are_listed_in_row_order(three, write_files):
    members, events = three
    members[7]["性别"] = "?"
    members[1]["性别"] = "?"
    mp, ep = write_files(members, events)
    report = import_file(path=mp, events_path=ep)
    assert [(p.table, p.row) for p in report.problems] == [(MEMBERS_TABLE, 3), (MEMBERS_TABLE, 9)]


def test_keep_good_reports_rows_that_belong_to_no_household(three, write_files):
    members, events = three
    members[0]["户编号"] = ""
    members[0]["性别"] = "?"
    mp, ep = write_files(members, events)
    report = import_file(path=mp, events_path=ep, keep_good=True)
    assert report.rows_skipped == 1
    assert {(p.row, p.column) for p in report.problems} >= {(2, "户编号"), (2, "性别")}
    # H1 lost its head row, so H1 is skipped too; H2 and H3 are written.
    assert report.skipped_household_nos == ["H1"]
    assert set(Household.objects.values_list("household_no", flat=True)) == {"H2", "H3"}
