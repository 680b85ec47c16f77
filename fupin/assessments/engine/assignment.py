"""Random, balanced assignment of institutions, experts and field teams that keeps 三回避 (CP-SAT)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from fupin.assessments.engine.assignment_check import check_assignment
from fupin.assessments.engine.assignment_cpsat import SolveInfo, Staffing, Stage, solve_in_stages
from fupin.assessments.engine.assignment_rules import (
    EXPERT_ROLE,
    INSTITUTION_ROLE,
    LEAD_ROLE,
    AssignmentInfeasible,
    Blocker,
    CountyTask,
    Enumerator,
    Expert,
    Group,
    Institution,
    Rule,
    Team,
    Violation,
    expert_exclusions,
    institution_exclusions,
    province_groups,
    where,
)
from fupin.assessments.engine.assignment_teams import TeamPlan, assign_households, form_teams

__all__ = [
    "Assignment",
    "AssignmentInfeasible",
    "Blocker",
    "CountyTask",
    "Enumerator",
    "Expert",
    "ExpertAssignment",
    "Institution",
    "Rule",
    "SolveInfo",
    "Team",
    "TeamPlan",
    "Violation",
    "assign_experts",
    "assign_households",
    "assign_institutions",
    "check_assignment",
    "form_teams",
]

# Random tie-breaking weights: large enough to spread choices, small enough to stay exact.
_WEIGHT_RANGE = 1000


@dataclass(frozen=True)
class Assignment:
    """Which institution assesses each sampled county."""

    counties: tuple[CountyTask, ...]
    institutions: tuple[Institution, ...]
    institution_of: dict[str, str]
    rng_seed: int
    solve: SolveInfo

    def counties_of(self, institution_id: str) -> tuple[str, ...]:
        return tuple(c for c, i in self.institution_of.items() if i == institution_id)

    @property
    def loads(self) -> dict[str, int]:
        """Households per institution, every institution listed (0 when it holds no county)."""
        loads = {i.id: 0 for i in self.institutions}
        for county in self.counties:
            loads[self.institution_of[county.code]] += county.households
        return loads


@dataclass(frozen=True)
class ExpertAssignment:
    """The experts of each county's team, an experienced lead first when one is required."""

    experts_of: dict[str, tuple[str, ...]]
    rng_seed: int
    solve: SolveInfo

    @property
    def loads(self) -> dict[str, int]:
        """Counties per assigned expert."""
        loads: dict[str, int] = {}
        for team in self.experts_of.values():
            for expert in team:
                loads[expert] = loads.get(expert, 0) + 1
        return loads


def _check_counties(counties: Sequence[CountyTask]) -> None:
    codes = [c.code for c in counties]
    if len(set(codes)) != len(codes):
        raise ValueError("county codes must be unique")
    if any(c.households < 0 for c in counties):
        raise ValueError("a county's households cannot be negative")


def _check_ids(ids: Sequence[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} ids must be unique")


def _weights(rng_seed: int, n: int) -> list[int]:
    rng = np.random.default_rng(rng_seed)
    return [int(w) for w in rng.integers(0, _WEIGHT_RANGE, size=n)]


def assign_institutions(
    institutions: Sequence[Institution],
    counties: Sequence[CountyTask],
    *,
    rng_seed: int,
    max_counties_per_institution: int | None = None,
    load_slack: int = 0,
) -> Assignment:
    """Give each county exactly one institution from another province.

    Lexicographic: first the smallest possible maximum of households per institution (plus
    `load_slack` households of leeway, which buys randomness), then the largest minimum, then a
    seeded random objective picks one of the assignments that tie. Raises AssignmentInfeasible
    naming the rule and the institutions and counties that block it.
    """
    _check_counties(counties)
    _check_ids([i.id for i in institutions], "institution")
    cap = max_counties_per_institution
    if cap is not None and cap < 1:
        raise ValueError("max_counties_per_institution must be at least 1")
    pool = [(i.id, i.name) for i in institutions]

    def excluded(k: int, county: CountyTask) -> tuple[Rule, ...]:
        return institution_exclusions(institutions[k], county)

    blockers: list[Blocker] = []
    for group in province_groups(counties).values():
        w, w_en = where(group)
        found = Group(w, w_en, group, INSTITUTION_ROLE, pool, excluded, 1, cap).blocker()
        if found is not None:
            blockers.append(found)
    if cap is not None and len(institutions) * cap < len(counties):
        blockers.append(
            Blocker(
                rules=(Rule.CAPACITY,),
                counties=tuple(c.code for c in counties),
                subjects=tuple(i.id for i in institutions),
                message=(
                    f"共 {len(counties)} 个县，{len(institutions)} 家机构每家至多承担 {cap} 个县，"
                    f"最多只能承担 {len(institutions) * cap} 个县（{Rule.CAPACITY.label}）"
                ),
                message_en=(
                    f"{len(counties)} counties but {len(institutions)} institutions taking at "
                    f"most {cap} each cover only {len(institutions) * cap} "
                    f"({Rule.CAPACITY.label_en})"
                ),
            )
        )
    if blockers:
        raise AssignmentInfeasible(blockers)

    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for j, county in enumerate(counties):
        for k, inst in enumerate(institutions):
            if not institution_exclusions(inst, county):
                x[j, k] = model.new_bool_var(f"x{j}_{k}")
    total = sum(c.households for c in counties)
    loads = []
    for j, _ in enumerate(counties):
        model.add_exactly_one(v for (jj, _), v in x.items() if jj == j)
    for k, _ in enumerate(institutions):
        row = [(j, v) for (j, kk), v in x.items() if kk == k]
        load = model.new_int_var(0, total, f"load{k}")
        model.add(load == sum(counties[j].households * v for j, v in row))
        if cap is not None:
            model.add(sum(v for _, v in row) <= cap)
        loads.append(load)
    most = model.new_int_var(0, total, "most")
    least = model.new_int_var(0, total, "least")
    model.add_max_equality(most, loads)
    model.add_min_equality(least, loads)
    weights = _weights(rng_seed, len(x))
    stages = [Stage("max_households", most, slack=load_slack)]
    if load_slack == 0:
        stages.append(Stage("min_households", least, maximize=True))
    random_pick = sum(w * v for w, v in zip(weights, x.values(), strict=True))
    stages.append(Stage("random", random_pick, maximize=True, prove_time=0, linearization=1))
    solved = solve_in_stages(model, stages, list(x.values()), seed=rng_seed)
    if solved is None:
        staffing = Staffing(counties, pool, excluded, INSTITUTION_ROLE, 1, cap, Rule.COVERAGE)
        raise AssignmentInfeasible([_must(staffing.explain(seed=rng_seed))])
    solver, info = solved
    institution_of = {
        counties[j].code: institutions[k].id for (j, k), v in x.items() if solver.boolean_value(v)
    }
    return Assignment(tuple(counties), tuple(institutions), institution_of, rng_seed, info)


def assign_experts(
    experts: Sequence[Expert],
    counties: Sequence[CountyTask] | Assignment,
    *,
    rng_seed: int,
    experts_per_county: int = 2,
    max_counties_per_expert: int | None = None,
    require_experienced_lead: bool = True,
) -> ExpertAssignment:
    """Put `experts_per_county` experts on each county's team, never in their employer's province
    nor in a province whose own assessment they took part in.

    Given an Assignment, an expert sent by an institution works only on that institution's
    counties. With `require_experienced_lead`, each team has an experienced expert, listed first.
    Balanced: the fewest counties for the busiest expert, then a seeded random pick among ties.
    """
    if isinstance(counties, Assignment):
        holder_of: dict[str, str] = counties.institution_of
        tasks: Sequence[CountyTask] = counties.counties
    else:
        holder_of, tasks = {}, counties
    _check_counties(tasks)
    _check_ids([e.id for e in experts], "expert")
    if experts_per_county < 1:
        raise ValueError("experts_per_county must be at least 1")
    cap = max_counties_per_expert
    if cap is not None and cap < 1:
        raise ValueError("max_counties_per_expert must be at least 1")
    pool = [(e.id, e.name) for e in experts]
    per = experts_per_county

    def excluded(k: int, county: CountyTask) -> tuple[Rule, ...]:
        return expert_exclusions(experts[k], county, holder_of.get(county.code))

    blockers = _expert_prechecks(
        experts, tasks, holder_of, excluded, per, cap, require_experienced_lead
    )
    if blockers:
        raise AssignmentInfeasible(blockers)

    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for j, county in enumerate(tasks):
        for k in range(len(experts)):
            if not excluded(k, county):
                x[k, j] = model.new_bool_var(f"x{k}_{j}")
    by_county: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    by_expert: dict[int, list[cp_model.IntVar]] = {}
    for (k, j), v in x.items():
        by_county.setdefault(j, []).append((k, v))
        by_expert.setdefault(k, []).append(v)
    for j, _ in enumerate(tasks):
        column = by_county.get(j, [])
        model.add(sum(v for _, v in column) == per)
        if require_experienced_lead:
            model.add(sum(v for k, v in column if experts[k].experienced) >= 1)
    most = model.new_int_var(0, len(tasks), "most")
    for row in by_expert.values():
        model.add(sum(row) <= most)
    if cap is not None:
        model.add(most <= cap)
    weights = _weights(rng_seed, len(x))
    random_pick = sum(w * v for w, v in zip(weights, x.values(), strict=True))
    stages = [
        Stage("max_counties", most),
        Stage("random", random_pick, maximize=True, prove_time=0, linearization=1),
    ]
    solved = solve_in_stages(model, stages, list(x.values()), seed=rng_seed)
    if solved is None:
        staffing = Staffing(
            tasks,
            pool,
            excluded,
            EXPERT_ROLE,
            per,
            cap,
            Rule.EXPERT_COUNT,
            leads=[e.experienced for e in experts] if require_experienced_lead else (),
            lead_role=LEAD_ROLE,
        )
        raise AssignmentInfeasible([_must(staffing.explain(seed=rng_seed))])
    solver, info = solved
    rng = np.random.default_rng(rng_seed)
    experts_of: dict[str, tuple[str, ...]] = {}
    for j, county in enumerate(tasks):
        chosen = [k for k, v in by_county.get(j, []) if solver.boolean_value(v)]
        order = [chosen[i] for i in rng.permutation(len(chosen))]
        if require_experienced_lead:
            order.sort(key=lambda k: not experts[k].experienced)
        experts_of[county.code] = tuple(experts[k].id for k in order)
    return ExpertAssignment(experts_of, rng_seed, info)


def _must(blocker: Blocker | None) -> Blocker:
    if blocker is None:  # pragma: no cover - only asked after an infeasible solve
        raise RuntimeError("the assignment model is feasible once its objective is dropped")
    return blocker


def _expert_prechecks(
    experts: Sequence[Expert],
    tasks: Sequence[CountyTask],
    holder_of: Mapping[str, str],
    exclusion: Callable[[int, CountyTask], tuple[Rule, ...]],
    per: int,
    cap: int | None,
    lead: bool,
) -> list[Blocker]:
    """Hall's condition per group of counties sharing a province (and institution, if any)."""
    pool = [(e.id, e.name) for e in experts]
    groups: dict[tuple[str, str | None], list[CountyTask]] = {}
    for county in tasks:
        groups.setdefault((county.province, holder_of.get(county.code)), []).append(county)
    split = len({p for p, _ in groups}) < len(groups)
    blockers: list[Blocker] = []
    for (_, holder), group in groups.items():
        suffix = f"（由机构 {holder} 承担）" if split and holder else ""
        suffix_en = f" (held by {holder})" if split and holder else ""
        w, w_en = where(group)
        w, w_en = w + suffix, w_en + suffix_en
        found = Group(w, w_en, group, EXPERT_ROLE, pool, exclusion, per, cap).blocker()
        if found is None and lead:
            leads = [k for k, e in enumerate(experts) if e.experienced]
            lead_pool = [pool[k] for k in leads]

            def lead_excluded(
                k: int, county: CountyTask, leads: list[int] = leads
            ) -> tuple[Rule, ...]:
                return exclusion(leads[k], county)

            found = Group(
                w,
                w_en,
                group,
                LEAD_ROLE,
                lead_pool,
                lead_excluded,
                1,
                cap,
                (Rule.EXPERIENCED_LEAD,),
            ).blocker()
        if found is not None:
            blockers.append(found)
    if cap is not None and len(experts) * cap < per * len(tasks):
        blockers.append(
            Blocker(
                rules=(Rule.CAPACITY,),
                counties=tuple(c.code for c in tasks),
                subjects=tuple(e.id for e in experts),
                message=(
                    f"{len(tasks)} 个县各需 {per} 名专家，{len(experts)} 名专家每人至多 {cap} 个县，"
                    f"不够（{Rule.CAPACITY.label}）"
                ),
                message_en=(
                    f"{len(tasks)} counties need {per} experts each; {len(experts)} experts "
                    f"taking at most {cap} counties each are not enough ({Rule.CAPACITY.label_en})"
                ),
            )
        )
    return blockers
