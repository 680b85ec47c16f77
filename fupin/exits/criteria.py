"""Exit criteria (DOMAIN.md §5): the data a case is judged on, and each criterion explained.

The boundary between the registry and the pure rules in fupin.policy: registry rows become facts
here, and policy decides. What the registry cannot tell is reported as 需人工核实, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum

from fupin.exits.assessment import FACT_LABELS as ASSESSMENT_FACT_LABELS
from fupin.exits.assessment import case_result, result_facts
from fupin.exits.models import ExitCase
from fupin.exits.workflows import HOUSEHOLD_STABLE_MARGIN, ExitKind
from fupin.policy import Figure, NotInTable, PolicyError, decide, exit_eligible, zone_for_province
from fupin.regions.models import Region
from fupin.registry.models import Household, Status

# The checked facts of a household, with their labels (to say what changed after signing).
HOUSEHOLD_FACTS: dict[str, str] = {
    "income_year": "收入年度",
    "income_per_capita": "人均纯收入",
    "size": "家庭人口",
    "food_ok": "不愁吃",
    "clothing_ok": "不愁穿",
    "education_ok": "义务教育有保障",
    "medical_ok": "基本医疗有保障",
    "housing_ok": "住房安全有保障",
    "water_ok": "饮水安全有保障",
}

# A village's extra indicators (DOMAIN §5: infrastructure, public services, industry, collective
# income; configurable per province). Not in the registry: the verifying office records each as
# met (True) or not in the case's supplied data.
VILLAGE_INDICATORS: dict[str, str] = {
    "infrastructure_ok": "基础设施（通硬化路、通动力电、安全饮水、通信网络）达标",
    "public_services_ok": "公共服务（村卫生室、村文化室等）达标",
    "industry_ok": "有稳定增收的富民产业",
    "collective_income_ok": "村集体经济收入达到省定标准",
}

# What may be supplied per kind (a household's facts change only in the registry). A county's
# figures come from its 专项评估检查 (exits.assessment), never from the case: nothing is supplied.
SUPPLIED_KEYS: dict[str, frozenset[str]] = {
    ExitKind.HOUSEHOLD: frozenset(),
    ExitKind.VILLAGE: frozenset({"population", *VILLAGE_INDICATORS}),
    ExitKind.COUNTY: frozenset(),
}

FACT_LABELS: dict[str, str] = {
    **HOUSEHOLD_FACTS,
    **VILLAGE_INDICATORS,
    **ASSESSMENT_FACT_LABELS,
    "population": "农村人口",
    "population_source": "人口来源",
    "poor_persons": "未脱贫人口",
    "incidence": "贫困发生率",
    "zone": "区域",
    "household_no": "户编号",
}


@dataclass(frozen=True)
class Criterion:
    """One criterion judged: `manual` when the data to judge it is missing (需人工核实)."""

    code: str
    passed: bool
    message: str
    manual: bool = False


def _zone(region: Region) -> str | None:
    if region.zone:
        return region.zone
    try:
        return zone_for_province(region.province_code).value
    except NotInTable:
        return None


def _supplied(case: ExitCase) -> dict[str, Any]:
    """The case's supplied data as stored (a caller's instance may predate a change)."""
    stored = ExitCase.objects.filter(pk=case.pk).values_list("supplied", flat=True).first()
    return dict(stored if stored is not None else case.supplied)


def _population(case: ExitCase) -> dict[str, Any]:
    """Rural population and still-poor persons under the case's region, from the roster."""
    rows = Household.objects.filter(village__code__startswith=case.region.prefix).exclude(
        status=Status.REMOVED
    )
    agg = rows.aggregate(
        population=Sum("size"),
        poor=Sum("size", filter=Q(registered=True, status__in=[Status.POOR, Status.RETURNED])),
        unregistered=Count("id", filter=Q(registered=False)),
    )
    supplied = _supplied(case).get("population")
    population = int(supplied) if supplied is not None else int(agg["population"] or 0)
    poor = int(agg["poor"] or 0)
    return {
        "population": population,
        "population_source": "supplied" if supplied is not None else "roster",
        "roster_unregistered_households": int(agg["unregistered"] or 0),
        "poor_persons": poor,
        "incidence": round(poor / population, 6) if population > 0 else None,
        "zone": _zone(case.region),
    }


def case_facts(case: ExitCase) -> dict[str, Any]:
    """The criteria data of a case as it stands now: what the 3342 chain signs."""
    if case.kind == ExitKind.HOUSEHOLD:
        h = Household.objects.get(pk=case.household_id)
        return {"household_no": h.household_no, **{k: getattr(h, k) for k in HOUSEHOLD_FACTS}}
    if case.kind == ExitKind.COUNTY:
        return result_facts(case_result(case))
    facts = _population(case)
    supplied = _supplied(case)
    for key in sorted(SUPPLIED_KEYS[case.kind] - {"population"}):
        facts[key] = supplied.get(key)
    return facts


def _household(case: ExitCase) -> list[Criterion]:
    h = Household.objects.get(pk=case.household_id)
    out: list[Criterion] = []
    if h.status not in (Status.POOR, Status.RETURNED):
        label = Status(h.status).label if h.status else "未建档立卡"
        out.append(Criterion("not_poor", False, f"该户当前状态为“{label}”，不是未脱贫户"))
    if h.income_year is None:
        out.append(
            Criterion(
                "income_year_missing",
                False,
                "需人工核实：未登记收入年度，无法核对收入是否稳定超过标准",
                manual=True,
            )
        )
        return out
    if h.income_year != case.year:
        out.append(
            Criterion(
                "income_year_mismatch",
                False,
                f"需人工核实：登记的收入为 {h.income_year} 年度，退出年度为 {case.year} 年，"
                f"须核实 {case.year} 年收入",
                manual=True,
            )
        )
    try:
        check = exit_eligible(h.facts(), case.year, stable_margin=HOUSEHOLD_STABLE_MARGIN)
    except PolicyError as e:
        out.append(
            Criterion("policy_error", False, f"无法按 {case.year} 年标准判断：{e}", manual=True)
        )
        return out
    out.extend(Criterion(str(r.code), check.eligible, r.message) for r in check.reasons)
    return out


def _incidence(case: ExitCase, facts: dict[str, Any], figure: Figure) -> list[Criterion]:
    zone = facts["zone"]
    if zone is None:
        return [
            Criterion(
                "zone_missing",
                False,
                "需人工核实：区划未标明中部或西部，无法确定贫困发生率标准",
                manual=True,
            )
        ]
    if facts["population_source"] == "roster" and facts["roster_unregistered_households"] == 0:
        return [
            Criterion(
                "population_missing",
                False,
                "需人工核实：农户名册中没有非建档立卡户，无法以名册计算贫困发生率，"
                "请录入统计部门的农村人口",
                manual=True,
            )
        ]
    if facts["incidence"] is None:
        return [Criterion("population_missing", False, "需人工核实：没有农村人口数据", manual=True)]
    d = decide(figure, facts["incidence"], zone)
    where = f"（未脱贫 {facts['poor_persons']} 人 / 农村人口 {facts['population']} 人）"
    return [Criterion("incidence", d.passed, d.message + where)]


def _village(case: ExitCase) -> list[Criterion]:
    facts = case_facts(case)
    out = _incidence(case, facts, Figure.VILLAGE_EXIT_INCIDENCE)
    for key, label in VILLAGE_INDICATORS.items():
        value = facts.get(key)
        if value is None:
            out.append(
                Criterion(
                    key,
                    False,
                    f"需人工核实：{label}（建档立卡数据中没有此项，须核实后录入）",
                    manual=True,
                )
            )
        else:
            out.append(Criterion(key, bool(value), f"{label}：{'是' if value else '否'}"))
    return out


def _county(case: ExitCase) -> list[Criterion]:
    """A county exit rests on its 专项评估检查: the linked decided result and its four figures."""
    result = case_result(case)
    if result is None:
        return [
            Criterion(
                "assessment_missing",
                False,
                f"尚未关联专项评估检查结果：{case.region.name}的三率一度须来自评估任务对该县"
                "作出的县级结果，由省扶贫办在“专项评估检查”环节关联",
            )
        ]
    if result.problem:
        return [
            Criterion(
                "assessment_invalid", False, f"专项评估检查结果不能作为依据：{result.problem}"
            )
        ]
    note = result.explanation
    out = [
        Criterion(
            "assessment_outcome",
            result.passed,
            f"{result.campaign_label}对{case.region.name}的县级结果：{result.outcome_label}{note}",
        )
    ]
    for f in result.figures:
        judged = (
            ("；经领导小组审定县级结果为达标" if result.approved else "；经综合研判县级结果为达标")
            if not f.passed and result.passed
            else ""
        )
        out.append(Criterion(f.figure, f.passed or result.passed, f.text() + judged))
    return out


def exit_criteria_evaluate(case: ExitCase) -> list[Criterion]:
    """Every criterion of the case, met or not, each explained in Chinese."""
    judge = {ExitKind.HOUSEHOLD: _household, ExitKind.VILLAGE: _village, ExitKind.COUNTY: _county}[
        ExitKind(case.kind)
    ]
    return judge(case)


def exit_criteria_check(case: ExitCase) -> list[Criterion]:
    """The criteria the case fails (empty: it meets DOMAIN §5), each with its Chinese reason."""
    return [c for c in exit_criteria_evaluate(case) if not c.passed]


def explain(failed: list[Criterion]) -> str:
    return "；".join(c.message for c in failed)
