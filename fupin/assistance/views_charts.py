"""村村5张图: a village's five charts as one page that also prints as an A4 landscape sheet."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _t

from fupin.assistance import selectors as sel
from fupin.regions.models import Level, Region
from fupin.registry.models import EventKind
from fupin.registry.selectors import ancestors_for, region_dashboard


def _year(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


def village_charts_data(user: Any, village: Region, year: int | None = None) -> dict[str, Any]:
    """The five charts' data for a village as the user sees it (the page and the API share it)."""
    # The registry's own (scoped, cached) dashboard gives the summary, causes and events.
    dashboard = region_dashboard(user, village)
    events = dashboard["events"]
    exits: list[int] = next(
        (s["counts"] for s in events["series"] if s["kind"] == EventKind.EXITED), []
    )
    exits_by_year = dict(zip(events["years"], exits, strict=False))
    year = year or sel.village_as_of_year(user, village)
    targets = sel.village_household_targets(user, village, year)
    return {
        "village": village.code,
        "year": year,
        "summary": dashboard["summary"],
        "distribution": sel.village_distribution(user, village),
        "causes": dashboard["causes"],
        "events": events,
        "exit_targets": sel.village_exit_targets(user, village, exits_by_year),
        "household_targets": targets,
    }


@login_required
def village_charts(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    village = get_object_or_404(sel.regions_for(user), code=code, level=Level.VILLAGE)
    data = village_charts_data(user, village, _year(request, 0) or None)
    year, targets = data["year"], data["household_targets"]
    charts = {k: data[k] for k in ("distribution", "causes", "events", "exit_targets")}
    charts["household_targets"] = {k: targets[k] for k in ("year", "target_years", "series")}
    charts["text"] = _chart_text(year)
    return render(
        request,
        "assistance/village_charts.html",
        {
            "village": village,
            "ancestors": ancestors_for(user, village),
            "summary": data["summary"],
            "year": year,
            "targets": targets,
            "exit_targets": data["exit_targets"],
            "states": sel.TARGET_STATES,
            "charts": charts,
        },
    )


def _chart_text(year: int) -> dict[str, Any]:
    return {
        "distribution": _t("① 贫困人口分布图（按脱贫状态和贫困户属性，户）"),
        "causes": _t("② 致贫原因（建档立卡户，户）"),
        "events": _t("③ 贫困人口进出动态图（按年度，户）"),
        "exit_targets": _t("④ 全村脱贫目标任务图（计划与实际脱贫，户）"),
        "household_targets": _t("⑤ 贫困户脱贫目标任务（按计划脱贫年度，截至 %(year)s 年）")
        % {"year": year},
        "planned": _t("计划脱贫户数"),
        "actual": _t("实际脱贫户数"),
        "village_exit": _t("贫困村计划退出"),
        "year": _t("年度"),
        "target_year": _t("计划脱贫年度"),
        "households": _t("户数"),
        "no_data": _t("暂无数据"),
    }
