"""The evidence of the help appraisal (一年一考核、三年结硬帐, seed 002): each 双到 duty of a helping
unit (帮扶方) and of a helped village (被帮扶方) as an item, computed from the year's ledgers (work
teams, pairings, visit logs, measures, exit plans, projects and funds, the registry's status
history) with its numbers, the records behind them and a Chinese reason; and the round's outcome
for the three-year settlement. Pure reads: the services in appraisal.py store what this computes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from fupin.assistance.models import (
    AppraisalSide,
    AssistanceMeasure,
    ExitPlan,
    FundAllocation,
    HelpAppraisal,
    HelpingUnit,
    HouseholdPairing,
    ItemBasis,
    Project,
    VillagePairing,
    VisitLog,
    WorkTeam,
    WorkTeamMember,
    today,
)
from fupin.regions.models import Region
from fupin.registry.models import EventKind, Household, StatusEvent

RECORDS_SHOWN = 50  # records listed per item; the figures count them all


# --- the households of a village over a period --------------------------------------------------

_KIND_STATUS = {
    EventKind.IDENTIFIED: "poor",
    EventKind.EXITED: "exited",
    EventKind.RETURNED: "returned",
    EventKind.REMOVED: "removed",
}
_POOR = frozenset({"poor", "returned"})


@dataclass
class Timeline:
    """One household's status history (dated events), read once per village."""

    household_no: str
    events: list[tuple[dt.date, str]] = field(default_factory=list)

    def status_on(self, day: dt.date) -> str:
        """The status at the end of `day` ("" before the household was identified)."""
        status = ""
        for date, kind in self.events:
            if date > day:
                break
            status = _KIND_STATUS.get(kind, status)
        return status

    def poor_during(self, start: dt.date, end: dt.date) -> bool:
        """Poor (未脱贫 or 返贫) at some time in [start, end)."""
        if self.status_on(start - dt.timedelta(days=1)) in _POOR:
            return True
        return any(
            start <= d < end and k in (EventKind.IDENTIFIED, EventKind.RETURNED)
            for d, k in self.events
        )

    def exited_by(self, day: dt.date) -> bool:
        return self.status_on(day) == "exited"


def village_timelines(village: Region) -> dict[int, Timeline]:
    """Every registered household of the village with its dated status history; a household
    imported without events is dated from its identification and exit years."""
    rows = Household.objects.filter(village=village, registered=True).values_list(
        "pk", "household_no", "status", "identified_year", "exited_year"
    )
    out: dict[int, Timeline] = {}
    fields: dict[int, tuple[str, int | None, int | None]] = {}
    for pk, no, status, identified, exited in rows:
        out[pk] = Timeline(no)
        fields[pk] = (status, identified, exited)
    events = (
        StatusEvent.objects.filter(household__village=village, household__registered=True)
        .order_by("date", "id")
        .values_list("household_id", "date", "kind")
    )
    for pk, date, kind in events:
        if pk in out:
            out[pk].events.append((date, kind))
    for pk, line in out.items():
        if line.events:
            continue
        status, identified, exited = fields[pk]
        if status not in ("poor", "exited", "returned"):
            continue
        line.events.append((dt.date(identified or 2014, 1, 1), EventKind.IDENTIFIED))
        if status == "exited" and exited:
            line.events.append((dt.date(exited, 12, 31), EventKind.EXITED))
    return out


# --- evidence -----------------------------------------------------------------------------------


@dataclass
class Context:
    """What an appraisal's evidence is computed over: the village, the year, the part of the
    year it covers ([start, end), up to today), the unit (helper side) and the households."""

    village: Region
    year: int
    start: dt.date
    end: dt.date
    unit: HelpingUnit | None
    timelines: dict[int, Timeline]

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def period_text(self) -> str:
        return f"{self.start.isoformat()} 至 {self.last_day.isoformat()}"

    def poor_ids(self) -> list[int]:
        """Households poor at some time in the period, by household number."""
        ids = [pk for pk, t in self.timelines.items() if t.poor_during(self.start, self.end)]
        return sorted(ids, key=lambda pk: self.timelines[pk].household_no)


@dataclass
class Result:
    passed: bool | None
    reason: str
    figures: list[tuple[str, Any]] = field(default_factory=list)
    records: list[dict[str, str]] = field(default_factory=list)

    def evidence(self) -> dict[str, Any]:
        return {
            "figures": [{"label": k, "value": str(v)} for k, v in self.figures],
            "records": self.records[:RECORDS_SHOWN],
            "more": max(0, len(self.records) - RECORDS_SHOWN),
        }


def _household(ctx: Context, pk: int, note: str) -> dict[str, str]:
    return {"kind": "household", "key": ctx.timelines[pk].household_no, "note": note}


def _households_not(
    ctx: Context, ids: list[int], have: set[int], note: str
) -> list[dict[str, str]]:
    return [_household(ctx, pk, note) for pk in ids if pk not in have]


def overlapping(qs: QuerySet[Any], start: dt.date, end: dt.date) -> QuerySet[Any]:
    """Dated rows ([start, end) periods) meeting [start, end)."""
    return qs.filter(start__lt=end).filter(Q(end__isnull=True) | Q(end__gt=start))


def ev_work_team(ctx: Context) -> Result:
    """派驻驻村工作队: a team of the unit stationed in the village through the whole period."""
    teams = list(
        overlapping(
            WorkTeam.objects.filter(village=ctx.village, unit=ctx.unit), ctx.start, ctx.end
        ).order_by("start", "id")
    )
    covered: list[tuple[dt.date, dt.date]] = []
    for t in teams:
        a, b = max(t.start, ctx.start), min(t.end or ctx.end, ctx.end)
        if covered and a <= covered[-1][1]:
            covered[-1] = (covered[-1][0], max(covered[-1][1], b))
        else:
            covered.append((a, b))
    gaps: list[tuple[dt.date, dt.date]] = []
    cursor = ctx.start
    for a, b in covered:
        if a > cursor:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < ctx.end:
        gaps.append((cursor, ctx.end))
    days = (ctx.end - ctx.start).days
    stationed = sum((b - a).days for a, b in covered)
    members = overlapping(
        WorkTeamMember.objects.filter(team__in=[t.pk for t in teams]), ctx.start, ctx.end
    )
    figures = [
        ("结对期天数", days),
        ("本单位工作队驻村天数", stationed),
        ("驻村队员人数", members.count()),
    ]
    records = [
        {
            "kind": "village",
            "key": ctx.village.code,
            "note": f"工作队 {t.start.isoformat()} 起"
            + (f"，{t.end.isoformat()} 撤离" if t.end else "")
            + f"（{t.members.count()} 人）",
        }
        for t in teams
    ]
    if not teams:
        return Result(False, f"{ctx.period_text} 本单位没有向该村派驻工作队", figures, records)
    if gaps:
        text = "、".join(
            f"{a.isoformat()} 至 {(b - dt.timedelta(days=1)).isoformat()}" for a, b in gaps
        )
        return Result(
            False,
            f"结对期 {days} 天中有 {days - stationed} 天无本单位工作队驻村：{text}",
            figures,
            records,
        )
    return Result(True, f"本单位工作队驻村覆盖结对期全部 {days} 天", figures, records)


def ev_household_pairing(ctx: Context) -> Result:
    """责任到人: every poor household of the village has a responsible cadre in the period."""
    ids = ctx.poor_ids()
    pairings = overlapping(
        HouseholdPairing.objects.filter(household_id__in=ids), ctx.start, ctx.end
    )
    paired = set(pairings.values_list("household_id", flat=True))
    by_unit = set(pairings.filter(unit=ctx.unit).values_list("household_id", flat=True))
    missing = _households_not(ctx, ids, paired, "无帮扶责任人")
    figures = [
        ("贫困户", len(ids)),
        ("有帮扶责任人的户", len(paired)),
        ("其中本单位干部结对", len(by_unit)),
        ("无帮扶责任人的户", len(missing)),
    ]
    if not ids:
        return Result(None, f"{ctx.period_text} 该村没有贫困户", figures)
    if missing:
        return Result(
            False, f"{len(ids)} 户贫困户中 {len(missing)} 户没有帮扶责任人", figures, missing
        )
    return Result(True, f"{len(ids)} 户贫困户都有帮扶责任人", figures)


def ev_visits(ctx: Context) -> Result:
    """入户走访: every poor household visited at least once in the period (工作台账)."""
    ids = ctx.poor_ids()
    visits = VisitLog.objects.filter(household_id__in=ids, date__gte=ctx.start, date__lt=ctx.end)
    visited = set(visits.values_list("household_id", flat=True))
    missing = _households_not(ctx, ids, visited, "本年度无走访记录")
    figures = [
        ("贫困户", len(ids)),
        ("走访次数", visits.count()),
        ("有走访记录的户", len(visited)),
        ("无走访记录的户", len(missing)),
    ]
    if not ids:
        return Result(None, f"{ctx.period_text} 该村没有贫困户", figures)
    if missing:
        return Result(
            False,
            f"{len(ids)} 户贫困户中 {len(missing)} 户在 {ctx.period_text} 没有走访记录",
            figures,
            missing,
        )
    return Result(True, f"{len(ids)} 户贫困户在 {ctx.period_text} 都有走访记录", figures)


def _unit_projects(ctx: Context) -> list[Project]:
    return list(
        Project.objects.filter(unit=ctx.unit, year=ctx.year)
        .filter(Q(region=ctx.village) | Q(beneficiaries__household__village=ctx.village))
        .distinct()
        .order_by("name", "id")
    )


def _amounts(projects: Iterable[Project]) -> dict[int, Decimal]:
    rows = (
        FundAllocation.objects.filter(project__in=[p.pk for p in projects])
        .values("project_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {r["project_id"]: Decimal(r["total"] or 0).quantize(Decimal("0.01")) for r in rows}


def ev_funds_projects(ctx: Context) -> Result:
    """每年安排一定的资金、项目 (广东省农村扶贫开发条例, seed 002): the unit's projects with money."""
    projects = _unit_projects(ctx)
    amounts = _amounts(projects)
    total = sum(amounts.values(), Decimal("0.00"))
    funded = [p for p in projects if amounts.get(p.pk, 0) > 0]
    figures = [
        ("本单位本年度项目", len(projects)),
        ("已落实资金的项目", len(funded)),
        ("资金合计(元)", total),
    ]
    records = [
        {
            "kind": "project",
            "key": str(p.pk),
            "note": f"{p.name}：{amounts.get(p.pk, Decimal('0.00'))} 元",
        }
        for p in projects
    ]
    if not funded:
        return Result(False, f"{ctx.year} 年度本单位在该村没有落实资金的帮扶项目", figures, records)
    return Result(
        True,
        f"{ctx.year} 年度本单位在该村安排项目 {len(funded)} 个、资金 {total} 元",
        figures,
        records,
    )


def ev_projects_completed(ctx: Context) -> Result:
    """项目按计划实施: the unit's projects of the year completed by the year's end."""
    projects = _unit_projects(ctx)
    done = [p for p in projects if p.completed_on is not None and p.completed_on <= ctx.last_day]
    late = [p for p in projects if p not in done]
    figures = [("本单位本年度项目", len(projects)), ("年内竣工", len(done)), ("未竣工", len(late))]
    records = [
        {"kind": "project", "key": str(p.pk), "note": f"{p.name}：进度 {p.progress}%，未竣工"}
        for p in late
    ]
    if not projects:
        return Result(None, f"{ctx.year} 年度本单位在该村没有项目", figures)
    if late:
        return Result(
            False,
            f"{len(projects)} 个项目中 {len(late)} 个截至 {ctx.last_day.isoformat()} 未竣工",
            figures,
            records,
        )
    return Result(True, f"{len(projects)} 个项目都已在 {ctx.last_day.isoformat()} 前竣工", figures)


def ev_households_exited(ctx: Context) -> Result:
    """按计划脱贫: households whose exit plan targets this year have exited by its end."""
    ids = ctx.poor_ids()
    planned = set(
        ExitPlan.objects.filter(household_id__in=ids, target_year=ctx.year).values_list(
            "household_id", flat=True
        )
    )
    planned_ids = [pk for pk in ids if pk in planned]
    exited = {pk for pk in planned_ids if ctx.timelines[pk].exited_by(ctx.last_day)}
    missing = _households_not(ctx, planned_ids, exited, f"计划 {ctx.year} 年脱贫，未脱贫")
    figures = [
        ("计划本年度脱贫的户", len(planned_ids)),
        ("已脱贫", len(exited)),
        ("未按计划脱贫", len(missing)),
    ]
    if not planned_ids:
        return Result(None, f"该村没有计划 {ctx.year} 年脱贫的贫困户", figures)
    if missing:
        return Result(
            False,
            f"计划 {ctx.year} 年脱贫的 {len(planned_ids)} 户中 {len(missing)} 户未脱贫",
            figures,
            missing,
        )
    return Result(True, f"计划 {ctx.year} 年脱贫的 {len(planned_ids)} 户都已脱贫", figures)


def ev_exit_plans(ctx: Context) -> Result:
    """规划到户: every poor household has an exit plan (脱贫计划)."""
    ids = ctx.poor_ids()
    have = set(ExitPlan.objects.filter(household_id__in=ids).values_list("household_id", flat=True))
    missing = _households_not(ctx, ids, have, "无脱贫计划")
    figures = [
        ("贫困户", len(ids)),
        ("有脱贫计划的户", len(have)),
        ("无脱贫计划的户", len(missing)),
    ]
    if not ids:
        return Result(None, f"{ctx.period_text} 该村没有贫困户", figures)
    if missing:
        return Result(
            False, f"{len(ids)} 户贫困户中 {len(missing)} 户没有脱贫计划", figures, missing
        )
    return Result(True, f"{len(ids)} 户贫困户都有脱贫计划", figures)


def ev_measures(ctx: Context) -> Result:
    """帮扶措施落实到户: every poor household has a measure in force in the year."""
    ids = ctx.poor_ids()
    measures = AssistanceMeasure.objects.filter(
        household_id__in=ids, start_date__lt=ctx.end
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=ctx.start))
    have = set(measures.values_list("household_id", flat=True))
    missing = _households_not(ctx, ids, have, "本年度无帮扶措施")
    figures = [
        ("贫困户", len(ids)),
        ("帮扶措施", measures.count()),
        ("无帮扶措施的户", len(missing)),
    ]
    if not ids:
        return Result(None, f"{ctx.period_text} 该村没有贫困户", figures)
    if missing:
        return Result(
            False, f"{len(ids)} 户贫困户中 {len(missing)} 户本年度没有帮扶措施", figures, missing
        )
    return Result(True, f"{len(ids)} 户贫困户本年度都有帮扶措施", figures)


def ev_housing(ctx: Context) -> Result:
    """住房安全 (seed 002: 低收入住房困难户住房改建完成率达100%), from the registry as recorded now."""
    ids = ctx.poor_ids()
    unsafe = list(
        Household.objects.filter(pk__in=ids, housing_ok=False).values_list("pk", flat=True)
    )
    records = [
        _household(ctx, pk, "住房安全未保障")
        for pk in sorted(unsafe, key=lambda p: ctx.timelines[p].household_no)
    ]
    return Result(
        None, "", [("贫困户", len(ids)), ("登记为住房安全未保障的户（现状）", len(unsafe))], records
    )


def ev_water(ctx: Context) -> Result:
    """饮水安全 (seed 002: 村民饮水安全比率达100%), from the registry as recorded now."""
    ids = list(ctx.timelines)
    unsafe = list(Household.objects.filter(pk__in=ids, water_ok=False).values_list("pk", flat=True))
    records = [
        _household(ctx, pk, "饮水安全未保障")
        for pk in sorted(unsafe, key=lambda p: ctx.timelines[p].household_no)
    ]
    return Result(
        None,
        "",
        [("建档立卡户", len(ids)), ("登记为饮水安全未保障的户（现状）", len(unsafe))],
        records,
    )


def no_evidence(ctx: Context) -> Result:
    return Result(None, "")


@dataclass(frozen=True)
class ItemSpec:
    code: str
    label: str
    duty: str
    basis: str
    compute: Callable[[Context], Result]


C, J = ItemBasis.COMPUTED.value, ItemBasis.JUDGEMENT.value

# The duties, as seed 002 states them (《帮扶与被帮扶双方工作责任》; 条例: 每年安排一定的资金、项目、人力).
HELPER_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "work_team",
        "派驻驻村工作队",
        "帮扶单位派出驻村工作队（下派干部驻村扶贫），结对期内常驻",
        C,
        ev_work_team,
    ),
    ItemSpec(
        "household_pairing",
        "责任到人",
        "每户贫困户都有帮扶责任人（规划到户、责任到人）",
        C,
        ev_household_pairing,
    ),
    ItemSpec("visits", "入户走访", "帮扶责任人每年入户走访每户贫困户，记入工作台账", C, ev_visits),
    ItemSpec(
        "funds_projects",
        "安排帮扶资金和项目",
        "帮扶单位每年安排一定的资金、项目、人力（《广东省农村扶贫开发条例》）",
        C,
        ev_funds_projects,
    ),
    ItemSpec(
        "projects_completed", "项目按计划实施", "本年度帮扶项目在年内竣工", C, ev_projects_completed
    ),
    ItemSpec(
        "households_exited",
        "贫困户按计划脱贫",
        "脱贫计划定在本年度的贫困户年内脱贫",
        C,
        ev_households_exited,
    ),
    ItemSpec(
        "leadership",
        "主要负责人亲自挂点督办",
        "帮扶单位主要负责人把“双到”列入重要议事日程，亲自挂点，亲自督办",
        J,
        no_evidence,
    ),
    ItemSpec(
        "party_building",
        "党组织结对共建",
        "帮扶单位党组织与村党支部结对共建，按“四有”标准加强村党组织建设",
        J,
        no_evidence,
    ),
)
HELPED_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("exit_plans", "规划到户", "每户贫困户都有脱贫计划（户户3本账之一）", C, ev_exit_plans),
    ItemSpec("measures", "帮扶措施落实到户", "每户贫困户本年度都有落实的帮扶措施", C, ev_measures),
    ItemSpec(
        "households_exited",
        "贫困户按计划脱贫",
        "脱贫计划定在本年度的贫困户年内脱贫",
        C,
        ev_households_exited,
    ),
    ItemSpec("housing", "住房安全", "低收入住房困难户住房改建完成（完成率100%）", J, ev_housing),
    ItemSpec("water", "饮水安全", "村民饮水安全（比率100%）", J, ev_water),
    ItemSpec(
        "collective_income",
        "村集体经济收入",
        "贫困村集体经济收入达到省定标准（第一轮为3万元）",
        J,
        no_evidence,
    ),
    ItemSpec(
        "party_organisation",
        "基层组织建设",
        "村党组织达到“四有”标准，“两委”班子作风正、能力强",
        J,
        no_evidence,
    ),
)


def items_for(side: str) -> tuple[ItemSpec, ...]:
    return HELPER_ITEMS if side == AppraisalSide.HELPER else HELPED_ITEMS


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """[1 January, the next 1 January), cut at tomorrow for the year under way."""
    return dt.date(year, 1, 1), min(dt.date(year + 1, 1, 1), today() + dt.timedelta(days=1))


def pairings_in_year(
    village: Region, year: int, unit: HelpingUnit | None
) -> QuerySet[VillagePairing]:
    start, end = year_bounds(year)
    qs = VillagePairing.objects.filter(village=village)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return overlapping(qs, start, end)


def appraisal_context(appraisal: HelpAppraisal) -> Context:
    start, end = year_bounds(appraisal.year)
    if appraisal.side == AppraisalSide.HELPER:
        # the unit answers for the part of the year it was paired with the village
        periods = list(pairings_in_year(appraisal.village, appraisal.year, appraisal.unit))
        if periods:
            start = max(start, min(p.start for p in periods))
            end = min(end, max((p.end or end) for p in periods))
    return Context(
        village=appraisal.village,
        year=appraisal.year,
        start=start,
        end=end,
        unit=appraisal.unit,
        timelines=village_timelines(appraisal.village),
    )


# --- the round's outcome (三年结硬帐) -----------------------------------------------------------


def round_outcome(pairing: VillagePairing, first: int, last: int) -> list[tuple[str, str, Result]]:
    village = pairing.village
    start, end = dt.date(first, 1, 1), dt.date(last + 1, 1, 1)
    ctx = Context(
        village=village,
        year=last,
        start=start,
        end=end,
        unit=pairing.unit,
        timelines=village_timelines(village),
    )
    ids = ctx.poor_ids()
    plans = dict(
        ExitPlan.objects.filter(household_id__in=ids).values_list("household_id", "target_year")
    )
    late: list[dict[str, str]] = []
    later = 0
    for pk in ids:
        target = plans.get(pk)
        if target is not None and target > last:
            later += 1
            continue
        due = min(target or last, last)
        if not ctx.timelines[pk].exited_by(dt.date(due, 12, 31)):
            note = (
                f"计划 {target} 年脱贫，未按期脱贫"
                if target
                else f"无脱贫计划，至 {last} 年末未脱贫"
            )
            late.append(_household(ctx, pk, note))
    due_count = len(ids) - later
    figures = [
        ("本轮贫困户", len(ids)),
        ("应在本轮脱贫", due_count),
        ("按计划脱贫", due_count - len(late)),
        ("未按计划脱贫", len(late)),
        ("计划在本轮之后脱贫", later),
    ]
    if not due_count:
        households = Result(None, "本轮没有应脱贫的贫困户", figures)
    elif late:
        households = Result(
            False, f"应在本轮脱贫的 {due_count} 户中 {len(late)} 户未按计划脱贫", figures, late
        )
    else:
        households = Result(True, f"应在本轮脱贫的 {due_count} 户都已按计划脱贫", figures)
    record = [{"kind": "village", "key": village.code, "note": village.name}]
    if not village.is_poor_village or (village.poor_named_year or 0) > last:
        village_result = Result(None, f"{village.name} 不是本轮的贫困村", [], record)
    elif village.poor_exit_year and village.poor_exit_year <= last:
        village_result = Result(
            True,
            f"{village.name} 于 {village.poor_exit_year} 年退出贫困村",
            [("退出年度", village.poor_exit_year)],
            record,
        )
    else:
        exit_text = f"于 {village.poor_exit_year} 年退出" if village.poor_exit_year else "尚未退出"
        village_result = Result(
            False, f"{village.name} 应在 {last} 年末前退出贫困村，{exit_text}", [], record
        )
    return [
        ("households_exited", "贫困户按计划脱贫（三年）", households),
        ("village_exited", "贫困村按期退出", village_result),
    ]
