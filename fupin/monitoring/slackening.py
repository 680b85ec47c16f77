"""Signs of slackening after a county's exit (DOMAIN.md §8), computed from what is recorded.

Remaining poor against the households' exit plans, the year's plan targets missed, exited
households' incomes falling, employment and skills trainings stopping, and work teams withdrawn.
Each signal says whether it is raised, clear, or cannot be judged for want of data (never guessed),
with a Chinese explanation and the numbers behind it. One query per source; the status history is
replayed once per household.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils import timezone

from fupin.assistance.models import AssistanceMeasure, ExitPlan, MeasureKind, WorkTeam
from fupin.monitoring.models import MonitoringReport
from fupin.regions.models import Region
from fupin.registry.models import EventKind, Household, Status, StatusEvent

RAISED, CLEAR, NO_DATA = "raised", "clear", "no_data"
STATE_LABELS = {RAISED: "出现信号", CLEAR: "未见信号", NO_DATA: "数据不足，无法判断"}
POOR_LIKE = (Status.POOR.value, Status.RETURNED.value)
AFTER_EVENT = {
    EventKind.IDENTIFIED.value: Status.POOR.value,
    EventKind.EXITED.value: Status.EXITED.value,
    EventKind.RETURNED.value: Status.RETURNED.value,
    EventKind.REMOVED.value: Status.REMOVED.value,
}
TRAINING_WORDS = ("培训", "技能")


@dataclass
class Signal:
    code: str
    label: str
    state: str
    explanation: str
    numbers: dict[str, Any] = field(default_factory=dict)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class SignalsResult:
    county: Region
    exit_year: int | None
    until: int
    years: list[int]
    remaining: list[int]
    planned_remaining: list[int | None]
    signals: list[Signal]
    note: str = ""


def _status_at(history: list[tuple[int, str]], year: int) -> str:
    status = ""
    for y, s in history:
        if y > year:
            break
        status = s
    return status


def slackening_signals(*, county: Region, until: int | None = None) -> SignalsResult:
    """The slackening signals of an exited poor county, from its exit year to `until` (default:
    the latest year with a recorded event or report, at most this year)."""
    households = Household.objects.filter(village__code__startswith=county.prefix)
    ids = households.values("pk")
    history: dict[int, list[tuple[int, str]]] = defaultdict(list)
    delta: dict[int, int] = defaultdict(int)
    identified: dict[int, int] = {}
    removed: dict[int, int] = {}
    current: dict[int, str] = {}
    for hid, kind, year in (
        StatusEvent.objects.filter(household_id__in=ids)
        .order_by("household_id", "date", "id")
        .values_list("household_id", "kind", "year")
    ):
        before = current.get(hid, "")
        after = AFTER_EVENT[kind]
        delta[year] += (after in POOR_LIKE) - (before in POOR_LIKE)
        current[hid] = after
        history[hid].append((year, after))
        if kind == EventKind.IDENTIFIED:
            identified.setdefault(hid, year)
        elif kind == EventKind.REMOVED:
            removed[hid] = year
    incomes: dict[tuple[int, int], float] = {}
    for hid, year, income in households.exclude(income_year__isnull=True).values_list(
        "pk", "income_year", "income_per_capita"
    ):
        incomes[(hid, year)] = income
    for hid, year, income in (
        MonitoringReport.objects.filter(household_id__in=ids, income_per_capita__isnull=False)
        .order_by("date", "id")
        .values_list("household_id", "year", "income_per_capita")
    ):
        incomes[(hid, year)] = income
    plans = dict(
        ExitPlan.objects.filter(household_id__in=ids).values_list("household_id", "target_year")
    )
    latest = max([*delta, *(y for _h, y in incomes), county.exit_year or 0], default=0)
    today = timezone.localdate().year
    until = min(until or latest or today, today)
    first = min(delta) if delta else (county.exit_year or until)
    years = list(range(min(first, until), until + 1))

    remaining: list[int] = []
    running = sum(d for y, d in delta.items() if y < years[0])
    for y in years:
        running += delta.get(y, 0)
        remaining.append(running)
    planned: list[int | None] = []
    if plans:
        hids = np.array(list(identified), dtype=np.int64)
        ident = np.array([identified[h] for h in hids])
        gone = np.array([removed.get(int(h), 10_000) for h in hids])
        target = np.array([plans.get(int(h), 10_000) for h in hids])
        for y in years:
            planned.append(int(((ident <= y) & (gone > y) & (target > y)).sum()))
    else:
        planned = [None] * len(years)

    exit_year = county.exit_year
    if exit_year is None or not county.is_poor_county:
        return SignalsResult(
            county,
            exit_year,
            until,
            years,
            remaining,
            planned,
            [],
            note=f"{county.name}不是已摘帽的贫困县，不计算摘帽后的松劲信号",
        )
    after = [y for y in years if y >= exit_year]
    if not after:
        return SignalsResult(
            county,
            exit_year,
            until,
            years,
            remaining,
            planned,
            [],
            note=f"{county.name}于 {exit_year} 年摘帽，尚无摘帽后的记录",
        )
    signals = [
        _slow_reduction(years, remaining, planned, after, plans, identified),
        _targets_missed(after, plans, history),
        _incomes_falling(after, incomes, history),
        _trainings(county, ids, exit_year, until),
        _work_teams(county, exit_year, until),
    ]
    return SignalsResult(county, exit_year, until, years, remaining, planned, signals)


def _slow_reduction(
    years: list[int],
    remaining: list[int],
    planned: list[int | None],
    after: list[int],
    plans: dict[int, int],
    identified: dict[int, int],
) -> Signal:
    label = "剩余贫困人口减少慢于计划"
    if not plans:
        return Signal(
            "slow_reduction",
            label,
            NO_DATA,
            "本县没有任何脱贫计划（户户3本账的第一本）记录，无法与计划比较",
        )
    by_year = {y: (a, p) for y, a, p in zip(years, remaining, planned, strict=True)}
    behind = [y for y in after if by_year[y][1] is not None and by_year[y][0] > by_year[y][1]]
    covered = sum(1 for h in identified if h in plans)
    numbers = {
        "by_year": [
            {"year": y, "remaining": by_year[y][0], "planned": by_year[y][1]} for y in after
        ],
        "households_identified": len(identified),
        "households_with_plan": covered,
    }
    note = (
        f"（{len(identified)} 户识别户中 {covered} 户有脱贫计划；没有计划的户按计划视为仍未脱贫）"
    )
    if behind:
        text = "；".join(
            f"{y} 年末实际 {by_year[y][0]} 户，计划 {by_year[y][1]} 户" for y in behind
        )
        return Signal(
            "slow_reduction", label, RAISED, f"未脱贫户多于计划剩余数：{text}{note}", numbers
        )
    return Signal(
        "slow_reduction", label, CLEAR, f"摘帽后各年末未脱贫户均不多于计划剩余数{note}", numbers
    )


def _targets_missed(
    after: list[int], plans: dict[int, int], history: dict[int, list[tuple[int, str]]]
) -> Signal:
    label = "年度减贫任务未完成"
    rows = []
    for y in after:
        due = [h for h, t in plans.items() if t == y]
        if not due:
            continue
        missed = [h for h in due if _status_at(history.get(h, []), y) in POOR_LIKE]
        rows.append({"year": y, "planned_exits": len(due), "missed": len(missed)})
    if not rows:
        return Signal(
            "targets_missed",
            label,
            NO_DATA,
            f"{after[0]}–{after[-1]} 年没有以这些年度为目标的脱贫计划，无法判断",
        )
    failed = [r for r in rows if r["missed"]]
    numbers = {"by_year": rows}
    if failed:
        text = "；".join(
            f"{r['year']} 年计划脱贫 {r['planned_exits']} 户，年末仍有 {r['missed']} 户未脱贫"
            for r in failed
        )
        return Signal("targets_missed", label, RAISED, text, numbers)
    return Signal(
        "targets_missed",
        label,
        CLEAR,
        "；".join(f"{r['year']} 年计划脱贫 {r['planned_exits']} 户，均已脱贫" for r in rows),
        numbers,
    )


def _incomes_falling(
    after: list[int],
    incomes: dict[tuple[int, int], float],
    history: dict[int, list[tuple[int, str]]],
) -> Signal:
    label = "脱贫户收入下降"
    rows = []
    for y in after:
        pairs = [
            (incomes[(h, y - 1)], incomes[(h, y)])
            for h, hist in history.items()
            if (h, y) in incomes and (h, y - 1) in incomes and _status_at(hist, y) == Status.EXITED
        ]
        if not pairs:
            continue
        prev = float(np.mean([p for p, _c in pairs]))
        cur = float(np.mean([c for _p, c in pairs]))
        rows.append(
            {
                "year": y,
                "households": len(pairs),
                "mean_previous": round(prev, 2),
                "mean_current": round(cur, 2),
                "fell": sum(1 for p, c in pairs if c < p),
            }
        )
    if not rows:
        return Signal(
            "incomes_falling",
            label,
            NO_DATA,
            "没有脱贫户连续两年的收入记录（登记数据或收入上报），无法比较",
        )
    numbers = {"by_year": rows}
    falling = [r for r in rows if r["mean_current"] < r["mean_previous"]]
    describe = "；".join(
        f"{r['year']} 年 {r['households']} 户脱贫户人均纯收入平均由 {r['mean_previous']:.0f} 元变为 "
        f"{r['mean_current']:.0f} 元，其中 {r['fell']} 户下降"
        for r in rows
    )
    return Signal("incomes_falling", label, RAISED if falling else CLEAR, describe, numbers)


def _trainings(county: Region, ids: Any, exit_year: int, until: int) -> Signal:
    label = "培训停止"
    counts: dict[int, int] = defaultdict(int)
    trainings: dict[int, int] = defaultdict(int)
    for start, description in AssistanceMeasure.objects.filter(
        household_id__in=ids, kind=MeasureKind.EMPLOYMENT
    ).values_list("start_date", "description"):
        counts[start.year] += 1
        trainings[start.year] += any(w in description for w in TRAINING_WORDS)
    basis = (
        "平台没有干部培训记录；以就业扶持措施（其中说明含“培训”“技能”的为技能培训）"
        "每年开始的数目作为培训是否持续的记录"
    )
    if not counts:
        return Signal(
            "trainings_stopped", label, NO_DATA, f"本县没有就业扶持措施记录，无法判断。{basis}"
        )
    years = list(range(min(min(counts), exit_year), until + 1))
    rows = [
        {"year": y, "employment_measures": counts.get(y, 0), "trainings": trainings.get(y, 0)}
        for y in years
    ]
    base = counts.get(exit_year, 0)
    stopped = [
        y
        for y in years
        if y > exit_year
        and (
            (counts.get(y, 0) == 0 and any(counts.get(x, 0) for x in years if x < y))
            or (base and counts.get(y, 0) < base / 2)
        )
    ]
    text = "、".join(
        f"{r['year']} 年 {r['employment_measures']} 项（培训 {r['trainings']} 项）" for r in rows
    )
    state = RAISED if stopped else CLEAR
    head = (
        f"摘帽后 {'、'.join(map(str, stopped))} 年就业扶持措施停止或不足摘帽当年的一半。"
        if stopped
        else "摘帽后就业扶持措施未见停止。"
    )
    return Signal(
        "trainings_stopped", label, state, f"{head}各年：{text}。{basis}", {"by_year": rows}
    )


def _work_teams(county: Region, exit_year: int, until: int) -> Signal:
    label = "驻村工作队撤离"
    teams = list(
        WorkTeam.objects.filter(village__code__startswith=county.prefix).values_list(
            "village_id", "start", "end"
        )
    )
    if not teams:
        return Signal("work_teams_withdrawn", label, NO_DATA, "本县没有驻村工作队记录，无法判断")
    rows = []
    for y in range(exit_year - 1, until + 1):
        day = dt.date(y, 12, 31)
        villages = {v for v, s, e in teams if s <= day and (e is None or day < e)}
        rows.append({"year": y, "villages_with_team": len(villages)})
    base = rows[0]["villages_with_team"]
    fewer = [r for r in rows[1:] if r["villages_with_team"] < base]
    text = "、".join(f"{r['year']} 年末 {r['villages_with_team']} 个村" for r in rows)
    if fewer:
        return Signal(
            "work_teams_withdrawn",
            label,
            RAISED,
            f"有驻村工作队的村少于摘帽前一年（{base} 个）：{text}",
            {"by_year": rows},
        )
    return Signal(
        "work_teams_withdrawn",
        label,
        CLEAR,
        f"有驻村工作队的村不少于摘帽前一年：{text}",
        {"by_year": rows},
    )
