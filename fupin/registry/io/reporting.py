"""Showing an import report: a Chinese table for the terminal, JSON, and a problem file (XLSX/CSV)."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fupin.files.sheets import Sheet, write_csv, write_xlsx
from fupin.registry.io.importing import ImportReport
from fupin.registry.io.validation import Problem

PROBLEM_HEADERS = ("表", "行号", "列", "值", "户编号", "问题")
PROBLEM_WIDTHS = (10, 8, 14, 22, 18, 60, 14)
TABLE_LIMIT = 500  # problems printed in the terminal; the full list goes to --errors / json
OUTCOME_TEXT = {
    "written": "已全部写入",
    "partial": "只写入了无错误的户，有错误的户未写入",
    "rejected": "未写入任何数据",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _problem_cells(p: Problem) -> list[str]:
    return [p.table, str(p.row) if p.row else "", p.column, p.value, p.household_no, p.reason]


def report_text(report: ImportReport) -> str:
    outcome = OUTCOME_TEXT[report.outcome]
    if report.dry_run:
        outcome = f"试运行（--dry-run），数据库未改动；正式导入将：{outcome.replace('已', '')}"
    lines = [
        f"导入 {report.source}" + (f" ＋ {report.events_source}" if report.events_source else ""),
        *(
            ["格式：全国扶贫开发信息系统人员名单（地名按您管辖的区域查找）"]
            if report.layout == "national"
            else []
        ),
        f"结果：{outcome}",
        f"读取：家庭成员 {report.rows_read} 行，状态变更 {report.event_rows_read} 行，共 "
        f"{report.households_in_file} 户",
        f"农户：新增 {report.households_new}，更新 {report.households_updated}，"
        f"无变化 {report.households_unchanged}，跳过 {report.households_skipped}",
        f"家庭成员：新增 {report.persons_created}，更新 {report.persons_updated}，"
        f"移除 {report.persons_removed}；状态变更：新增 {report.events_added}",
    ]
    if report.skipped_household_nos:
        shown = "、".join(report.skipped_household_nos[:50])
        more = (
            f" 等 {len(report.skipped_household_nos)} 户"
            if len(report.skipped_household_nos) > 50
            else ""
        )
        lines.append(f"未导入的户：{shown}{more}")
    if report.rows_skipped:
        lines.append(f"无法归入任何一户而跳过的行：{report.rows_skipped}")
    if report.problems:
        lines.append(f"问题 {len(report.problems)} 条：")
        lines += _table(report.problems)
    if report.warnings:
        lines.append(
            f"提醒 {len(report.warnings)} 条（数值可读但前后不一致，已按文件所填导入，"
            "请用 fupin check 核查；加 --strict 则不导入这些户）："
        )
        lines += _table(report.warnings)
    return "\n".join(lines)


def _table(problems: list[Problem]) -> list[str]:
    lines = []
    rows = [list(PROBLEM_HEADERS)] + [_problem_cells(p) for p in problems[:TABLE_LIMIT]]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(PROBLEM_HEADERS) - 1)]
    for r in rows:
        lines.append("  ".join(_pad(c, w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    if len(problems) > TABLE_LIMIT:
        lines.append(
            f"……另有 {len(problems) - TABLE_LIMIT} 条，完整列表请用 --errors 文件或 --format json"
        )
    return lines


def report_dict(report: ImportReport) -> dict[str, Any]:
    data = asdict(report)
    data["outcome"] = report.outcome
    data["exit_code"] = report.exit_code
    return data


def report_json(report: ImportReport) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=2)


def write_problems(
    path: Path,
    problems: list[Problem],
    warnings: list[Problem] | None = None,
) -> None:
    """The problem list, then the warnings, as a file the user can open next to the original
    (XLSX or CSV); the last column says whether the household was imported."""
    path = Path(path)
    rows: list[list[Any]] = []
    for items, outcome in ((problems, "未导入"), (warnings or [], "已导入（提醒）")):
        for p in items:
            cells: list[Any] = [*_problem_cells(p), outcome]
            cells[1] = p.row
            rows.append(cells)
    headers = (*PROBLEM_HEADERS, "处理")
    if path.suffix.lower() == ".xlsx":
        write_xlsx(path, [Sheet("导入问题", headers, rows, PROBLEM_WIDTHS)])
    else:
        write_csv(path, headers, rows)
