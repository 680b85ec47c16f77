"""XLSX import of the help: unit ↔ village pairings, cadre ↔ household pairings and projects, one
sheet each (a template to download). Every row goes through the same services as the forms, in
one transaction: the dry run runs them and rolls back, so its report (row as Excel shows it,
column, reason) is exactly what the import would meet; the import writes all rows or none.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import transaction

from fupin.accounts.models import Membership, Role
from fupin.assistance import selectors as sel
from fupin.assistance.models import FundSource, HelpingUnit, MeasureKind
from fupin.assistance.services import (
    AnyUser,
    AssistanceError,
    pairing_household_create,
    pairing_village_create,
    project_beneficiary_add,
    project_create,
)
from fupin.assistance.services_manage import pairing_village_end
from fupin.files.sheets import Sheet, restore, write_xlsx
from fupin.regions.models import Level, Region
from fupin.registry.io.validation import Problem

MAX_UPLOAD = 5 * 1024 * 1024
MAX_ROWS = 5000

VILLAGE_SHEET = "单位结对帮扶村"
HOUSEHOLD_SHEET = "帮扶责任人结对"
PROJECT_SHEET = "扶贫项目"
FUND_COLUMNS = [(str(label), code) for code, label in FundSource.choices]
COLUMNS: dict[str, list[str]] = {
    VILLAGE_SHEET: ["帮扶单位", "帮扶村(名称或代码)", "开始日期", "解除日期", "解除原因"],
    HOUSEHOLD_SHEET: ["户编号", "帮扶责任人(用户名)", "开始日期", "所在帮扶单位"],
    PROJECT_SHEET: [
        "项目名称",
        "实施区划(名称或代码)",
        "项目类别",
        "项目年度",
        "帮扶单位",
        "开工日期",
        *[f"{label}(元)" for label, _code in FUND_COLUMNS],
        "受益户编号(以、分隔)",
        "建设内容",
    ],
}
REQUIRED = {
    VILLAGE_SHEET: ["帮扶单位", "帮扶村(名称或代码)", "开始日期"],
    HOUSEHOLD_SHEET: ["户编号", "帮扶责任人(用户名)", "开始日期"],
    PROJECT_SHEET: ["项目名称", "实施区划(名称或代码)", "项目类别", "项目年度"],
}
EXAMPLES = {
    VILLAGE_SHEET: ["甘肃省财政厅", "东街村", "2016-01-01", "", ""],
    HOUSEHOLD_SHEET: ["6211261000010001", "zhangsan", "2016-03-01", "甘肃省财政厅"],
    PROJECT_SHEET: [
        "东街村养殖合作社",
        "东街村",
        "产业扶持",
        2018,
        "",
        "2018-04-01",
        100000,
        0,
        0,
        0,
        "6211261000010001",
        "",
    ],
}


class ImportRefused(AssistanceError):
    """The file cannot be read at all (not an XLSX, no known sheet, too large)."""


@dataclass
class HelpImportReport:
    """What the import did or would do: counts per sheet and every problem, row by row."""

    created: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "ok": self.ok,
            "created": self.created,
            "problems": [
                {
                    "sheet": p.table,
                    "row": p.row,
                    "column": p.column,
                    "value": p.value,
                    "reason": p.reason,
                }
                for p in self.problems
            ],
        }


def template_xlsx(target: IO[bytes]) -> None:
    """The import template: one sheet per kind, its columns and one example row."""
    write_xlsx(
        target,
        [Sheet(title=name, headers=cols, rows=[EXAMPLES[name]]) for name, cols in COLUMNS.items()],
    )


def problems_xlsx(target: IO[bytes], report: HelpImportReport) -> None:
    rows = [[p.table, p.row, p.column, p.value, p.reason] for p in report.problems]
    write_xlsx(
        target, [Sheet(title="问题", headers=["工作表", "行号", "列", "值", "原因"], rows=rows)]
    )


# --- reading ------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(restore(value)).strip()


def read_sheets(data: bytes) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Each known sheet's rows as (Excel row number, {column: text}); empty rows skipped."""
    if len(data) > MAX_UPLOAD:
        raise ImportRefused(f"文件：超过 {MAX_UPLOAD // (1024 * 1024)} MB 上限，请分成几个文件")
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
    except Exception:  # calamine raises its own error types for damaged files
        raise ImportRefused("文件：无法读取，请上传 Excel（.xlsx）文件（可下载模板）") from None
    out: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for name in COLUMNS:
        if name not in names:
            continue
        raw = [list(r) for r in book.get_sheet_by_name(name).iter_rows()]
        if not raw:
            continue
        header = [_text(c) for c in raw[0]]
        missing = [c for c in REQUIRED[name] if c not in header]
        if missing:
            raise ImportRefused(f"工作表“{name}”：缺少列 {'、'.join(missing)}")
        rows = []
        for i, r in enumerate(raw[1:], start=2):
            values = {h: _text(c) for h, c in zip(header, r, strict=False) if h}
            if any(values.values()):
                rows.append((i, values))
        out[name] = rows
    if not out:
        raise ImportRefused(
            "文件：没有“单位结对帮扶村”“帮扶责任人结对”“扶贫项目”工作表（可下载模板）"
        )
    if sum(len(r) for r in out.values()) > MAX_ROWS:
        raise ImportRefused(f"文件：一次最多导入 {MAX_ROWS} 行，请分成几个文件")
    return out


# --- checking and writing -----------------------------------------------------------------------


class RowError(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _date(values: dict[str, str], column: str, required: bool = True) -> dt.date | None:
    text = values.get(column, "")
    if not text:
        if required:
            raise RowError(column, "", "不能为空")
        return None
    try:
        return dt.date.fromisoformat(text.replace("/", "-")[:10])
    except ValueError:
        raise RowError(column, text, "不是有效日期（如 2018-03-01）") from None


class Lookups:
    """Names to records within the user's scope, with the candidates when a name is ambiguous."""

    def __init__(self, user: AnyUser) -> None:
        self.user = user
        self.units = {u.name: u for u in sel.units_for(user)} if user else {}
        self.all_units = user is None

    def unit(self, column: str, name: str, required: bool = True) -> HelpingUnit | None:
        if not name:
            if required:
                raise RowError(column, "", "不能为空")
            return None
        unit = (
            HelpingUnit.objects.filter(name=name).first()
            if self.all_units
            else self.units.get(name)
        )
        if unit is None:
            raise RowError(column, name, "没有该帮扶单位，或无权查看（须先登记）")
        return unit

    def region(self, column: str, text: str, level: str | None = None) -> Region:
        if not text:
            raise RowError(column, "", "不能为空")
        qs = Region.objects.all() if self.user is None else sel.regions_for(self.user)
        if level is not None:
            qs = qs.filter(level=level)
        if text.isdigit():
            found = list(qs.filter(code=text)[:2])
        else:
            found = list(qs.filter(name=text).select_related("parent")[:6])
        if not found:
            raise RowError(column, text, "没有该区划，或不在您的辖区内")
        if len(found) > 1:
            names = "、".join(
                f"{r.parent.name if r.parent else ''}{r.name}（{r.code}）" for r in found
            )
            raise RowError(column, text, f"名称不唯一，请填写区划代码：{names}")
        return found[0]

    def household(self, column: str, no: str) -> Any:
        qs = sel.households_for(self.user) if self.user is not None else None
        from fupin.registry.models import Household

        household = (
            (qs if qs is not None else Household.objects.all()).filter(household_no=no).first()
        )
        if household is None:
            raise RowError(column, no, "没有该户，或无权查看")
        return household

    def cadre(self, column: str, username: str) -> Any:
        cadre = (
            get_user_model()
            .objects.filter(
                username=username,
                is_active=True,
                pk__in=Membership.objects.filter(role=Role.HELPING_CADRE).values("user_id"),
            )
            .first()
        )
        if cadre is None:
            raise RowError(column, username, "不是帮扶责任人的用户名")
        return cadre


def _village_row(v: dict[str, str], look: Lookups, who: dict[str, Any]) -> None:
    unit = look.unit("帮扶单位", v.get("帮扶单位", ""))
    assert unit is not None
    village = look.region("帮扶村(名称或代码)", v.get("帮扶村(名称或代码)", ""), Level.VILLAGE)
    start = _date(v, "开始日期")
    end = _date(v, "解除日期", required=False)
    assert start is not None
    pairing = pairing_village_create(unit=unit, village=village, start=start, **who)
    if end is not None:
        reason = v.get("解除原因", "")
        if not reason:
            raise RowError("解除原因", "", "填写了解除日期时不能为空")
        pairing_village_end(pairing=pairing, end=end, reason=reason, **who)


def _household_row(v: dict[str, str], look: Lookups, who: dict[str, Any]) -> None:
    household = look.household("户编号", v.get("户编号", ""))
    cadre = look.cadre("帮扶责任人(用户名)", v.get("帮扶责任人(用户名)", ""))
    start = _date(v, "开始日期")
    assert start is not None
    unit = look.unit("所在帮扶单位", v.get("所在帮扶单位", ""), required=False)
    pairing_household_create(household=household, cadre=cadre, start=start, unit=unit, **who)


def _project_row(v: dict[str, str], look: Lookups, who: dict[str, Any]) -> None:
    region = look.region("实施区划(名称或代码)", v.get("实施区划(名称或代码)", ""))
    kinds = {str(label): code for code, label in MeasureKind.choices}
    kind_text = v.get("项目类别", "")
    if kind_text not in kinds:
        raise RowError("项目类别", kind_text, f"未知的类别，可填：{'、'.join(kinds)}")
    year_text = v.get("项目年度", "")
    if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        raise RowError("项目年度", year_text, "须为 2000–2100 之间的年份")
    funds: dict[str, Decimal] = {}
    for label, code in FUND_COLUMNS:
        column = f"{label}(元)"
        text = v.get(column, "")
        if not text:
            continue
        try:
            amount = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise RowError(column, text, "不是有效金额") from None
        if amount < 0:
            raise RowError(column, text, "金额不能为负")
        if amount:
            funds[code] = amount
    unit = look.unit("帮扶单位", v.get("帮扶单位", ""), required=False)
    project = project_create(
        name=v.get("项目名称", ""),
        region=region,
        kind=kinds[kind_text],
        year=int(year_text),
        funds=funds,
        unit=unit,
        start_date=_date(v, "开工日期", required=False),
        description=v.get("建设内容", ""),
        **who,
    )
    column = "受益户编号(以、分隔)"
    for no in [n.strip() for n in v.get(column, "").replace(",", "、").split("、") if n.strip()]:
        household = look.household(column, no)
        try:
            project_beneficiary_add(project=project, household=household, **who)
        except AssistanceError as e:
            raise RowError(column, no, str(e)) from e


ROW_WRITERS: dict[str, Callable[[dict[str, str], Lookups, dict[str, Any]], None]] = {
    VILLAGE_SHEET: _village_row,
    HOUSEHOLD_SHEET: _household_row,
    PROJECT_SHEET: _project_row,
}


class _Rollback(Exception):
    pass


def help_import(
    *,
    sheets: dict[str, list[tuple[int, dict[str, str]]]],
    dry_run: bool,
    actor: str,
    user: AnyUser | None = None,
) -> HelpImportReport:
    """Run every row through the services in one transaction; roll back on a dry run or on any
    problem (all rows or none). The report names each problem's sheet, Excel row and column."""
    report = HelpImportReport(dry_run=dry_run)
    who = {"actor": actor, "user": user}
    look = Lookups(user)  # type: ignore[arg-type]
    try:
        with transaction.atomic():
            for name, rows in sheets.items():
                report.created[name] = 0
                for row, values in rows:
                    try:
                        with transaction.atomic():  # a savepoint: a refused row leaves nothing
                            ROW_WRITERS[name](values, look, who)
                    except RowError as e:
                        report.problems.append(Problem(name, row, e.column, e.value, e.reason))
                    except AssistanceError as e:
                        report.problems.append(Problem(name, row, "", "", str(e)))
                    else:
                        report.created[name] += 1
            if dry_run or report.problems:
                raise _Rollback
    except _Rollback:
        if report.problems and not dry_run:
            report.created = {name: 0 for name in report.created}
    return report


def sheet_names() -> Iterable[str]:
    return COLUMNS.keys()
