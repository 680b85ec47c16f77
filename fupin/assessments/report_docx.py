"""The assessment report as a Word document (A4): what offices file, next to the HTML report.

Read back from what the campaign recorded, like the HTML report: the four figures of each county
with their 95% intervals and thresholds (the rows in force) and, where the campaign asks cadres
and deputies, their satisfaction per category beside the households' recognition (as the 综合研判
weighs it), the county results (pass or fail, never a score or a rank: counties in code order),
the reasons recorded with them, and a summary of the problems raised and confirmed at 终核. No names or ID numbers: households appear by their
household number only. Chinese runs name an East Asian font (`fupin.files.word`).
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from django.utils import timezone
from docx import Document
from docx.shared import Mm

from fupin.assessments.models import (
    AssessedFigure,
    Campaign,
    CountyDecision,
    DrawItem,
    DrawLevel,
    Problem,
    Submission,
)
from fupin.assessments.report import county_rows
from fupin.assessments.services import problems_confirmed
from fupin.assessments.services.judgement_read import county_cadre_shares
from fupin.assessments.workflows import PROBLEM_CLOSED, ProblemKind
from fupin.files import word as dx
from fupin.regions.models import Region
from fupin.regions.templatetags.fupin_numbers import percent_text

A4 = (Mm(210), Mm(297))
MARGIN = Mm(25)
TABLE_SIZE = 9
CLARITY_TEXT = {
    "clear": "区间在阈值一侧",
    "straddles": "区间跨越阈值，交综合研判",
    "sparse": "样本不足以给出可靠区间，交综合研判",
}


def _a4(doc: Any) -> None:
    for section in doc.sections:
        section.page_width, section.page_height = A4
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, MARGIN)


def _threshold(f: dict[str, Any]) -> str:
    sign = "≥" if f["comparison"] == "at_least" else "<"
    return f"{sign} {percent_text(f['threshold'])}"


def _cadre_shares(doc: Any, campaign: Campaign, county: Region) -> None:
    """The county's 干部群众满意度 per category, as the 综合研判 page shows it beside recognition."""
    shares = county_cadre_shares(campaign, county)
    if not shares:
        return
    dx.para(doc, "县乡村干部、人大代表和县政协委员满意度（与群众认可度并看）：")
    dx.table(
        doc,
        ["受访者类别", "答卷数", "满意和基本满意", "不满意", "满意度"],
        [
            [
                s.label,
                s.responses,
                s.satisfied,
                s.not_satisfied,
                percent_text(s.share) if s.share is not None else "无答卷",
            ]
            for s in shares
        ],
        size=TABLE_SIZE,
    )


def report_docx(campaign: Campaign) -> bytes:
    """The campaign's report as a DOCX file's bytes."""
    doc = Document()
    _a4(doc)
    dx.set_default_font(doc)
    rows = county_rows(campaign)
    decisions = {
        d.county_id: d
        for d in CountyDecision.objects.filter(campaign=campaign).select_related("county")
    }
    dx.heading(doc, f"{campaign.name}评估报告", 16)
    dx.para(
        doc,
        f"任务类型：{campaign.get_kind_display()}；年度：{campaign.year}；"
        f"任务状态：{campaign.get_status_display()}。"
        f"生成日期：{timezone.localdate().isoformat()}。",
    )

    dx.heading(doc, "一、评估概况")
    sampled = DrawItem.objects.filter(
        draw__campaign=campaign,
        draw__level=DrawLevel.HOUSEHOLD,
        draw__superseded_by__isnull=True,
    )
    surveyed = (
        Submission.objects.filter(campaign=campaign).values("household_id").distinct().count()
    )
    problems = Problem.objects.filter(campaign=campaign)
    confirmed = problems_confirmed(campaign)
    dx.para(
        doc,
        f"评估县 {len(rows) or len(decisions)} 个；抽中农户 {sampled.count()} 户，"
        f"已收问卷 {surveyed} 户；提出疑点问题 {problems.count()} 个，"
        f"终核认定 {confirmed.count()} 个。",
    )
    dx.para(
        doc,
        "三率一度为抽样估计，附 95% 置信区间；只计入终核认定的问题；逐项对照阈值判定达标与否，"
        "不打分、不排队。置信区间跨越阈值或样本不足以给出可靠区间的指标，交综合研判。",
    )

    dx.heading(doc, "二、各县三率一度")
    if not rows:
        dx.para(doc, "尚未计算结果。")
    for row in rows:
        county = row["county"]
        dx.heading(doc, f"{county.name}（{county.code[:6]}）", 12)
        dx.table(
            doc,
            ["指标", "估计值", "95% 置信区间", "阈值", "判定", "区间与阈值"],
            [
                [
                    f["label"],
                    percent_text(f["estimate"]),
                    f"[{percent_text(f['ci'][0])}, {percent_text(f['ci'][1])}]",
                    _threshold(f),
                    f["verdict_label"],
                    CLARITY_TEXT.get(f["clarity"], ""),
                ]
                for f in row["ordered"]
            ],
            size=TABLE_SIZE,
        )
        _cadre_shares(doc, campaign, county)

    dx.heading(doc, "三、县级结果")
    if not decisions:
        dx.para(doc, "尚未作出县级结果。")
    else:
        labels = dict(AssessedFigure.choices)
        dx.table(
            doc,
            ["县", "结果", "交综合研判的指标", "理由", "决定人", "决定时间"],
            [
                [
                    d.county.name,
                    d.get_outcome_display(),
                    "、".join(str(labels.get(f, f)) for f in d.straddling_figures) or "无",
                    d.note,
                    d.actor,
                    timezone.localtime(d.decided_at).strftime("%Y-%m-%d %H:%M"),
                ]
                for d in sorted(decisions.values(), key=lambda d: d.county.code)
            ],
            size=TABLE_SIZE,
        )

    dx.heading(doc, "四、问题汇总")
    kinds = dict(ProblemKind.choices)
    counts: dict[str, Counter[str]] = {}
    names: dict[str, str] = {}
    for code, name, status in problems.values_list("county__code", "county__name", "status"):
        names[code] = name
        c = counts.setdefault(code, Counter())
        c["raised"] += 1
        c["closed"] += status in PROBLEM_CLOSED
    for code, kind in confirmed.values_list("county__code", "kind"):
        counts.setdefault(code, Counter())[kind] += 1
    if not counts:
        dx.para(doc, "没有提出疑点问题。")
    else:
        dx.table(
            doc,
            ["县", "提出疑点", "已办结", *[f"认定：{kinds[k]}" for k in ProblemKind.values]],
            [
                [
                    names.get(code, code),
                    c["raised"],
                    c["closed"],
                    *[c[k] for k in ProblemKind.values],
                ]
                for code, c in sorted(counts.items())
            ],
            size=TABLE_SIZE,
        )
    listed = list(
        confirmed.select_related("county", "household").values_list(
            "pk", "county__name", "household__household_no", "kind", "description"
        )
    )
    if listed:
        dx.heading(doc, "终核认定的问题", 12)
        dx.table(
            doc,
            ["编号", "县", "户编号", "问题类型", "问题描述"],
            [
                [pk, county, no or "—", kinds.get(kind, kind), description]
                for pk, county, no, kind, description in listed
            ],
            size=TABLE_SIZE,
        )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
