"""Importing the national system's person lists (全国扶贫开发信息系统 贫困人口明细) as county offices
hold them: title rows, region names, the system's labels, month dates, derived fields, scope."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook

from fupin import cli
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.regions.models import Level, Region
from fupin.registry.io.importing import import_file
from fupin.registry.io.national import is_national
from fupin.registry.models import Household, Person, StatusEvent
from fupin.registry.tests.conftest import TOWNSHIP, Rows, Tree, registry_state

pytestmark = pytest.mark.django_db

TODAY = dt.date(2021, 3, 1)
HEADERS = [
    "序号",
    "县（市、区、旗）",
    "乡（镇）",
    "行政村",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工时间\n（月）",
    "是否参加大病保险",
    "城乡居民基本医疗保险",
    "贫困户属性",
    "致贫原因1",
    "脱贫属性",
    "脱贫年度",
    "危房户",
    "是否解决安全饮用水",
    "人均纯收入",
    "联系电话",
    "首次识别时间",
]
MINIMAL = [
    "户编号",
    "姓名",
    "证件号码",
    "与户主关系",
    "行政村",
    "脱贫属性",
    "人均纯收入",
    "首次识别时间",
]
FIRST_DATA_ROW = 4  # title, unit line, header


class National:
    """Rows of a national-system list (header → cell), built from valid ID numbers."""

    def __init__(self) -> None:
        self.ids = Rows()

    def person(
        self, relation: str, born: dt.date, *, male: bool, name: str, **cells: Any
    ) -> dict[str, Any]:
        row = {
            "姓名": name,
            "证件号码": self.ids.id_number(born, male=male),
            "与户主关系": relation,
            "民族": "汉族",
            "文化程度": "初中",
            "在校生状况": "非在校生",
            "健康状况": "健康",
            "劳动技能": "普通劳动力",
            "务工时间\n（月）": 6,
            "是否参加大病保险": "是",
            "城乡居民基本医疗保险": "是",
            "联系电话": "13800000000",
        }
        row.update(cells)
        return row

    def household(
        self,
        hno: str,
        people: list[dict[str, Any]],
        *,
        village: str = "马家沟村",
        township: str = "梅川镇",
        **cells: Any,
    ) -> list[dict[str, Any]]:
        household = {
            "县（市、区、旗）": "岷县",
            "乡（镇）": township,
            "行政村": village,
            "自然村": "上庄",
            "户编号": hno,
            "人数": len(people),
            "贫困户属性": "一般贫困户",
            "致贫原因1": "因病",
            "脱贫属性": "未脱贫",
            "脱贫年度": "",
            "危房户": "否",
            "是否解决安全饮用水": "是",
            "人均纯收入": 3033.33,
            "首次识别时间": "2014-05",
        }
        household.update(cells)
        return [
            {**household, **p, "人编号": f"{hno}{i:02d}"} for i, p in enumerate(people, start=1)
        ]

    def three(self, hno: str, **cells: Any) -> list[dict[str, Any]]:
        return self.household(
            hno,
            [
                self.person("户主", dt.date(1970, 5, 1), male=True, name="马文山"),
                self.person("配偶", dt.date(1972, 8, 15), male=False, name="杨秀英"),
                self.person(
                    "之子",
                    dt.date(2010, 9, 1),
                    male=True,
                    name="马小军",
                    **{"在校生状况": "小学五年级", "劳动技能": "无劳动力", "文化程度": "小学"},
                ),
            ],
            **cells,
        )


@pytest.fixture
def national() -> National:
    return National()


def write_national_xlsx(
    path: Path, rows: list[dict[str, Any]], headers: list[str] = HEADERS
) -> Path:
    """Like the system's export: a merged title line, a unit and date line, then the table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["岷县贫困人口明细"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(["填报单位：岷县扶贫开发办公室", None, None, "导出日期：2021-02-20"])
    ws.append(headers)
    for i, r in enumerate(rows, start=1):
        ws.append([i if h == "序号" else r.get(h, "") for h in headers])
    wb.save(path)
    return path


def write_national_csv(
    path: Path, rows: list[dict[str, Any]], headers: list[str] = HEADERS
) -> Path:
    with path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["已脱贫人口名单"])
        w.writerow(headers)
        for i, r in enumerate(rows, start=1):
            w.writerow([i if h == "序号" else r.get(h, "") for h in headers])
    return path


def office(tree_region: Region, username: str = "minxian") -> Any:
    user = get_user_model().objects.create_user(username, password="pw-office-2019")
    Membership.objects.create(user=user, role=Role.COUNTY_OFFICE, region=tree_region)
    return user


def other_county_village(tree: Tree, name: str = "马家沟村") -> Region:
    """A village in another Gansu county (same province, outside 岷县's office)."""
    county = Region.objects.filter(level=Level.COUNTY).exclude(pk=tree.county.pk).first()
    assert county is not None
    township = Region.objects.create(
        code=county.code[:6] + "100000", name="城关镇", level=Level.TOWNSHIP, parent=county
    )
    return Region.objects.create(
        code=county.code[:6] + "100001", name=name, level=Level.VILLAGE, parent=township
    )


def run(path: Path, **kw: Any) -> Any:
    kw.setdefault("today", TODAY)
    return import_file(path=path, **kw)


def test_a_county_list_with_title_rows_imports_with_every_derived_field(tree, national, tmp_path):
    rows = national.three("620001")
    rows += national.household(
        "620002",
        [
            national.person(
                "户主",
                dt.date(1958, 2, 3),
                male=True,
                name="王有福",
                **{"健康状况": "患有大病", "劳动技能": "丧失劳动力"},
            ),
            national.person(
                "之儿媳", dt.date(1985, 6, 6), male=False, name="李梅", **{"劳动技能": "技能劳动力"}
            ),
            national.person(
                "之孙女",
                dt.date(2016, 1, 9),
                male=False,
                name="王小花",
                **{"文化程度": "学龄前儿童", "在校生状况": "学前教育", "劳动技能": "无劳动力"},
            ),
        ],
        village="杨家庄村",
        **{
            "脱贫属性": "已脱贫",
            "脱贫年度": 2018,
            "人均纯收入": 5210,
            "危房户": "是",
            "是否解决安全饮用水": "否",
            "致贫原因1": "缺技术",
            "贫困户属性": "低保贫困户",
            "首次识别时间": dt.datetime(2014, 6, 12),
        },
    )
    user = office(tree.county)
    report = run(write_national_xlsx(tmp_path / "岷县.xlsx", rows), user=user)
    assert report.problems == [] and report.warnings == []
    assert report.layout == "national" and report.outcome == "written"
    assert (report.households_new, report.persons_created) == (2, 6)

    h1 = Household.objects.get(household_no="620001")
    assert h1.village == tree.village_a and h1.registered and h1.status == "poor"
    assert (h1.identified_year, h1.exited_year, h1.income_year) == (2014, None, None)
    assert h1.size == 3 and h1.income_per_capita == 3033.33
    assert h1.income_total == pytest.approx(9099.99)  # 3033.33 × 3
    assert (h1.attribute, h1.main_cause, h1.other_causes) == ("ordinary", "illness", "")
    assert h1.water_ok and not h1.at_risk_housing
    (identified,) = StatusEvent.objects.filter(household=h1)
    assert (identified.kind, identified.date) == ("identified", dt.date(2014, 5, 1))
    assert "2014-05" in identified.reason and "只到月" in identified.reason

    head, spouse, son = Person.objects.filter(household=h1).order_by("id")
    assert (head.sex, head.birth_date, head.relation) == ("male", dt.date(1970, 5, 1), "head")
    assert (spouse.sex, spouse.birth_date, spouse.relation) == (
        "female",
        dt.date(1972, 8, 15),
        "spouse",
    )
    assert (son.relation, son.school_status, son.education) == ("child", "in_school", "primary")
    assert (son.labour_ability, head.labour_ability) == ("not_working_age", "normal")
    assert head.months_away == 6 and head.insured and not head.deceased

    h2 = Household.objects.get(household_no="620002")
    assert h2.village == tree.village_b and h2.status == "exited"
    assert (h2.identified_year, h2.exited_year) == (2014, 2018)
    assert h2.income_total == 15630 and h2.attribute == "dibao" and h2.main_cause == "skills"
    assert h2.at_risk_housing and not h2.water_ok
    events = list(StatusEvent.objects.filter(household=h2).values_list("kind", "date"))
    assert events == [("identified", dt.date(2014, 6, 12)), ("exited", dt.date(2018, 12, 31))]
    grandpa, in_law, grandchild = Person.objects.filter(household=h2).order_by("id")
    assert (grandpa.health, grandpa.labour_ability) == ("serious", "none")
    assert (in_law.relation, in_law.labour_ability, in_law.sex) == ("other", "normal", "female")
    assert (grandchild.relation, grandchild.education, grandchild.school_status) == (
        "grandchild",
        "",
        "in_school",
    )
    audit = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, model="Household")
    assert audit.count() == 2 and set(audit.values_list("actor", flat=True)) == {"minxian"}


def test_missing_optional_columns_leave_values_unknown(tree, national, tmp_path):
    rows = national.three("620003")
    report = run(write_national_xlsx(tmp_path / "min.xlsx", rows, MINIMAL))
    assert report.problems == [] and report.outcome == "written"
    h = Household.objects.get(household_no="620003")
    assert h.size == 3  # counted from the rows
    assert h.income_total == pytest.approx(9099.99)
    assert (h.attribute, h.main_cause, h.income_year) == ("", "", None)
    p = Person.objects.filter(household=h, relation="head").get()
    assert (p.education, p.school_status, p.health, p.labour_ability) == ("", "", "", "")
    assert (p.sex, p.birth_date) == ("male", dt.date(1970, 5, 1))


def test_a_village_outside_the_office_is_refused_row_by_row(tree, national, tmp_path):
    outside = other_county_village(tree, "红崖村")
    county_name = outside.parent.parent.name
    rows = national.three("620004") + national.three(
        "620005", **{"县（市、区、旗）": county_name, "乡（镇）": "城关镇", "行政村": "红崖村"}
    )
    path = write_national_xlsx(tmp_path / "mixed.xlsx", rows)
    user = office(tree.county)
    before = registry_state()
    report = run(path, user=user)
    assert report.outcome == "rejected" and registry_state() == before
    refused = [p for p in report.problems if "不在您管辖的区域内" in p.reason]
    assert [p.row for p in refused] == [FIRST_DATA_ROW + 3, FIRST_DATA_ROW + 4, FIRST_DATA_ROW + 5]
    assert {p.column for p in refused} == {"行政村"} and len(report.problems) == 3
    assert f"{county_name}城关镇红崖村" in refused[0].reason

    report = run(path, user=user, keep_good=True)
    assert report.outcome == "partial" and report.skipped_household_nos == ["620005"]
    assert list(Household.objects.values_list("household_no", flat=True)) == ["620004"]


def test_an_ambiguous_village_name_lists_the_candidates(tree, national, tmp_path):
    second = Region.objects.create(
        code=TOWNSHIP[:6] + "102000", name="中寨镇", level=Level.TOWNSHIP, parent=tree.county
    )
    Region.objects.create(
        code=TOWNSHIP[:6] + "102001", name="马家沟村", level=Level.VILLAGE, parent=second
    )
    rows = national.three("620006")
    no_township = [h for h in HEADERS if h != "乡（镇）"]
    report = run(write_national_xlsx(tmp_path / "a.xlsx", rows, no_township))
    assert report.outcome == "rejected"
    reasons = {p.reason for p in report.problems}
    assert len(reasons) == 1 and len(report.problems) == 3
    (reason,) = reasons
    assert "有 2 个同名的村" in reason
    assert "岷县梅川镇马家沟村（621126101001）" in reason
    assert "岷县中寨镇马家沟村（621126102001）" in reason

    # With the township the name is unique again.
    assert run(write_national_xlsx(tmp_path / "b.xlsx", rows)).outcome == "written"


def test_an_unknown_village_names_the_townships_villages(tree, national, tmp_path):
    rows = national.three("620007", **{"行政村": "马家村"})
    report = run(write_national_xlsx(tmp_path / "u.xlsx", rows))
    assert report.outcome == "rejected"
    assert report.problems[0].row == FIRST_DATA_ROW and report.problems[0].column == "行政村"
    assert "梅川镇没有名为“马家村”的村" in report.problems[0].reason
    assert "马家沟村、杨家庄村" in report.problems[0].reason


def test_unreadable_values_are_refused_with_row_column_and_reason(tree, national, tmp_path):
    rows = national.three("620008")
    rows[0]["证件号码"] = rows[0]["证件号码"][:17] + (
        "0" if rows[0]["证件号码"][17] != "0" else "1"
    )
    rows[1]["与户主关系"] = "之叔叔"
    rows[2]["健康状况"] = "良好"
    for r in rows:
        r["首次识别时间"] = "2014-13"
    report = run(write_national_xlsx(tmp_path / "bad.xlsx", rows))
    assert report.outcome == "rejected" and not Household.objects.exists()
    found = {(p.row, p.column): p.reason for p in report.problems}
    assert "校验位错误" in found[(FIRST_DATA_ROW, "证件号码")]
    assert "“之叔叔”不是有效的与户主关系" in found[(FIRST_DATA_ROW + 1, "与户主关系")]
    assert "之儿媳" in found[(FIRST_DATA_ROW + 1, "与户主关系")]
    assert "“良好”不是有效的健康状况" in found[(FIRST_DATA_ROW + 2, "健康状况")]
    assert "2014-13 不存在" in found[(FIRST_DATA_ROW, "首次识别时间")]
    shown = [p.value for p in report.problems if p.column == "证件号码"]
    assert shown and all("*" in v for v in shown)  # ID numbers masked in the report


def test_inconsistent_but_readable_values_are_imported_with_a_warning(tree, national, tmp_path):
    rows = national.three("620009", **{"人均纯收入": 3000})
    rows[0]["性别"] = "女"  # the ID number says male
    headers = [*HEADERS, "性别", "家庭纯收入"]
    for r in rows:
        r["家庭纯收入"] = 12000  # 12000 ÷ 3 is not 3000
    report = run(write_national_xlsx(tmp_path / "w.xlsx", rows, headers))
    assert report.outcome == "written" and report.problems == []
    columns = {(p.row, p.column) for p in report.warnings}
    assert columns == {(FIRST_DATA_ROW, "性别"), (FIRST_DATA_ROW, "人均纯收入")}
    h = Household.objects.get(household_no="620009")
    assert (h.income_total, h.income_per_capita) == (12000, 3000)
    assert h.members.get(relation="head").sex == "female"  # as the file states

    assert run(write_national_xlsx(tmp_path / "s.xlsx", rows, headers), strict=True).outcome == (
        "rejected"
    )


def test_a_returned_household_needs_its_return_year(tree, national, tmp_path):
    cells = {"脱贫属性": "返贫", "脱贫年度": 2017}
    report = run(write_national_xlsx(tmp_path / "r1.xlsx", national.three("620010", **cells)))
    assert report.outcome == "rejected"
    assert "必须有“返贫年度”" in report.problems[0].reason
    assert report.problems[0].column == "脱贫属性"

    rows = national.three("620010", **cells, **{"返贫年度": 2020})
    report = run(write_national_xlsx(tmp_path / "r2.xlsx", rows, [*HEADERS, "返贫年度"]))
    assert report.outcome == "written", report.problems
    h = Household.objects.get(household_no="620010")
    assert h.status == "returned" and h.exited_year == 2017
    kinds = list(h.events.values_list("kind", "date"))
    assert kinds == [
        ("identified", dt.date(2014, 5, 1)),
        ("exited", dt.date(2017, 12, 31)),
        ("returned", dt.date(2020, 12, 31)),
    ]


def test_reimporting_the_same_list_changes_nothing(tree, national, tmp_path):
    path = write_national_xlsx(tmp_path / "again.xlsx", national.three("620011"))
    assert run(path).outcome == "written"
    before = registry_state()
    report = run(path)
    assert report.problems == [] and report.households_unchanged == 1
    assert registry_state() == before


def test_a_gb18030_csv_list_imports_through_the_cli(tree, national, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("fupin.cli.registry_io",))
    office(tree.county)
    rows = national.three("620012", **{"首次识别时间": "2014年5月"})
    path = write_national_csv(tmp_path / "已脱贫人口名单.csv", rows)
    code = cli.main(["import", str(path), "--user", "minxian", "--dry-run", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "格式：全国扶贫开发信息系统人员名单" in out
    assert not Household.objects.exists()
    assert cli.main(["import", str(path), "--user", "minxian", "--quiet"]) == 0
    h = Household.objects.get(household_no="620012")
    assert h.identified_year == 2014 and h.members.count() == 3
    assert AuditEntry.objects.filter(actor="minxian", household=h).exists()


def test_an_office_of_another_county_imports_nothing(tree, national, tmp_path):
    outside = other_county_village(tree)
    user = office(outside.parent.parent, "other")
    report = run(write_national_xlsx(tmp_path / "x.xlsx", national.three("620013")), user=user)
    assert report.outcome == "rejected" and not Household.objects.exists()
    # Its own 马家沟村 has the same name but another township and county: not a candidate.
    assert all("不在您管辖的区域内" in p.reason for p in report.problems)


def test_missing_required_columns_are_listed_at_once(tree, national, tmp_path):
    headers = [h for h in HEADERS if h not in {"人均纯收入", "首次识别时间"}]
    report = run(write_national_xlsx(tmp_path / "m.xlsx", national.three("620014"), headers))
    assert report.outcome == "rejected"
    assert {p.column for p in report.problems} == {"人均纯收入", "首次识别时间"}
    assert all(p.row == FIRST_DATA_ROW - 1 for p in report.problems)


def test_fupins_own_layout_is_not_taken_for_the_national_one():
    from fupin.registry.io.columns import MEMBER_HEADERS

    assert not is_national(MEMBER_HEADERS)
    assert is_national(HEADERS) and is_national(MINIMAL)


def test_a_list_updates_a_registry_loaded_from_fupins_own_layout(tree, rows, write_files, tmp_path):
    members, events = rows.household("620015", members=3)  # identified 2015-03-01, poor
    members_path, events_path = write_files(members, events)
    assert run(members_path, events_path=events_path).outcome == "written"
    assert Household.objects.get(household_no="620015").status == "poor"
    relations = {"户主": "户主", "配偶": "配偶", "子女": "之子"}
    listed = [
        {
            "县（市、区、旗）": "岷县",
            "乡（镇）": "梅川镇",
            "行政村": "马家沟村",
            "户编号": "620015",
            "姓名": m["姓名"],
            "证件号码": m["证件号码"],
            "与户主关系": relations[m["与户主关系"]],
            "人数": 3,
            "脱贫属性": "已脱贫",
            "脱贫年度": 2020,
            "人均纯收入": 4800,
            "首次识别时间": "2015-03",
        }
        for m in members
    ]
    report = run(write_national_xlsx(tmp_path / "update.xlsx", listed))
    assert report.problems == [] and report.households_updated == 1
    h = Household.objects.get(household_no="620015")
    assert (h.status, h.exited_year, h.income_total) == ("exited", 2020, 14400)
    assert list(h.events.values_list("kind", "date")) == [
        ("identified", dt.date(2015, 3, 1)),  # the registry's own, not a second one
        ("exited", dt.date(2020, 12, 31)),
    ]
    assert h.members.count() == 3 and report.persons_removed == 0


def test_the_national_export_reads_back_unchanged(tree, national, tmp_path, monkeypatch, capsys):
    from python_calamine import CalamineWorkbook

    rows = national.three("620016")
    rows += national.household(
        "620017",
        [
            national.person("户主", dt.date(1950, 1, 1), male=False, name="张桂英"),
            national.person("之孙女", dt.date(2012, 2, 2), male=False, name="张小"),
        ],
        **{"脱贫属性": "已脱贫", "脱贫年度": 2019, "首次识别时间": "2016-10-08"},
    )
    assert run(write_national_xlsx(tmp_path / "in.xlsx", rows)).outcome == "written"
    Person.objects.filter(name="马小军").update(name="=1+2")  # a formula-looking name
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("fupin.cli.registry_io",))
    out_xlsx, out_csv = tmp_path / "out.xlsx", tmp_path / "out.csv"
    assert cli.main(["export", str(out_xlsx), "--layout", "national", "--quiet"]) == 0
    sheet = CalamineWorkbook.from_path(str(out_xlsx)).get_sheet_by_name("贫困人口明细")
    header, *data = sheet.to_python()
    assert header[:3] == ["县（市、区、旗）", "乡（镇）", "行政村"] and len(data) == 5
    by_name = {r[header.index("姓名")]: dict(zip(header, r, strict=True)) for r in data}
    assert by_name["=1+2"]["与户主关系"] == "之子" and by_name["张小"]["与户主关系"] == "之孙女"
    assert "*" in by_name["张桂英"]["证件号码"]  # masked unless --full-ids
    assert by_name["张桂英"]["首次识别时间"] == "2016-10-08"
    assert by_name["张桂英"]["脱贫属性"] == "已脱贫" and by_name["马文山"]["行政村"] == "马家沟村"
    head = by_name["马文山"]
    assert (head["自然村"], head["联系电话"]) == ("上庄", "13800000000")
    assert (head["人编号"], head["民族"]) == ("62001601", "汉族")

    args = ["export", str(out_csv), "--layout", "national", "--full-ids", "--quiet"]
    assert cli.main(args) == 0
    assert "'=1+2" in out_csv.read_text(encoding="utf-8-sig")  # neutralised, read back as is
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_ID, model="Export").exists()
    before = registry_state()
    report = run(out_csv)
    assert report.layout == "national" and report.problems == [] and report.warnings == []
    assert report.households_unchanged == 2 and registry_state() == before


def test_an_importing_user_is_held_to_their_offices_in_fupins_own_layout_too(
    tree, rows, write_files
):
    members, events = rows.household("H1")
    paths = write_files(members, events)
    outside = other_county_village(tree)
    report = run(paths[0], events_path=paths[1], user=office(outside.parent.parent, "other"))
    assert report.outcome == "rejected" and not Household.objects.exists()
    assert [p.row for p in report.problems] == [2, 3, 4]
    assert all("不在您管辖的区域内" in p.reason for p in report.problems)

    nobody = get_user_model().objects.create_user("nobody", password="pw-nobody-2019")
    report = run(paths[0], events_path=paths[1], user=nobody)
    assert report.outcome == "rejected" and "没有任何扶贫办的职务" in report.problems[0].reason

    report = run(paths[0], events_path=paths[1], user=office(tree.county))
    assert report.outcome == "written"


def test_a_long_household_number_stored_as_a_number_is_refused(tree, national, tmp_path):
    rows = national.three("620018")
    for r in rows:
        r["户编号"] = 6211261010010001  # Excel keeps 15 significant digits
    report = run(write_national_xlsx(tmp_path / "n.xlsx", rows))
    assert report.outcome == "rejected"
    assert {(p.row, p.column) for p in report.problems} == {
        (FIRST_DATA_ROW + i, "户编号") for i in range(3)
    }
    assert "存成了数字" in report.problems[0].reason


def test_a_column_mapping_reads_a_list_with_other_headers(
    tree, national, tmp_path, monkeypatch, capsys
):
    renamed = {"户编号": "户号", "证件号码": "身份证", "行政村": "村名"}
    headers = [renamed.get(h, h) for h in HEADERS]
    rows = [{renamed.get(k, k): v for k, v in r.items()} for r in national.three("620019")]
    path = write_national_xlsx(tmp_path / "other.xlsx", rows, headers)
    report = run(path)
    assert report.outcome == "rejected"
    assert "缺少必填列“户编号”" in {p.reason for p in report.problems}

    report = run(path, column_map={"户号": "户编号", "身份证": "证件号码", "村名": "证件号"})
    assert report.outcome == "rejected" and len(report.problems) == 1
    assert "“证件号”不是本系统或全国系统人员名单的列名" in report.problems[0].reason

    monkeypatch.setattr(cli, "COMMAND_MODULES", ("fupin.cli.registry_io",))
    maps = ["--map", "户号=户编号", "--map", "身份证=证件号码", "--map", "村名=行政村"]
    assert cli.main(["import", str(path), *maps, "--quiet"]) == 0
    h = Household.objects.get(household_no="620019")
    assert h.village == tree.village_a and h.members.count() == 3
    assert cli.main(["import", str(path), "--map", "户号", "--quiet"]) == 2
    assert "--map 应写成 原列名=标准列名" in capsys.readouterr().err


# --- the lists' own fields: 自然村, 联系电话, 人编号, 民族 (issue #15 item 1) ------------------------


def test_the_lists_own_fields_are_stored_shown_by_page_and_api_and_audited(
    tree, national, tmp_path, client
):
    from django.urls import reverse
    from rest_framework.test import APIClient

    from fupin.registry.selectors import audit_changes

    rows = national.three("620030")
    for r in rows[1:]:
        r["联系电话"] = ""  # the phone on the head's row only
    rows[2]["民族"] = "回族"
    user = office(tree.county)
    report = run(write_national_xlsx(tmp_path / "own.xlsx", rows), user=user)
    assert report.problems == [] and report.outcome == "written"
    h = Household.objects.get(household_no="620030")
    assert (h.natural_village, h.phone) == ("上庄", "13800000000")
    people = list(h.members.order_by("id").values_list("person_no", "ethnicity"))
    assert people == [("62003001", "汉族"), ("62003002", "汉族"), ("62003003", "回族")]
    created = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT, object_key="620030")
    labels = {c["field"]: c["after"] for c in audit_changes(created)}
    # The audit list shows the phone masked, as it shows ID numbers.
    assert labels["自然村"] == "上庄" and labels["联系电话"] == "138****0000"
    assert "人编号：62003001" in labels["家庭成员"] and "民族：回族" in labels["家庭成员"]

    client.force_login(user)
    page = client.get(reverse("registry:household", args=["620030"])).content.decode()
    assert '<dd id="natural-village">上庄</dd>' in page
    assert '<dd id="phone">13800000000</dd>' in page
    assert "<th>民族</th>" in page and "<td>回族</td>" in page and "<td>62003003</td>" in page

    api = APIClient()
    api.force_authenticate(user)
    data = api.get("/api/households/620030/").json()
    assert (data["natural_village"], data["phone"]) == ("上庄", "13800000000")
    assert [m["ethnicity"] for m in data["members"]] == ["汉族", "汉族", "回族"]
    assert data["members"][0]["person_no"] == "62003001"

    # A changed number is an update whose audit row names the field in Chinese.
    for r in rows:
        r["联系电话"] = "0931-8123456" if r["与户主关系"] == "户主" else ""
    report = run(write_national_xlsx(tmp_path / "again.xlsx", rows), user=user)
    assert report.households_updated == 1 and report.problems == []
    assert Household.objects.get(household_no="620030").phone == "0931-8123456"
    update = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE, object_key="620030").get()
    assert audit_changes(update) == [
        {"field": "联系电话", "before": "138****0000", "after": "093*-***3456"}
    ]


def test_a_list_without_the_columns_leaves_the_stored_values_alone(tree, national, tmp_path):
    rows = national.three("620031")
    assert run(write_national_xlsx(tmp_path / "full.xlsx", rows)).outcome == "written"
    report = run(write_national_xlsx(tmp_path / "minimal.xlsx", rows, MINIMAL))
    assert report.problems == [] and report.outcome == "written"
    h = Household.objects.get(household_no="620031")
    assert (h.natural_village, h.phone) == ("上庄", "13800000000")
    assert set(h.members.values_list("ethnicity", flat=True)) == {"汉族"}


def test_an_unreadable_phone_or_ethnicity_is_refused_with_row_and_column(tree, national, tmp_path):
    rows = national.three("620032")
    rows[0]["联系电话"] = "请联系村委"
    rows[0]["民族"] = "汉\x07族"
    rows += national.three("620033", **{"自然村": "下庄"})
    rows[4]["联系电话"] = "13900000000"  # two numbers for one household: not the same household
    report = run(write_national_csv(tmp_path / "bad.csv", rows))
    assert report.outcome == "rejected"
    first = 3  # the CSV's title line and header
    found = {(p.row, p.column): p.reason for p in report.problems}
    assert "有效的联系电话" in found[(first, "联系电话")]
    assert "民族" in found[(first, "民族")] and "控制字符" in found[(first, "民族")]
    assert "同一户的户信息应一致" in found[(first + 4, "联系电话")]
    assert not Household.objects.exists()
