"""The assessment report: an HTML page with charts, and XLSX sample and problem lists.

Everything is read back from what the campaign recorded (draws, problems and their steps, the
county results and decisions), so the report shows exactly what was decided. The HTML file is
self-contained: Apache ECharts (installed from the npm registry by `make assets`) is inlined, so
it opens offline and from a USB stick.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from fupin.assessments.models import (
    AssessedFigure,
    Campaign,
    CountyDecision,
    CountyResult,
    DrawItem,
    Problem,
)
from fupin.files.sheets import Sheet, display_width, write_xlsx
from fupin.regions.models import Region

ECHARTS = Path(settings.BASE_DIR) / "fupin" / "static" / "vendor" / "echarts.min.js"
CHART_JS = Path(settings.BASE_DIR) / "fupin" / "static" / "fupin" / "figures-chart.js"
FIGURE_ORDER = [f.value for f in AssessedFigure]


class ReportError(RuntimeError):
    pass


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    samples_xlsx: Path
    problems_xlsx: Path


def county_rows(
    campaign: Campaign, truth: dict[str, dict[str, float]] | None = None
) -> list[dict[str, Any]]:
    """One row per assessed county (ordered by code: never by result), with its four figures."""
    results = CountyResult.objects.filter(campaign=campaign, current=True).select_related("county")
    decisions = {d.county_id: d for d in CountyDecision.objects.filter(campaign=campaign)}
    by_county: dict[int, dict[str, Any]] = {}
    for r in results:
        row = by_county.setdefault(
            r.county_id, {"county": r.county, "figures": {}, "decision": decisions.get(r.county_id)}
        )
        row["figures"][r.figure] = {
            "label": r.get_figure_display(),
            "estimate": r.estimate,
            "se": r.se,
            "ci": [r.ci_low, r.ci_high],
            "threshold": r.threshold,
            "comparison": r.comparison,
            "verdict": r.verdict,
            "verdict_label": r.get_verdict_display(),
            "clarity": r.clarity,
            "straddles": r.clarity != "clear",  # across the threshold, or too thin a sample
            "sparse": r.clarity == "sparse",
            # The truth (simulations only) is keyed by the 6-digit county code.
            "truth": (truth or {}).get(r.county.code[:6], {}).get(r.figure),
        }
    rows = sorted(by_county.values(), key=lambda row: row["county"].code)
    for row in rows:
        row["ordered"] = [
            row["figures"][f] | {"name": f} for f in FIGURE_ORDER if f in row["figures"]
        ]
    return rows


def chart_data(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure: counties, intervals, estimates, the threshold (and the truth when simulated)."""
    out: dict[str, Any] = {}
    for f in FIGURE_ORDER:
        series = [r for r in rows if f in r["figures"]]
        if not series:
            continue
        out[f] = {
            "label": str(AssessedFigure(f).label),
            "counties": [r["county"].name for r in series],
            "estimate": [r["figures"][f]["estimate"] for r in series],
            "low": [r["figures"][f]["ci"][0] for r in series],
            "high": [r["figures"][f]["ci"][1] for r in series],
            "truth": [r["figures"][f]["truth"] for r in series],
            "thresholds": [r["figures"][f]["threshold"] for r in series],
        }
    return out


def report_html(campaign: Campaign, *, truth: dict[str, dict[str, float]] | None = None) -> str:
    if not ECHARTS.exists():
        raise ReportError(f"缺少 {ECHARTS}：请先运行 make assets（从 npm 安装 Apache ECharts）")
    rows = county_rows(campaign, truth)
    straddling = [(r["county"], f) for r in rows for f in r["ordered"] if f["straddles"]]
    return render_to_string(
        "assessments/report.html",
        {
            "campaign": campaign,
            "rows": rows,
            "straddling": straddling,
            "charts_json": json.dumps(chart_data(rows), ensure_ascii=False),
            "chart_names": [f for f in FIGURE_ORDER if rows and f in rows[0]["figures"]],
            "echarts_js": ECHARTS.read_text(encoding="utf-8"),
            "chart_js": CHART_JS.read_text(encoding="utf-8"),
            "has_truth": truth is not None,
            "generated_at": timezone.now(),
            "problem_count": Problem.objects.filter(campaign=campaign).count(),
        },
    )


def _sheet(title: str, header: list[str], rows: list[list[Any]]) -> Sheet:
    return Sheet(title, header, rows, [max(10, display_width(h) + 2) for h in header])


def samples_workbook(campaign: Campaign, path: Path | IO[bytes]) -> None:
    """抽样名单: every recorded draw item in force, with its stratum and inclusion probability."""
    items = (
        DrawItem.objects.filter(draw__campaign=campaign, draw__superseded_by__isnull=True)
        .select_related("draw", "draw__county")
        .order_by("draw__county__code", "draw__level", "order")
    )
    names = dict(
        Region.objects.filter(code__in=items.values("unit_key")).values_list("code", "name")
    )
    write_xlsx(
        path,
        [
            _sheet(
                "抽样名单",
                [
                    "县代码",
                    "县",
                    "层级",
                    "单位",
                    "名称",
                    "层",
                    "入样概率",
                    "必选",
                    "抽样方法",
                    "随机种子",
                    "抽样记录号",
                ],
                [
                    [
                        i.draw.county.code if i.draw.county else "",
                        i.draw.county.name if i.draw.county else "",
                        i.draw.get_level_display(),
                        i.unit_key,
                        names.get(i.unit_key, ""),
                        i.stratum,
                        i.inclusion_probability,
                        "是" if i.certainty else "否",
                        i.draw.method,
                        i.draw.seed,
                        i.draw.pk,
                    ]
                    for i in items
                ],
            )
        ],
    )


def problems_workbook(campaign: Campaign, path: Path | IO[bytes]) -> None:
    """问题清单: every problem raised, its status, and each verification step with its opinion."""
    problems = (
        Problem.objects.filter(campaign=campaign)
        .select_related("county", "household")
        .prefetch_related("steps")
        .order_by("county__code", "id")
    )
    rows: list[list[Any]] = []
    steps: list[list[Any]] = []
    for p in problems:
        last = None
        for s in p.steps.all():
            last = s
            steps.append(
                [
                    p.pk,
                    p.county.name,
                    p.household.household_no if p.household else "",
                    s.get_step_display(),
                    s.get_action_display(),
                    s.role,
                    timezone.localtime(s.at).strftime("%Y-%m-%d %H:%M"),
                    s.opinion,
                ]
            )
        rows.append(
            [
                p.pk,
                p.county.code,
                p.county.name,
                p.household.household_no if p.household else "",
                p.get_kind_display(),
                p.description,
                p.get_status_display(),
                "是" if p.disputed else "否",
                last.opinion if last else "",
            ]
        )
    write_xlsx(
        path,
        [
            _sheet(
                "问题清单",
                [
                    "编号",
                    "县代码",
                    "县",
                    "户编号",
                    "问题类型",
                    "问题描述",
                    "状态",
                    "存在争议",
                    "最后意见",
                ],
                rows,
            ),
            _sheet(
                "核实过程",
                ["问题编号", "县", "户编号", "环节", "操作", "角色", "时间", "意见"],
                steps,
            ),
        ],
    )


def report_write(
    *, campaign: Campaign, directory: Path, truth: dict[str, dict[str, float]] | None = None
) -> ReportFiles:
    """Write the three report files into `directory` and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(
        html=directory / f"评估报告-{campaign.pk}.html",
        samples_xlsx=directory / f"抽样名单-{campaign.pk}.xlsx",
        problems_xlsx=directory / f"问题清单-{campaign.pk}.xlsx",
    )
    files.html.write_text(report_html(campaign, truth=truth), encoding="utf-8")
    samples_workbook(campaign, files.samples_xlsx)
    problems_workbook(campaign, files.problems_xlsx)
    return files
