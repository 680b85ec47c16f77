"""Two-person field teams (以老带新) placed on their institution's counties, and households to teams."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from ortools.sat.python import cp_model

from fupin.assessments.engine.assignment_cpsat import (
    PROVE_TIME,
    SolveInfo,
    Staffing,
    new_solver,
)
from fupin.assessments.engine.assignment_rules import (
    MENTOR_ROLE,
    NEWCOMER_ROLE,
    AssignmentInfeasible,
    Blocker,
    CountyTask,
    Enumerator,
    Group,
    Role,
    Rule,
    Team,
    enumerator_exclusions,
    names,
    names_en,
    province_name,
    where,
)

_WEIGHT_RANGE = 1000


class HeldCounties(Protocol):
    """What team placement needs from an institution assignment."""

    @property
    def counties(self) -> tuple[CountyTask, ...]: ...

    @property
    def institution_of(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class TeamPlan:
    """Teams, the county of each (when placed), and the enumerators left without a team."""

    teams: tuple[Team, ...]
    county_of_team: dict[str, str]
    unpaired: tuple[str, ...]
    rng_seed: int
    solve: SolveInfo | None = None

    def teams_in(self, county: str) -> tuple[Team, ...]:
        return tuple(t for t in self.teams if self.county_of_team.get(t.id) == county)


def form_teams(
    enumerators: Sequence[Enumerator],
    *,
    rng_seed: int,
    assignment: HeldCounties | None = None,
    min_teams_per_county: int = 1,
) -> TeamPlan:
    """Pair each experienced enumerator with a new one of the same institution, nobody twice.

    Without an assignment, pairs are drawn at random within each institution. With one, each
    enumerator is also placed on a county their institution holds, away from their home province
    and from provinces whose own assessment they took part in: the most teams, then households per
    team as even as possible across each institution's counties, then a seeded random pick; at
    least `min_teams_per_county` teams per county, else AssignmentInfeasible says who is missing.
    """
    ids = [e.id for e in enumerators]
    if len(set(ids)) != len(ids):
        raise ValueError("enumerator ids must be unique")
    if min_teams_per_county < 1:
        raise ValueError("min_teams_per_county must be at least 1")
    rng = np.random.default_rng(rng_seed)
    if assignment is None:
        return _pair_within_institutions(enumerators, rng, rng_seed)
    return _place_teams(enumerators, assignment, rng, rng_seed, min_teams_per_county)


def _pair(
    mentors: Sequence[Enumerator], newcomers: Sequence[Enumerator], rng: np.random.Generator
) -> list[tuple[Enumerator, Enumerator]]:
    m = [mentors[i] for i in rng.permutation(len(mentors))]
    n = [newcomers[i] for i in rng.permutation(len(newcomers))]
    return list(zip(m, n, strict=False))


def _pair_within_institutions(
    enumerators: Sequence[Enumerator], rng: np.random.Generator, rng_seed: int
) -> TeamPlan:
    by_institution: dict[str, list[Enumerator]] = {}
    for e in enumerators:
        by_institution.setdefault(e.institution_id, []).append(e)
    teams: list[Team] = []
    for inst in sorted(by_institution):
        people = by_institution[inst]
        pairs = _pair(
            [e for e in people if e.experienced], [e for e in people if not e.experienced], rng
        )
        teams += [Team(f"{inst}-{n + 1:03d}", inst, a, b) for n, (a, b) in enumerate(pairs)]
    return TeamPlan(tuple(teams), {}, _left_over(enumerators, teams), rng_seed)


def _left_over(enumerators: Sequence[Enumerator], teams: Sequence[Team]) -> tuple[str, ...]:
    placed = {m.id for t in teams for m in t.members}
    return tuple(e.id for e in enumerators if e.id not in placed)


def _side_groups(
    inst: str,
    counties: Sequence[CountyTask],
    people: Sequence[Enumerator],
    role: Role,
    per: int,
) -> list[Group]:
    """Hall's condition for one side (mentors or newcomers) of one institution's counties."""
    pool = [(e.id, e.name) for e in people]

    def excluded(k: int, county: CountyTask) -> tuple[Rule, ...]:
        return enumerator_exclusions(people[k], county)

    groups = []
    for county in counties:
        w, w_en = where([county], f"（机构 {inst}）")
        groups.append(Group(w, w_en, [county], role, pool, excluded, per, None, (Rule.MENTORING,)))
    if len(counties) > 1:
        w, w_en = where(counties, f"（机构 {inst}）")
        groups.append(
            Group(w, w_en, counties, role, pool, excluded, per, 1, (Rule.MENTORING, Rule.ONE_PLACE))
        )
    return groups


def _place_teams(
    enumerators: Sequence[Enumerator],
    assignment: HeldCounties,
    rng: np.random.Generator,
    rng_seed: int,
    per: int,
) -> TeamPlan:
    held: dict[str, list[CountyTask]] = {}
    for county in assignment.counties:
        held.setdefault(assignment.institution_of[county.code], []).append(county)
    staff: dict[str, list[Enumerator]] = {inst: [] for inst in held}
    for e in enumerators:
        if e.institution_id in staff:
            staff[e.institution_id].append(e)
    sides = {
        inst: (
            [e for e in staff[inst] if e.experienced],
            [e for e in staff[inst] if not e.experienced],
        )
        for inst in held
    }

    blockers: list[Blocker] = []
    for inst, counties in held.items():
        for people, role in zip(sides[inst], (MENTOR_ROLE, NEWCOMER_ROLE), strict=True):
            for group in _side_groups(inst, counties, people, role, per):
                found = group.blocker()
                if found is not None:
                    blockers.append(found)
                    break
    if blockers:
        raise AssignmentInfeasible(blockers)

    # Institutions share no enumerator and no county: one small model each.
    started = time.perf_counter()
    proved = True
    totals: dict[str, int] = {}
    chosen: dict[str, list[Enumerator]] = {}
    for inst, counties in held.items():
        solved = _place_institution(counties, staff[inst], per, rng, rng_seed)
        if solved is None:
            raise AssignmentInfeasible(_explain_sides({inst: counties}, sides, per, rng_seed))
        placed, info = solved
        chosen |= placed
        proved = proved and info.status == "optimal"
        for name, value in info.objectives:
            totals[name] = totals.get(name, 0) + value
    info = SolveInfo(
        status="optimal" if proved else "feasible",
        seconds=time.perf_counter() - started,
        objectives=tuple(totals.items()),
    )
    teams_out: list[Team] = []
    county_of_team: dict[str, str] = {}
    for county in assignment.counties:
        people = chosen[county.code]
        pairs = _pair(
            [e for e in people if e.experienced], [e for e in people if not e.experienced], rng
        )
        for n, (a, b) in enumerate(pairs):
            team = Team(f"{county.code}-{n + 1:03d}", a.institution_id, a, b)
            teams_out.append(team)
            county_of_team[team.id] = county.code
    return TeamPlan(
        tuple(teams_out), county_of_team, _left_over(enumerators, teams_out), rng_seed, info
    )


def _place_institution(
    counties: Sequence[CountyTask],
    staff: Sequence[Enumerator],
    per: int,
    rng: np.random.Generator,
    rng_seed: int,
) -> tuple[dict[str, list[Enumerator]], SolveInfo] | None:
    """Place one institution's enumerators on its counties: most teams, then the fewest households
    for the busiest team, then a seeded random pick; a county gets as many mentors as newcomers.

    Enumerators with the same experience and the same eligible counties are interchangeable, so
    the model counts how many of each such class go where (no symmetry to fight), and the people
    are then drawn at random from their class. "At most L households per team" is the linear "at
    least ceil(H / L) teams"; the smallest L is found by bisection over the values H / t can take.
    """
    started = time.perf_counter()
    classes: dict[tuple[bool, tuple[str, ...]], list[Enumerator]] = {}
    for e in staff:
        where_ok = tuple(c.code for c in counties if not enumerator_exclusions(e, c))
        if where_ok:
            classes.setdefault((e.experienced, where_ok), []).append(e)
    keys = list(classes)
    top = {
        c.code: min(
            sum(len(classes[k]) for k in keys if k[0] and c.code in k[1]),
            sum(len(classes[k]) for k in keys if not k[0] and c.code in k[1]),
        )
        for c in counties
    }
    cells_spec = [(k, code) for k in keys for code in k[1]]
    weights = [int(w) for w in rng.integers(0, _WEIGHT_RANGE, size=len(cells_spec))]

    def build(
        total: int | None, most: int | None
    ) -> tuple[cp_model.CpModel, list[cp_model.IntVar], list[cp_model.IntVar]]:
        model = cp_model.CpModel()
        cells = [
            model.new_int_var(0, len(classes[k]), f"n{n}_{code}")
            for n, (k, code) in enumerate(cells_spec)
        ]
        for k in keys:
            model.add(
                sum(v for (kk, _), v in zip(cells_spec, cells, strict=True) if kk == k)
                <= len(classes[k])
            )
        counts = []
        for county in counties:
            low = per if most is None else max(per, -(-county.households // most))
            teams = model.new_int_var(low, max(low, top[county.code]), f"teams{county.code}")
            for side in (True, False):
                mine = [
                    v
                    for (k, code), v in zip(cells_spec, cells, strict=True)
                    if code == county.code and k[0] is side
                ]
                model.add(sum(mine) == teams)
            counts.append(teams)
        if total is not None:
            model.add(sum(counts) == total)
        return model, cells, counts

    def solve(model: cp_model.CpModel) -> tuple[cp_model.CpSolver, bool, bool]:
        solver = new_solver(rng_seed, PROVE_TIME)
        status = solver.solve(model)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        return solver, found, status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)

    model, _, counts = build(None, None)
    model.maximize(sum(counts))
    solver, ok, proved = solve(model)
    if not ok:
        return None
    total = round(solver.objective_value)
    levels = sorted(
        {-(-c.households // t) for c in counties for t in range(per, top[c.code] + 1)} | {1}
    )
    lo, hi = 0, len(levels) - 1  # the largest level asks for no more than `per` teams anywhere
    while lo < hi:
        mid = (lo + hi) // 2
        _, ok, exact = solve(build(total, levels[mid])[0])
        proved = proved and exact
        if ok:
            hi = mid
        else:
            lo = mid + 1
    model, cells, _ = build(total, levels[lo])
    model.maximize(sum(w * v for w, v in zip(weights, cells, strict=True)))
    solver, ok, _ = solve(model)
    if not ok:  # pragma: no cover - the bisection just found this feasible
        raise RuntimeError("team placement lost feasibility between its stages")
    placed: dict[str, list[Enumerator]] = {c.code: [] for c in counties}
    pools = {k: [classes[k][i] for i in rng.permutation(len(classes[k]))] for k in keys}
    for (k, code), v in zip(cells_spec, cells, strict=True):
        n = solver.value(v)
        placed[code] += pools[k][:n]
        pools[k] = pools[k][n:]
    info = SolveInfo(
        status="optimal" if proved else "feasible",
        seconds=time.perf_counter() - started,
        objectives=(("teams", total), ("households_per_team", levels[lo])),
    )
    return placed, info


def _explain_sides(
    held: Mapping[str, Sequence[CountyTask]],
    sides: Mapping[str, tuple[list[Enumerator], list[Enumerator]]],
    per: int,
    seed: int,
) -> list[Blocker]:
    """Mentors and newcomers are matched to counties independently: name each side that fails."""
    blockers = []
    for inst, counties in held.items():
        for people, role in zip(sides[inst], (MENTOR_ROLE, NEWCOMER_ROLE), strict=True):

            def excluded(
                k: int, county: CountyTask, people: list[Enumerator] = people
            ) -> tuple[Rule, ...]:
                return enumerator_exclusions(people[k], county)

            pool = [(e.id, e.name) for e in people]
            staffing = Staffing(counties, pool, excluded, role, per, 1, Rule.MENTORING)
            found = staffing.explain(seed=seed)
            if found is not None:
                blockers.append(found)
    if not blockers:  # pragma: no cover - the sides are independent, so one of them fails
        raise RuntimeError("team placement is infeasible but every side can be staffed")
    return blockers


def assign_households(
    teams: Sequence[Team],
    households_by_county: Mapping[str, Sequence[str]],
    county_of_team: Mapping[str, str],
    *,
    rng_seed: int,
    province_of: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Deal each county's households at random to its teams, team sizes differing by at most one.

    Refuses (AssignmentInfeasible) a team that breaks 以老带新 or an avoidance rule for its county,
    and a county with households but no team. A county's province is `province_of[code]`, else
    the first two digits of its code.
    """
    rng = np.random.default_rng(rng_seed)
    provinces = province_of or {}
    by_county: dict[str, list[Team]] = {}
    blockers: list[Blocker] = []
    for team in teams:
        county_code = county_of_team.get(team.id)
        if county_code is None:
            continue
        by_county.setdefault(county_code, []).append(team)
        county = CountyTask(county_code, provinces.get(county_code, county_code[:2]), 0)
        blockers += _team_blockers(team, county)
    for code, households in households_by_county.items():
        if households and not by_county.get(code):
            blockers.append(
                Blocker(
                    rules=(Rule.HOUSEHOLD_TEAM,),
                    counties=(code,),
                    subjects=(),
                    message=f"县 {code} 有 {len(households)} 户待调查，但没有调查组",
                    message_en=f"county {code} has {len(households)} households but no team",
                )
            )
    if blockers:
        raise AssignmentInfeasible(blockers)
    team_of: dict[str, str] = {}
    for code in sorted(households_by_county):
        households = list(households_by_county[code])
        if not households:
            continue
        county_teams = sorted(by_county[code], key=lambda t: t.id)
        dealt = [county_teams[i] for i in rng.permutation(len(county_teams))]
        for n, i in enumerate(rng.permutation(len(households))):
            team_of[households[i]] = dealt[n % len(dealt)].id
    return team_of


def _team_blockers(team: Team, county: CountyTask) -> list[Blocker]:
    blockers = []
    if not (team.mentor.experienced and not team.newcomer.experienced):
        blockers.append(
            Blocker(
                (Rule.MENTORING,),
                (county.code,),
                (team.id,),
                f"调查组 {team.id} 不是一名有经验的调查员带一名新调查员（{Rule.MENTORING.label}）",
                f"team {team.id} is not one experienced and one new enumerator",
            )
        )
    for member in team.members:
        rules = enumerator_exclusions(member, county)
        if rules:
            p = province_name(county.province)
            labels = "、".join(r.label for r in rules)
            blockers.append(
                Blocker(
                    rules,
                    (county.code,),
                    (member.id,),
                    f"调查组 {team.id} 的 {names([member.name], '名')} 不能调查{p}的县 {county.code}（{labels}）",
                    f"{names_en([member.name])} of team {team.id} may not survey county "
                    f"{county.code} in {p} ({', '.join(r.label_en for r in rules)})",
                )
            )
    return blockers
