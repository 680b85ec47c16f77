"""The printed 3342 sign-off sheet of an exit case (Word): each level's capacities, the posts'
holders, who signed and when, and for a stand-in the holder stood in for and the reason."""

from __future__ import annotations

import io

from django.utils import timezone
from docx import Document

from fupin.exits.assessment import FIGURE_HEADER, case_result, figure_rows
from fupin.exits.models import ExitCase
from fupin.exits.selectors import signoff_grid
from fupin.exits.signoff import signoff_evaluate, signoff_missing
from fupin.files import word as dx

HEADER = ["签字身份", "现任任职人", "签字人", "签字时间", "代签事由", "数据指纹", "状态"]


def signoff_sheet_docx(case: ExitCase) -> bytes:
    """The sheet of `case` as it stands; the caller has checked that the user may see the case."""
    states = signoff_evaluate(case)
    doc = Document()
    dx.set_default_font(doc)
    dx.heading(doc, f"贫困退出3342签字表 · {case.subject_name}", 16)
    dx.para(
        doc,
        f"退出类型：{case.get_kind_display()}　退出年度：{case.year}　"
        f"当前状态：{case.get_status_display()}",
    )
    result = case_result(case) if case.kind == "county" else None
    if result is not None:  # a county's figures, from its 专项评估检查: what the signers confirm
        dx.heading(doc, "专项评估检查", 13)
        dx.para(doc, f"{result.campaign_label}　县级结果：{result.outcome_label}")
        if result.approved:
            dx.para(doc, f"领导小组审定：{result.approval_text}")
        dx.table(doc, FIGURE_HEADER, figure_rows(result), size=9)
    for level in signoff_grid(case, states):
        dx.heading(doc, f"{level.label}签字（{level.size}方）", 13)
        rows = []
        for r in level.rows:
            s = r.current
            if s is not None:
                status = "有效"
            elif r.stale:
                status = "已失效：" + "；".join(why for _s, why in r.stale)
            else:
                status = "未签"
            rows.append(
                [
                    r.capacity.label,
                    r.holders or "—",
                    r.signer if s is not None else "",
                    timezone.localtime(s.at).strftime("%Y-%m-%d %H:%M") if s is not None else "",
                    s.stand_in_reason if s is not None else "",
                    s.fingerprint[:16] if s is not None else "",
                    status,
                ]
            )
        dx.table(doc, HEADER, rows, size=9)
    missing = signoff_missing(case, states)
    dx.para(doc, f"签字情况：{missing or '签字齐全'}")
    dx.para(doc, f"打印时间：{timezone.localtime():%Y-%m-%d %H:%M}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
