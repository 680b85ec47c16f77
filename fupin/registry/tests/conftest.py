"""Fixtures for the registry import/export tests: a tiny region tree and builders of valid rows."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fupin.accounts.models import AuditEntry
from fupin.policy import idnumber
from fupin.regions.models import Level, Region
from fupin.registry.io.columns import EVENT_HEADERS, EVENTS_TABLE, MEMBER_HEADERS, MEMBERS_TABLE
from fupin.registry.models import Household, Person, StatusEvent
from fupin.testing.regions import regions_load_for_tests

COUNTY = "621126000000"  # 岷县, a Gansu poverty county
TOWNSHIP = "621126101000"
VILLAGE_A = "621126101001"
VILLAGE_B = "621126101002"

Row = dict[str, Any]


@dataclass
class Tree:
    county: Region
    township: Region
    village_a: Region
    village_b: Region


def build_tree() -> Tree:
    regions_load_for_tests(provinces={"甘肃省"})  # the loader's rows, recorded once per process
    county = Region.objects.get(code=COUNTY)
    township = Region.objects.create(
        code=TOWNSHIP, name="梅川镇", level=Level.TOWNSHIP, parent=county, zone=county.zone
    )
    a = Region.objects.create(
        code=VILLAGE_A,
        name="马家沟村",
        level=Level.VILLAGE,
        parent=township,
        zone=county.zone,
        is_poor_village=True,
        poor_named_year=2014,
    )
    b = Region.objects.create(
        code=VILLAGE_B, name="杨家庄村", level=Level.VILLAGE, parent=township, zone=county.zone
    )
    return Tree(county, township, a, b)


@pytest.fixture
def tree(db: None) -> Tree:
    """Gansu's province, cities and counties, plus one township with two villages under 岷县."""
    return build_tree()


class Rows:
    """Builds valid member and event rows (header → cell) for households; tests then spoil one."""

    def __init__(self) -> None:
        self.serial = 0

    def id_number(self, birth: dt.date, *, male: bool = True, prefix: str = "621126") -> str:
        self.serial += 1
        seq = (self.serial * 2) % 1000
        seq = seq + 1 if male else seq  # odd 17th digit: male
        body = f"{prefix}{birth:%Y%m%d}{seq:03d}"
        return body + idnumber.check_digit(body)

    def person(self, relation: str, birth: dt.date, *, male: bool, name: str, **cells: Any) -> Row:
        row: Row = {
            "姓名": name,
            "证件号码": self.id_number(birth, male=male),
            "与户主关系": relation,
            "性别": "男" if male else "女",
            "出生日期": birth.isoformat(),
            "文化程度": "初中",
            "在校生状况": "非在校生",
            "健康状况": "健康",
            "残疾等级": "0",
            "劳动能力": "普通劳动力",
            "务工时间": "6",
            "参加医疗保险": "是",
            "已故": "否",
        }
        row.update(cells)
        return row

    def household(
        self,
        household_no: str,
        *,
        village: str = VILLAGE_A,
        members: int = 3,
        status: str = "poor",
        registered: bool = True,
        **cells: Any,
    ) -> tuple[list[Row], list[Row]]:
        """A valid household: its member rows and its 状态变更 rows.

        status: poor (识别 2015), exited (识别 2015, 脱贫 2018), returned (…, 返贫 2020),
        removed (识别 2015, 清退 2016).
        """
        people = [
            self.person("户主", dt.date(1970, 5, 1), male=True, name="马文山"),
            self.person(
                "配偶", dt.date(1972, 8, 15), male=False, name="杨秀英", **{"务工时间": "0"}
            ),
            self.person(
                "子女",
                dt.date(2006, 9, 1),
                male=True,
                name="马小军",
                **{
                    "在校生状况": "在校生",
                    "劳动能力": "无劳动力",
                    "务工时间": "0",
                    "文化程度": "小学",
                },
            ),
            self.person(
                "父母",
                dt.date(1945, 1, 20),
                male=False,
                name="李桂兰",
                **{
                    "健康状况": "长期慢性病",
                    "劳动能力": "丧失劳动力",
                    "务工时间": "0",
                    "文化程度": "文盲或半文盲",
                },
            ),
            self.person(
                "孙子女",
                dt.date(2016, 3, 3),
                male=False,
                name="马丽",
                **{"劳动能力": "无劳动力", "务工时间": "0", "文化程度": ""},
            ),
        ][:members]
        total = 9100.0
        household: Row = {
            "省": "甘肃省",
            "市": "定西市",
            "县": "岷县",
            "乡镇": "梅川镇",
            "行政村": "马家沟村",
            "行政区划代码": village,
            "户编号": household_no,
            "是否建档立卡": "是",
            "脱贫状态": "未脱贫",
            "识别年度": "2015",
            "脱贫年度": "",
            "贫困户属性": "一般贫困户",
            "识别标准": "国家标准",
            "主要致贫原因": "因病",
            "其他致贫原因": "缺技术、缺资金",
            "收入年度": "2019",
            "工资性收入": "5000",
            "生产经营性收入": "2100",
            "财产性收入": "0",
            "转移性收入": "2000",
            "其中政策性收入": "1500",
            "家庭纯收入": f"{total:g}",
            "人均纯收入": f"{round(total / members, 2):g}",
            "不愁吃": "是",
            "不愁穿": "是",
            "义务教育有保障": "是",
            "基本医疗有保障": "是",
            "住房安全有保障": "是",
            "饮水安全有保障": "是",
            "低保户": "否",
            "大病户": "否",
            "危房户": "否",
        }
        events = [
            {"户编号": household_no, "事件": "识别", "日期": "2015-03-01", "原因": "精准识别"}
        ]
        if status in {"exited", "returned"}:
            household.update({"脱贫状态": "已脱贫", "脱贫年度": "2018"})
            events.append(
                {"户编号": household_no, "事件": "脱贫", "日期": "2018-11-20", "原因": ""}
            )
        if status == "returned":
            household["脱贫状态"] = "返贫"
            events.append(
                {"户编号": household_no, "事件": "返贫", "日期": "2020-06-10", "原因": "因病返贫"}
            )
        if status == "removed":  # 清退: off the registry (是否建档立卡=否), status and history kept
            household.update({"脱贫状态": "已清退", "是否建档立卡": "否"})
            events.append(
                {
                    "户编号": household_no,
                    "事件": "清退",
                    "日期": "2016-07-01",
                    "原因": "错评：家有财政供养人员",
                }
            )
        if not registered:
            household.update(
                {
                    "是否建档立卡": "否",
                    "脱贫状态": "",
                    "识别年度": "",
                    "脱贫年度": "",
                    "贫困户属性": "",
                    "识别标准": "",
                    "主要致贫原因": "",
                    "其他致贫原因": "",
                }
            )
            events = []
        household.update(cells)
        return [{**household, **p} for p in people], events


@pytest.fixture
def rows() -> Rows:
    return Rows()


def write_csv(
    path: Path,
    rows: Iterable[Row],
    headers: Iterable[str] = MEMBER_HEADERS,
    *,
    encoding: str = "utf-8",
) -> Path:
    headers = list(headers)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for r in rows:
            w.writerow([r.get(h, "") for h in headers])
    return path


def write_xlsx(
    path: Path,
    members: Iterable[Row],
    events: Iterable[Row] | None = None,
    headers: Iterable[str] = MEMBER_HEADERS,
) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheets: list[tuple[str, list[str], Iterable[Row]]] = [(MEMBERS_TABLE, list(headers), members)]
    if events is not None:
        sheets.append((EVENTS_TABLE, list(EVENT_HEADERS), events))
    for title, hs, rs in sheets:
        ws = wb.create_sheet(title)
        ws.append(hs)
        for r in rs:
            ws.append([r.get(h, "") for h in hs])
    wb.save(path)
    return path


@pytest.fixture
def write_files(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    """Write members and events as two CSV files; returns (members path, events path)."""

    def write(
        members: Iterable[Row],
        events: Iterable[Row],
        *,
        encoding: str = "utf-8",
        headers: Iterable[str] = MEMBER_HEADERS,
    ) -> tuple[Path, Path]:
        m = write_csv(tmp_path / "members.csv", members, headers, encoding=encoding)
        e = write_csv(tmp_path / "events.csv", events, EVENT_HEADERS, encoding=encoding)
        return m, e

    return write


def registry_state() -> dict[str, Any]:
    """Counts and a checksum of every registry row: equal before and after means nothing written."""

    def digest(values: Iterable[Any]) -> str:
        return hashlib.sha256(json.dumps(list(values), default=str).encode()).hexdigest()

    return {
        "households": Household.objects.count(),
        "persons": Person.objects.count(),
        "events": StatusEvent.objects.count(),
        "audit": AuditEntry.objects.count(),
        "checksum": digest(
            [
                list(Household.objects.order_by("pk").values_list()),
                list(Person.objects.order_by("pk").values_list()),
                list(StatusEvent.objects.order_by("pk").values_list()),
                list(AuditEntry.objects.order_by("pk").values_list()),
            ]
        ),
    }


def write_big_files(
    folder: Path, households: int, *, members: int = 4, prefix: str = "B"
) -> tuple[Path, Path]:
    """A large valid CSV pair (households × members persons, one 识别 event each), written fast."""
    template, template_events = Rows().household("T", members=members)
    headers = list(MEMBER_HEADERS)
    members_path, events_path = folder / "big_members.csv", folder / "big_events.csv"
    base = dt.date(1950, 1, 1)
    n = 0
    with (
        members_path.open("w", encoding="utf-8", newline="") as mf,
        events_path.open("w", encoding="utf-8", newline="") as ef,
    ):
        mw, ew = csv.writer(mf), csv.writer(ef)
        mw.writerow(headers)
        ew.writerow(EVENT_HEADERS)
        for i in range(households):
            hno = f"{prefix}{i:07d}"
            for row in template:
                born = base + dt.timedelta(days=n // 500)
                male = row["性别"] == "男"
                body = f"621126{born:%Y%m%d}{(n % 500) * 2 + (1 if male else 0):03d}"
                n += 1
                cells = {
                    **row,
                    "户编号": hno,
                    "出生日期": born.isoformat(),
                    "证件号码": body + idnumber.check_digit(body),
                }
                mw.writerow([cells.get(h, "") for h in headers])
            for ev in template_events:
                ew.writerow([hno if h == "户编号" else ev[h] for h in EVENT_HEADERS])
    return members_path, events_path
