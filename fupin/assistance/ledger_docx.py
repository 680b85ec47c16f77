"""A household's three ledgers (户户3本账) as a Word document, printable, with a Chinese font."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.run import Run

from fupin.assistance.models import AssistanceMeasure, ExitPlan, HouseholdPairing, VisitLog
from fupin.assistance.services import display_name
from fupin.registry.models import Household

# Word falls back to a Latin font for Chinese unless the East Asian slot names one; 宋体 is on
# every Chinese Windows, Noto Sans CJK SC on most Linux desktops (LibreOffice substitutes).
EAST_ASIAN_FONT = "宋体"
LATIN_FONT = "Times New Roman"


def _font(run: Run, size: float | None = None, bold: bool = False) -> Run:
    run.font.name = LATIN_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    if size is not None:
        run.font.size = Pt(size)
    run.bold = bold or None
    return run


def _set_default_font(doc: DocumentType) -> None:
    for name in ("Normal", "Heading 1", "Heading 2", "Title", "Table Grid"):
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        style.font.name = LATIN_FONT  # type: ignore[union-attr]
        rpr = style.element.get_or_add_rPr()  # type: ignore[union-attr]
        rpr.get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def _heading(doc: DocumentType, text: str, size: float) -> None:
    _font(doc.add_paragraph().add_run(text), size=size, bold=True)


def _para(doc: DocumentType, text: str) -> None:
    _font(doc.add_paragraph().add_run(text), size=10.5)


def _table(doc: DocumentType, header: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _font(cell.paragraphs[0].add_run(text), size=10, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), size=10)


def household_ledgers_docx(
    household: Household,
    *,
    plan: ExitPlan | None,
    measures: list[AssistanceMeasure],
    visits: list[VisitLog],
    pairings: list[HouseholdPairing],
) -> bytes:
    """The ledgers of one household; the caller has checked that the user may see it."""
    doc = Document()
    _set_default_font(doc)
    head = household.head
    village = household.village
    _heading(doc, f"户户3本账 · {village.name} · {head.name if head else household.household_no}",
             16)
    _para(doc, f"户编号：{household.household_no}　户主：{head.name if head else '—'}"
               f"　家庭人口：{household.size}　脱贫状态：{household.get_status_display() or '—'}")
    _para(doc, "帮扶责任人：" + ("；".join(
        f"{display_name(p.cadre)}（{p.start.isoformat()} 起"
        + (f"，{p.end.isoformat()} 解除" if p.end else "") + "）" for p in pairings) or "—"))

    _heading(doc, "一、脱贫计划", 13)
    if plan is None:
        _para(doc, "尚未制定脱贫计划。")
    else:
        _para(doc, f"计划脱贫年度：{plan.target_year}　人均纯收入目标："
                   f"{plan.income_target if plan.income_target is not None else '—'} 元")
        _para(doc, f"脱贫目标：{plan.targets or '—'}")

    _heading(doc, "二、帮扶措施", 13)
    _table(doc, ["类别", "措施内容", "金额(元)", "开始日期", "结束日期", "关联项目"], [
        [m.get_kind_display(), m.description, m.amount, m.start_date.isoformat(),
         m.end_date.isoformat() if m.end_date else "", m.project.name if m.project else ""]
        for m in measures
    ])

    _heading(doc, "三、工作台账", 13)
    _table(doc, ["走访日期", "走访人", "工作内容"], [
        [v.date.isoformat(), v.visitor_name, v.content] for v in visits
    ])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
