"""A pair's year of East-West cooperation as a Word report: targets against the confirmed ledger per
indicator, completion, grades with the deciding rule, disputes, year-over-year multiples,
innovations and cross-checks. Chinese runs name an East Asian font (w:eastAsia)."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from docx import Document

from fupin.cooperation.models import LedgerEntry, Pairing
from fupin.cooperation.selectors import pair_year
from fupin.cooperation.workflows import EntryStatus
from fupin.files import word as dx

# The report's tables are wide (up to ten columns): a point smaller than the ledgers'.
TABLE_SIZE = 9


def _pct(ratio: Any) -> str:
    return "—" if ratio is None else f"{float(ratio) * 100:.1f}%"


def pair_year_docx(pairing: Pairing, year: int) -> bytes:
    """The report of one pairing's year (its own ledger and the pairings below it)."""
    doc = Document()
    dx.set_default_font(doc)
    dx.heading(doc, f"{pairing.east.name}—{pairing.west.name} {year} 年东西部扶贫协作情况报告", 16)
    dx.para(
        doc,
        f"结对层级：{pairing.get_level_display()}；结对起始：{pairing.start_year} 年。"
        f"生成日期：{timezone.localdate().isoformat()}。",
    )
    data = pair_year(pairing, year)
    agreement = data["agreement"]

    dx.heading(doc, "一、协议目标与台账对账")
    if agreement is None:
        dx.para(doc, f"{year} 年尚无已签订的协作协议。")
    else:
        dx.para(
            doc,
            f"协议签订：{agreement.signed_on.isoformat()}，{agreement.signed_by}。"
            "完成值只计对方已确认或异议已解决的台账。",
        )
        for side in data["sides"]:
            if not side["lines"]:
                continue
            dx.heading(doc, f"{side['label']}考核指标", 12)
            dx.table(
                doc,
                [
                    "指标",
                    "名称",
                    "单位",
                    "目标",
                    "完成值",
                    "完成率",
                    "完成情况",
                    "差额",
                    "待确认",
                    "有异议",
                ],
                [
                    [
                        ln.code,
                        ln.name,
                        ln.unit,
                        ln.target,
                        "—" if ln.value is None else ln.value,
                        _pct(ln.ratio),
                        ln.completion_label,
                        ln.shortfall,
                        ln.pending_entries,
                        ln.disputed_entries,
                    ]
                    for ln in side["lines"]
                ],
                size=TABLE_SIZE,
            )

    dx.heading(doc, "二、考核等次")
    if agreement is None:
        dx.para(doc, "无协议，不评定等次。")
    else:
        rows = []
        for side in data["sides"]:
            g, rule = side["grade"], side["rule"]
            if g is None:
                continue
            why = (
                (f"{rule}" + (f"（{rule.note}）" if rule.note else ""))
                if rule
                else "无规则满足，评为差"
            )
            rows.append(
                [
                    side["label"],
                    g.grade_label,
                    g.score,
                    g.done,
                    g.partly,
                    g.not_done,
                    g.open_disputes,
                    why,
                ]
            )
        dx.table(
            doc,
            ["考核对象", "等次", "得分", "完成", "部分完成", "未完成", "未解决异议", "依据规则"],
            rows,
            size=TABLE_SIZE,
        )

    dx.heading(doc, "三、台账审核与异议")
    dx.para(doc, "；".join(f"{label} {n} 条" for label, n, _ in data["counts"]) + "。")
    ledger = LedgerEntry.objects.filter(pairing_id__in=pairing.descendant_ids(), year=year)
    disputed = (
        ledger.filter(status=EntryStatus.DISPUTED)
        .select_related("indicator")
        .order_by("date", "id")
    )
    if disputed:
        dx.table(
            doc,
            ["日期", "指标", "事项", "数额", "录入方", "异议意见"],
            [
                [
                    e.date.isoformat(),
                    e.indicator.code,
                    e.title,
                    e.amount,
                    e.get_entered_by_display(),
                    next(
                        (
                            r.opinion
                            for r in e.reviews.order_by("-at", "-id")
                            if r.action == "dispute"
                        ),
                        "",
                    ),
                ]
                for e in disputed
            ],
            size=TABLE_SIZE,
        )
    else:
        dx.para(doc, "无未解决的异议。")

    dx.heading(doc, "四、同比倍数")
    multiples = data["multiples"]
    if multiples:
        dx.table(
            doc,
            ["指标", "名称", "单位", f"{year - 1} 年", f"{year} 年", "倍数"],
            [
                [
                    m.code,
                    m.name,
                    m.unit,
                    m.last,
                    m.this,
                    "—（上年为零）" if m.multiple is None else f"{m.multiple} 倍",
                ]
                for m in multiples
            ],
            size=TABLE_SIZE,
        )
    else:
        dx.para(doc, "无可比数据。")

    dx.heading(doc, "五、创新工作")
    items = data["innovations"]
    if items:
        dx.table(
            doc,
            ["类型", "填报方", "事项", "金额（万元）", "受益贫困人口"],
            [
                [
                    i.get_kind_display(),
                    i.get_side_display(),
                    i.title,
                    "" if i.amount is None else i.amount,
                    i.beneficiaries,
                ]
                for i in items
            ],
            size=TABLE_SIZE,
        )
    else:
        dx.para(doc, "未填报创新工作。")

    dx.heading(doc, "六、交叉核对")
    checks = data["checks"]
    if checks:
        for c in checks:
            dx.para(doc, ("✓ " if c.ok else "✗ ") + c.message)
    else:
        dx.para(doc, "无可核对的数据。")

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
