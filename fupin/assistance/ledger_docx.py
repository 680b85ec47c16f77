"""A household's three ledgers (户户3本账) as a Word document, printable, with a Chinese font."""

from __future__ import annotations

import io

from docx import Document

from fupin.assistance.models import AssistanceMeasure, ExitPlan, HouseholdPairing, VisitLog
from fupin.assistance.services import display_name
from fupin.files import word as dx
from fupin.registry.models import Household


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
    dx.set_default_font(doc)
    head = household.head
    village = household.village
    dx.heading(
        doc, f"户户3本账 · {village.name} · {head.name if head else household.household_no}", 16
    )
    dx.para(
        doc,
        f"户编号：{household.household_no}　户主：{head.name if head else '—'}"
        f"　家庭人口：{household.size}　脱贫状态：{household.get_status_display() or '—'}",
    )
    dx.para(
        doc,
        "帮扶责任人："
        + (
            "；".join(
                f"{display_name(p.cadre)}（{p.start.isoformat()} 起"
                + (f"，{p.end.isoformat()} 解除" if p.end else "")
                + "）"
                for p in pairings
            )
            or "—"
        ),
    )

    dx.heading(doc, "一、脱贫计划", 13)
    if plan is None:
        dx.para(doc, "尚未制定脱贫计划。")
    else:
        dx.para(
            doc,
            f"计划脱贫年度：{plan.target_year}　人均纯收入目标："
            f"{plan.income_target if plan.income_target is not None else '—'} 元",
        )
        dx.para(doc, f"脱贫目标：{plan.targets or '—'}")

    dx.heading(doc, "二、帮扶措施", 13)
    dx.table(
        doc,
        ["类别", "措施内容", "金额(元)", "开始日期", "结束日期", "关联项目"],
        [
            [
                m.get_kind_display(),
                m.description,
                m.amount,
                m.start_date.isoformat(),
                m.end_date.isoformat() if m.end_date else "",
                m.project.name if m.project else "",
            ]
            for m in measures
        ],
    )

    dx.heading(doc, "三、工作台账", 13)
    dx.table(
        doc,
        ["走访日期", "走访人", "工作内容"],
        [[v.date.isoformat(), v.visitor_name, v.content] for v in visits],
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
