"""XLSX (or CSV) imports of pairings and ledger entries: read everything, check every row, then
write all of it in one transaction, or nothing when any row is bad (the registry import's style:
each problem names its sheet, row as Excel shows it, column and reason)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry
from fupin.cooperation.models import Indicator, Pairing, PairingLevel, PartnerKind
from fupin.cooperation.services import (
    CooperationError,
    acting_side,
    check_pairing,
    ledger_entry_add,
    pairing_add,
    partner_pairing_add,
)
from fupin.cooperation.workflows import Side
from fupin.regions.models import Region
from fupin.registry.io.reading import ReadError, Table, read_table

PAIRING_SHEET = "结对关系"
PARTNER_SHEET = "携手奔小康"
LEDGER_SHEET = "台账"

PAIRING_COLUMNS = (
    "层级",
    "东部代码",
    "西部代码",
    "上级东部代码",
    "上级西部代码",
    "起始年度",
    "终止年度",
    "东部名称",
    "西部名称",
)
PAIRING_REQUIRED = ("层级", "东部代码", "西部代码", "起始年度")
PARTNER_COLUMNS = (
    "类型",
    "东部区县代码",
    "东部结对方",
    "西部区划代码",
    "西部结对方",
    "起始年度",
    "终止年度",
)
PARTNER_REQUIRED = ("类型", "东部区县代码", "东部结对方", "西部区划代码", "起始年度")
LEDGER_COLUMNS = (
    "东部代码",
    "西部代码",
    "年度",
    "日期",
    "指标代码",
    "数额",
    "受益贫困人口",
    "实施县代码",
    "事项",
    "佐证材料",
)
LEDGER_REQUIRED = ("东部代码", "西部代码", "年度", "日期", "指标代码", "数额")

LEVEL_WORDS = {
    "省": PairingLevel.PROVINCE,
    "市": PairingLevel.CITY,
    "区县": PairingLevel.DISTRICT,
    "县": PairingLevel.DISTRICT,
    "区": PairingLevel.DISTRICT,
}
KIND_WORDS = {
    "乡镇": PartnerKind.TOWNSHIP,
    "村": PartnerKind.VILLAGE,
    "学校": PartnerKind.SCHOOL,
    "医院": PartnerKind.HOSPITAL,
    "企业": PartnerKind.ENTERPRISE,
}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.sheet} 第 {self.row} 行" + (f"「{self.column}」" if self.column else "")
        return f"{where}：{self.reason}" + (f"（{self.value}）" if self.value else "")


@dataclass
class ImportReport:
    source: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    partners_created: int = 0
    written: bool = False
    problems: list[Problem] = field(default_factory=list)
    # The (pairing, year) ledgers the import adds to (or would add to, in a dry run).
    ledgers: list[tuple[Pairing, int]] = field(default_factory=list)


class _Rows:
    """Cell access by header with problems collected, not raised."""

    def __init__(
        self,
        table: Table,
        columns: tuple[str, ...],
        required: tuple[str, ...],
        problems: list[Problem],
    ) -> None:
        self.table, self.problems = table, problems
        self.index = table.column_index()
        self.ok = True
        for col in required:
            if col not in self.index:
                problems.append(Problem(table.name, table.header_row, col, "", "缺少必填列"))
                self.ok = False

    def text(self, row: list[Any], col: str) -> str:
        i = self.index.get(col)
        if i is None or i >= len(row) or row[i] is None:
            return ""
        v = row[i]
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()

    def bad(self, rownum: int, col: str, value: str, reason: str) -> None:
        self.problems.append(Problem(self.table.name, rownum, col, value, reason))

    def need(self, rownum: int, row: list[Any], col: str) -> str:
        v = self.text(row, col)
        if not v:
            self.bad(rownum, col, "", "必填")
        return v

    def year(self, rownum: int, row: list[Any], col: str, required: bool = True) -> int | None:
        v = self.need(rownum, row, col) if required else self.text(row, col)
        if not v:
            return None
        if not v.isdigit() or not 1990 <= int(v) <= 2100:
            self.bad(rownum, col, v, "不是年度（四位数字）")
            return None
        return int(v)

    def region(
        self,
        rownum: int,
        row: list[Any],
        col: str,
        regions: dict[str, Region],
        required: bool = True,
    ) -> Region | None:
        v = self.need(rownum, row, col) if required else self.text(row, col)
        if not v:
            return None
        code = v + "0" * (12 - len(v)) if v.isdigit() and len(v) in (2, 4, 6, 9) else v
        region = regions.get(code)
        if region is None:
            self.bad(rownum, col, v, "区划代码不存在（东部地区须先载入）")
        return region


def _regions(tables: list[tuple[Table, tuple[str, ...]]]) -> dict[str, Region]:
    codes: set[str] = set()
    for table, cols in tables:
        idx = table.column_index()
        for _n, row in table.rows:
            for c in cols:
                i = idx.get(c)
                if i is not None and i < len(row) and row[i] is not None:
                    v = row[i]
                    v = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
                    codes.add(
                        v + "0" * (12 - len(v)) if v.isdigit() and len(v) in (2, 4, 6, 9) else v
                    )
    return {r.code: r for r in Region.objects.filter(code__in=sorted(codes))}


def _read(path: Path, sheet: str, key: str, required: bool, report: ImportReport) -> Table | None:
    try:
        return read_table(path, name=sheet, key_header=key, required_sheet=required)
    except ReadError as e:
        report.problems.append(Problem(sheet, e.row or 0, "", "", e.reason))
        return None


def pairing_load_xlsx(*, path: Path | str, user: Any = None, source: str = "") -> ImportReport:
    """Load pairings (sheet 结对关系) and 携手奔小康 pairings (optional sheet 携手奔小康).

    Columns of 结对关系: 层级 (省/市/区县), 东部代码, 西部代码, 上级东部代码 and 上级西部代码 (for a
    district↔county pairing under a province or city pairing), 起始年度, 终止年度, and optional
    东部名称/西部名称 checked against the region table. Columns of 携手奔小康: 类型
    (乡镇/村/学校/医院/企业), 东部区县代码, 东部结对方, 西部区划代码, 西部结对方, 起始年度, 终止年度.
    Any bad row: nothing is written and every problem is reported.
    """
    path = Path(path)
    report = ImportReport(source=source or path.name)
    table = _read(path, PAIRING_SHEET, "层级", True, report)
    partners = (
        _read(path, PARTNER_SHEET, "类型", False, report) if path.suffix.lower() != ".csv" else None
    )
    if table is None:
        return report
    tables = [(table, ("东部代码", "西部代码", "上级东部代码", "上级西部代码"))]
    if partners is not None:
        tables.append((partners, ("东部区县代码", "西部区划代码")))
    regions = _regions(tables)
    rows = _Rows(table, PAIRING_COLUMNS, PAIRING_REQUIRED, report.problems)
    planned: list[dict[str, Any]] = []
    keys: dict[tuple[str, str], int] = {}
    if rows.ok:
        for rownum, row in table.rows:
            report.rows_read += 1
            n0 = len(report.problems)
            word = rows.need(rownum, row, "层级")
            level = LEVEL_WORDS.get(word, word if word in PairingLevel.values else None)
            if word and level is None:
                rows.bad(rownum, "层级", word, "层级须为 省、市 或 区县")
            east = rows.region(rownum, row, "东部代码", regions)
            west = rows.region(rownum, row, "西部代码", regions)
            pe = rows.region(rownum, row, "上级东部代码", regions, required=False)
            pw = rows.region(rownum, row, "上级西部代码", regions, required=False)
            start = rows.year(rownum, row, "起始年度")
            end = rows.year(rownum, row, "终止年度", required=False)
            for col, region in (("东部名称", east), ("西部名称", west)):
                name = rows.text(row, col)
                if name and region is not None and name != region.name:
                    rows.bad(rownum, col, name, f"与区划代码对应的名称“{region.name}”不符")
            if bool(rows.text(row, "上级东部代码")) != bool(rows.text(row, "上级西部代码")):
                rows.bad(rownum, "上级东部代码", "", "上级东部代码和上级西部代码须同时填写")
            if len(report.problems) > n0 or east is None or west is None or start is None:
                continue
            assert level is not None
            key = (east.code, west.code)
            if key in keys:
                rows.bad(rownum, "西部代码", west.code, f"与第 {keys[key]} 行重复")
                continue
            keys[key] = rownum
            planned.append(
                {
                    "row": rownum,
                    "level": level,
                    "east": east,
                    "west": west,
                    "parent": (pe.code, pw.code) if pe and pw else None,
                    "start": start,
                    "end": end,
                }
            )
    # Parents must be pairings in the file or already in the database, at a level above.
    existing = {
        (p.east.code, p.west.code): p for p in Pairing.objects.select_related("east", "west")
    }
    in_file = {(p["east"].code, p["west"].code): p for p in planned}
    for p in planned:
        parent_obj: Pairing | None = None
        if p["parent"] is not None:
            if p["parent"] not in in_file and p["parent"] not in existing:
                rows.bad(p["row"], "上级东部代码", "↔".join(p["parent"]), "上级结对不存在")
                continue
            parent_obj = existing.get(p["parent"])
        try:
            # Checked with the parent as it will be (the file's own row when it is new).
            parent_check = parent_obj
            if parent_check is None and p["parent"] is not None:
                src = in_file[p["parent"]]
                parent_check = Pairing(level=src["level"], east=src["east"], west=src["west"])
            check_pairing(p["level"], p["east"], p["west"], parent_check, p["start"], p["end"])
        except CooperationError as e:
            rows.bad(p["row"], "层级", p["level"], str(e))
    partner_plan: list[dict[str, Any]] = []
    if partners is not None:
        prow = _Rows(partners, PARTNER_COLUMNS, PARTNER_REQUIRED, report.problems)
        if prow.ok:
            for rownum, row in partners.rows:
                report.rows_read += 1
                n0 = len(report.problems)
                word = prow.need(rownum, row, "类型")
                kind = KIND_WORDS.get(word, word if word in PartnerKind.values else None)
                if word and kind is None:
                    prow.bad(rownum, "类型", word, "类型须为 乡镇、村、学校、医院 或 企业")
                district = prow.region(rownum, row, "东部区县代码", regions)
                east_name = prow.need(rownum, row, "东部结对方")
                west = prow.region(rownum, row, "西部区划代码", regions)
                west_name = prow.text(row, "西部结对方")
                start = prow.year(rownum, row, "起始年度")
                end = prow.year(rownum, row, "终止年度", required=False)
                if len(report.problems) > n0 or district is None or west is None or start is None:
                    continue
                county = west.code[:6] + "0" * 6
                key = (district.code, county)
                if key not in in_file and key not in existing:
                    prow.bad(
                        rownum,
                        "西部区划代码",
                        west.code,
                        f"{district.name}与{west.name}所在县之间没有区县结对",
                    )
                    continue
                partner_plan.append(
                    {
                        "row": rownum,
                        "kind": kind,
                        "key": key,
                        "east_name": east_name,
                        "west": west,
                        "west_name": west_name,
                        "start": start,
                        "end": end,
                    }
                )
    if report.problems:
        return report
    try:
        with transaction.atomic():
            made: dict[tuple[str, str], Pairing] = {}
            before_ids = set(Pairing.objects.values_list("pk", flat=True))
            # Parents first (province and city rows), then the districts under them.
            for p in sorted(planned, key=lambda p: p["parent"] is not None):
                parent = None
                if p["parent"] is not None:
                    parent = made.get(p["parent"]) or existing[p["parent"]]
                old = existing.get((p["east"].code, p["west"].code))
                snapshot = (old.level, old.start_year, old.end_year, old.parent_id) if old else None
                obj = pairing_add(
                    level=p["level"],
                    east=p["east"],
                    west=p["west"],
                    start_year=p["start"],
                    end_year=p["end"],
                    parent=parent,
                    source=report.source,
                    user=user,
                )
                made[(p["east"].code, p["west"].code)] = obj
                if obj.pk not in before_ids:
                    report.created += 1
                elif snapshot != (obj.level, obj.start_year, obj.end_year, obj.parent_id):
                    report.updated += 1
                else:
                    report.unchanged += 1
            for q in partner_plan:
                pairing = made.get(q["key"]) or existing[q["key"]]
                try:
                    partner_pairing_add(
                        kind=q["kind"],
                        pairing=pairing,
                        east_name=q["east_name"],
                        west_region=q["west"],
                        west_name=q["west_name"],
                        start_year=q["start"],
                        end_year=q["end"],
                        source=report.source,
                        user=user,
                    )
                except CooperationError as e:
                    report.problems.append(Problem(PARTNER_SHEET, q["row"], "", "", str(e)))
                    continue
                report.partners_created += 1
            if report.problems:
                raise _Rollback
            marker = Pairing.objects.order_by("-pk").first()
            if marker is not None:
                audit_record(
                    actor=user,
                    action=AuditEntry.Action.IMPORT,
                    obj=marker,
                    after={
                        "created": report.created,
                        "updated": report.updated,
                        "partners": report.partners_created,
                    },
                    reason=f"导入结对：{report.source}",
                )
    except _Rollback:
        report.created = report.updated = report.unchanged = report.partners_created = 0
        return report
    report.written = True
    return report


class _Rollback(Exception):
    pass


def _date(v: Any) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = str(v).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        return None


def ledger_import_xlsx(
    *,
    path: Path | str,
    user: Any = None,
    side: str | None = None,
    source: str = "",
    dry_run: bool = False,
) -> ImportReport:
    """Import ledger entries (sheet 台账) entered by one side: columns 东部代码, 西部代码 (the
    pairing), 年度, 日期, 指标代码, 数额, and optional 受益贫困人口, 实施县代码, 事项, 佐证材料. Every
    entry waits for the other side's confirmation; any bad row and nothing is written. A dry run
    runs every row through the service and rolls back, so that its report (and `created`) is
    what the import would meet; `written` stays False."""
    path = Path(path)
    report = ImportReport(source=source or path.name)
    table = _read(path, LEDGER_SHEET, "指标代码", True, report)
    if table is None:
        return report
    regions = _regions([(table, ("东部代码", "西部代码", "实施县代码"))])
    rows = _Rows(table, LEDGER_COLUMNS, LEDGER_REQUIRED, report.problems)
    if not rows.ok:
        return report
    pairings = {
        (p.east.code, p.west.code): p for p in Pairing.objects.select_related("east", "west")
    }
    indicators = {i.code: i for i in Indicator.objects.all()}
    planned: list[dict[str, Any]] = []
    sides: dict[int, str] = {}
    for rownum, row in table.rows:
        report.rows_read += 1
        n0 = len(report.problems)
        east = rows.region(rownum, row, "东部代码", regions)
        west = rows.region(rownum, row, "西部代码", regions)
        year = rows.year(rownum, row, "年度")
        raw_date = rows.need(rownum, row, "日期")
        i = rows.index["日期"]
        date = _date(row[i]) if raw_date else None
        if raw_date and date is None:
            rows.bad(rownum, "日期", raw_date, "不是日期（如 2018-06-30）")
        code = rows.need(rownum, row, "指标代码")
        indicator = indicators.get(code) if code else None
        if code and indicator is None:
            rows.bad(rownum, "指标代码", code, "指标不在指标目录中")
        raw_amount = rows.need(rownum, row, "数额")
        amount: Decimal | None = None
        if raw_amount:
            try:
                amount = Decimal(raw_amount)
            except InvalidOperation:
                rows.bad(rownum, "数额", raw_amount, "不是数字")
        raw_ben = rows.text(row, "受益贫困人口")
        beneficiaries = 0
        if raw_ben:
            if raw_ben.isdigit():
                beneficiaries = int(raw_ben)
            else:
                rows.bad(rownum, "受益贫困人口", raw_ben, "须为非负整数")
        county = rows.region(rownum, row, "实施县代码", regions, required=False)
        pairing = pairings.get((east.code, west.code)) if east and west else None
        if east and west and pairing is None:
            rows.bad(rownum, "西部代码", west.code, f"{east.name}与{west.name}没有结对")
        if len(report.problems) > n0 or pairing is None:
            continue
        try:
            if pairing.pk not in sides:
                sides[pairing.pk] = acting_side(user, pairing, side)
        except CooperationError as e:
            rows.bad(rownum, "东部代码", "", str(e))
            continue
        planned.append(
            {
                "row": rownum,
                "pairing": pairing,
                "year": year,
                "date": date,
                "indicator": indicator,
                "amount": amount,
                "beneficiaries": beneficiaries,
                "county": county,
                "title": rows.text(row, "事项"),
                "evidence": rows.text(row, "佐证材料"),
            }
        )
    if report.problems:
        return report
    try:
        with transaction.atomic():
            for p in planned:
                try:
                    ledger_entry_add(
                        pairing=p["pairing"],
                        year=p["year"],
                        date=p["date"],
                        indicator=p["indicator"],
                        amount=p["amount"],
                        user=user,
                        side=sides[p["pairing"].pk],
                        beneficiaries=p["beneficiaries"],
                        county=p["county"],
                        title=p["title"],
                        evidence=p["evidence"],
                        source=report.source,
                    )
                except CooperationError as e:
                    report.problems.append(Problem(table.name, p["row"], "", "", str(e)))
                    continue
                report.created += 1
                ledger = (p["pairing"], p["year"])
                if ledger not in report.ledgers:
                    report.ledgers.append(ledger)
            if report.problems or dry_run:
                raise _Rollback
    except _Rollback:
        if report.problems:
            report.created = 0
            report.ledgers = []
        return report
    report.written = True
    return report


__all__ = ["ImportReport", "Problem", "ledger_import_xlsx", "pairing_load_xlsx", "Side"]
