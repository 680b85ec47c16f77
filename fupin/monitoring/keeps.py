"""四个不摘 through the transition period (seed 004: 摘帽不摘责任、不摘政策、不摘帮扶、不摘监管).

For an exited county, each of the four is held, lapsed or cannot be judged, from the records:
responsibility from the county's named posts (县委书记, 县长, 县扶贫办主任) held at each year's end;
policies from the assistance measures in force for exited households; assistance from household
and village pairings and work teams kept; supervision from monitoring reports, objects and steps
in each year. Each names its rule, numbers and records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from fupin.accounts.models import Post, PostKind
from fupin.assistance.models import AssistanceMeasure, HouseholdPairing, VillagePairing
from fupin.monitoring.models import MonitoringObject, MonitoringReport, MonitoringStep
from fupin.monitoring.slackening import (
    CLEAR,
    NO_DATA,
    RAISED,
    CountyRecords,
    Finding,
    capped,
)
from fupin.policy import DEFAULT_MONITORING
from fupin.regions.models import Region
from fupin.registry.models import Status

COUNTY_POSTS = (PostKind.COUNTY_SECRETARY, PostKind.COUNTY_HEAD, PostKind.COUNTY_OFFICE_HEAD)
POLICY_SHARE = 0.5

KEEP_RULES = {
    "keep_responsibility": (
        "过渡期内各年末，县委书记、县长、县扶贫办主任的职务均有人在任（有任职记录的职务）。"
    ),
    "keep_policies": (
        f"过渡期内各年末，有在实施帮扶措施的脱贫户数不少于摘帽当年末的 {POLICY_SHARE:.0%}。"
    ),
    "keep_assistance": (
        "摘帽当年末在帮的帮扶责任人结对、单位结对帮扶村和驻村工作队，在过渡期结束前解除的，"
        "都有接续（该户或该村另有结对、工作队）；已清退的户不计。"
    ),
    "keep_supervision": (
        f"过渡期内（自 {DEFAULT_MONITORING.first_year} 年防返贫监测建立起）每年都有监测上报、"
        "监测对象或监测程序记录。"
    ),
}


def four_keeps(
    records: CountyRecords,
    county: Region,
    exit_year: int,
    transition: int,
    after: list[int],
    teams: Finding,
    today: dt.date,
) -> list[Finding]:
    years = [y for y in after if y <= exit_year + transition]
    return [
        _responsibility(county, exit_year, years),
        _policies(records, exit_year, years),
        _assistance(records, county, exit_year, transition, teams, today),
        _supervision(records, years),
    ]


def _keep(code: str, label: str, state: str, text: str, **kw: Any) -> Finding:
    return Finding(code, label, state, text, KEEP_RULES[code], group="keep", **kw)


def _responsibility(county: Region, exit_year: int, years: list[int]) -> Finding:
    code, label = "keep_responsibility", "摘帽不摘责任"
    posts = list(
        Post.objects.filter(region=county, kind__in=COUNTY_POSTS)
        .select_related("holder")
        .order_by("kind", "start_date")
    )
    if not posts:
        return _keep(
            code,
            label,
            NO_DATA,
            f"没有{county.name}县级职务（县委书记、县长、县扶贫办主任）的任职记录，无法判断",
        )
    lines = [
        f"{PostKind(p.kind).label}：{p.holder.first_name or p.holder.get_username()} "
        f"{p.start_date.isoformat()}–{p.end_date.isoformat() if p.end_date else '至今'}"
        for p in posts
    ]
    vacant = []
    for y in years:
        day = dt.date(y, 12, 31)
        for kind in COUNTY_POSTS:
            terms = [p for p in posts if p.kind == kind]
            if not terms or min(p.start_date for p in terms) > day:
                continue
            if not any(
                p.start_date <= day and (p.end_date is None or day < p.end_date) for p in terms
            ):
                vacant.append(f"{y} 年末{PostKind(kind).label}空缺")
    if vacant:
        return _keep(code, label, RAISED, "；".join(vacant), records=capped(lines))
    checked = f"{years[0]}–{years[-1]}" if years else str(exit_year)
    return _keep(
        code,
        label,
        CLEAR,
        f"{checked} 年各年末有任职记录的县级职务均有人在任",
        records=capped(lines),
    )


def _policies(records: CountyRecords, exit_year: int, years: list[int]) -> Finding:
    code, label = "keep_policies", "摘帽不摘政策"
    measures = list(
        AssistanceMeasure.objects.filter(household_id__in=records.ids).values_list(
            "household_id", "start_date", "end_date"
        )
    )
    if not measures:
        return _keep(code, label, NO_DATA, "本县没有帮扶措施（户户3本账）记录，无法判断")

    def covered(y: int) -> int:
        day = dt.date(y, 12, 31)
        return len(
            {
                h
                for h, s, e in measures
                if s <= day and (e is None or day < e) and records.status_at(h, y) == Status.EXITED
            }
        )

    base = covered(exit_year)
    rows = [{"year": y, "exited_households_with_measures": covered(y)} for y in [exit_year, *years]]
    lines = [
        f"{r['year']} 年末有在实施帮扶措施的脱贫户 {r['exited_households_with_measures']} 户"
        for r in rows
    ]
    if base == 0:
        return _keep(
            code,
            label,
            NO_DATA,
            f"{exit_year} 年末没有脱贫户有在实施的帮扶措施记录，无从比较",
            numbers={"by_year": rows},
            records=lines,
        )
    low = [r for r in rows[1:] if r["exited_households_with_measures"] < POLICY_SHARE * base]
    if low:
        text = "；".join(f"{r['year']} 年末 {r['exited_households_with_measures']} 户" for r in low)
        return _keep(
            code,
            label,
            RAISED,
            f"摘帽当年末 {base} 户，其后减少过半：{text}",
            numbers={"by_year": rows},
            records=lines,
        )
    return _keep(
        code,
        label,
        CLEAR,
        f"摘帽当年末 {base} 户，过渡期内未见减少过半",
        numbers={"by_year": rows},
        records=lines,
    )


def _assistance(
    records: CountyRecords,
    county: Region,
    exit_year: int,
    transition: int,
    teams: Finding,
    today: dt.date,
) -> Finding:
    code, label = "keep_assistance", "摘帽不摘帮扶"
    at_exit = dt.date(exit_year, 12, 31)
    horizon = min(dt.date(exit_year + transition + 1, 1, 1), today + dt.timedelta(days=1))
    pairings = list(
        HouseholdPairing.objects.filter(household_id__in=records.ids).values_list(
            "pk", "household_id", "start", "end"
        )
    )
    villages = list(
        VillagePairing.objects.filter(village__code__startswith=county.prefix).select_related(
            "village", "unit"
        )
    )
    if not pairings and not villages and teams.state == NO_DATA:
        return _keep(
            code, label, NO_DATA, "本县没有帮扶责任人结对、单位结对帮扶村或驻村工作队记录，无法判断"
        )

    def active(s: dt.date, e: dt.date | None, day: dt.date) -> bool:
        return s <= day and (e is None or day < e)

    by_household: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for _pk, h, s, e in pairings:
        by_household[h].append((s, e))
    ended: list[str] = []
    kept_households = 0
    for h, periods in by_household.items():
        if records.status_at(h, exit_year) != Status.EXITED:
            continue
        if not any(active(s, e, at_exit) for s, e in periods):
            continue
        kept_households += 1
        for s, e in periods:
            if not active(s, e, at_exit) or e is None or e >= horizon:
                continue
            if records.status_at(h, e.year) == Status.REMOVED:
                continue
            if not any(active(s2, e2, e) for s2, e2 in periods if (s2, e2) != (s, e)):
                ended.append(f"{records.number[h]} 户帮扶责任人结对于 {e.isoformat()} 解除，无接续")
    village_kept = [v for v in villages if v.is_active(at_exit)]
    for v in village_kept:
        if v.end is None or v.end >= horizon:
            continue
        if not any(
            o.pk != v.pk and o.village_id == v.village_id and o.is_active(v.end) for o in villages
        ):
            ended.append(
                f"{v.unit.name}结对帮扶{v.village.name}于 {v.end.isoformat()} 解除，无接续"
            )
    if not kept_households and not village_kept and teams.state == NO_DATA:
        return _keep(
            code,
            label,
            NO_DATA,
            f"没有{exit_year} 年末在帮的脱贫户结对、单位结对帮扶村或驻村工作队记录，无法判断",
        )
    withdrawn = teams.records if teams.state == RAISED else []
    numbers = {
        "exited_households_paired_at_exit": kept_households,
        "village_pairings_at_exit": len(village_kept),
        "pairings_ended": len(ended),
        "teams": teams.numbers,
    }
    if ended or withdrawn:
        return _keep(
            code,
            label,
            RAISED,
            f"过渡期结束前解除而无接续：结对 {len(ended)} 项；驻村工作队或队员 {teams.numbers.get('teams_withdrawn', 0) + teams.numbers.get('members_left', 0)} 项",
            numbers=numbers,
            records=capped(ended + withdrawn),
        )
    return _keep(
        code,
        label,
        CLEAR,
        f"摘帽当年末在帮的脱贫户结对 {kept_households} 户、单位结对帮扶村 {len(village_kept)} 个，"
        "过渡期内没有解除而无接续的结对或工作队",
        numbers=numbers,
    )


def _supervision(records: CountyRecords, years: list[int]) -> Finding:
    code, label = "keep_supervision", "摘帽不摘监管"
    reports: dict[int, int] = defaultdict(int)
    for y in MonitoringReport.objects.filter(household_id__in=records.ids).values_list(
        "year", flat=True
    ):
        reports[y] += 1
    objects: dict[int, int] = defaultdict(int)
    for y in MonitoringObject.objects.filter(household_id__in=records.ids).values_list(
        "year", flat=True
    ):
        objects[y] += 1
    steps: dict[int, int] = defaultdict(int)
    for d in MonitoringStep.objects.filter(object__household_id__in=records.ids).values_list(
        "date", flat=True
    ):
        steps[d.year] += 1
    if not reports and not objects and not steps:
        return _keep(
            code, label, NO_DATA, "本县没有防返贫监测上报、监测对象或监测程序记录，无法判断"
        )
    first = min([*reports, *objects, *steps])
    judged = [y for y in years if y >= max(first, DEFAULT_MONITORING.first_year)]
    rows = [
        {
            "year": y,
            "reports": reports.get(y, 0),
            "objects": objects.get(y, 0),
            "steps": steps.get(y, 0),
        }
        for y in judged
    ]
    lines = [
        f"{r['year']} 年：监测上报 {r['reports']} 条，监测对象 {r['objects']} 户，监测程序 {r['steps']} 步"
        for r in rows
    ]
    if not judged:
        return _keep(
            code,
            label,
            NO_DATA,
            f"监测记录从 {first} 年开始，过渡期内尚无可判断的年度",
            records=lines,
        )
    silent = [r["year"] for r in rows if not (r["reports"] or r["objects"] or r["steps"])]
    if silent:
        return _keep(
            code,
            label,
            RAISED,
            f"{'、'.join(map(str, silent))} 年没有任何监测记录",
            numbers={"by_year": rows},
            records=lines,
        )
    return _keep(
        code, label, CLEAR, "过渡期内每年都有监测记录", numbers={"by_year": rows}, records=lines
    )
