"""CP-SAT plumbing for assignment: deterministic staged solves and rule-naming infeasibility cores."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from fupin.assessments.engine.assignment_rules import (
    Blocker,
    CountyTask,
    Role,
    Rule,
    each,
    names,
    names_en,
    province_name,
)

# Deterministic time limits (not wall time) keep "same seed, same answer" on any machine load.
# Each stage first searches without the LP relaxation (fast to good solutions on these models),
# then, if that did not prove optimality, once more with it from the solution found.
SEARCH_TIME = 0.5
PROVE_TIME = 1.0
CORE_TIME = 5.0

Expr = cp_model.LinearExprT


@dataclass(frozen=True, slots=True)
class SolveInfo:
    """How a solve went: "optimal" when every stage was proved optimal, else "feasible"."""

    status: str
    seconds: float
    objectives: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Stage:
    """One level of a lexicographic objective; after it, its value is held (within `slack`)."""

    name: str
    expr: Expr
    maximize: bool = False
    slack: int = 0
    search_time: float = SEARCH_TIME
    prove_time: float = PROVE_TIME
    linearization: int = 0


def new_solver(seed: int, max_time: float, *, linearization: int = 1) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed % 2**31
    solver.parameters.max_deterministic_time = max_time
    solver.parameters.linearization_level = linearization
    return solver


def _hint(
    model: cp_model.CpModel, solver: cp_model.CpSolver, variables: Sequence[cp_model.IntVar]
) -> None:
    model.clear_hints()  # type: ignore[no-untyped-call]
    for var in variables:
        model.add_hint(var, solver.value(var))


def solve_in_stages(
    model: cp_model.CpModel,
    stages: Sequence[Stage],
    variables: Sequence[cp_model.IntVar],
    *,
    seed: int,
) -> tuple[cp_model.CpSolver, SolveInfo] | None:
    """Optimise the stages in order, each keeping the ones before; None when infeasible."""
    started = time.perf_counter()
    proved = True
    values: list[tuple[str, int]] = []
    solver = new_solver(seed, SEARCH_TIME)
    for n, stage in enumerate(stages):
        if stage.maximize:
            model.maximize(stage.expr)
        else:
            model.minimize(stage.expr)
        solver = new_solver(seed, stage.search_time, linearization=stage.linearization)
        status = solver.solve(model)
        if status == cp_model.FEASIBLE and stage.prove_time > 0:
            _hint(model, solver, variables)
            solver = new_solver(seed, stage.prove_time)
            status = solver.solve(model)
        elif status == cp_model.UNKNOWN:
            solver = new_solver(seed, stage.prove_time + CORE_TIME)
            status = solver.solve(model)
        if status == cp_model.INFEASIBLE and n == 0:
            return None
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise RuntimeError(
                f"CP-SAT found no assignment in the time allowed at stage {stage.name!r} "
                f"({solver.status_name(status)})"
            )
        proved = proved and status == cp_model.OPTIMAL
        value = round(solver.objective_value)
        values.append((stage.name, value))
        if stage.maximize:
            model.add(stage.expr >= value - stage.slack)
        else:
            model.add(stage.expr <= value + stage.slack)
        _hint(model, solver, variables)
    info = SolveInfo(
        status="optimal" if proved else "feasible",
        seconds=time.perf_counter() - started,
        objectives=tuple(values),
    )
    return solver, info


@dataclass
class Assumption:
    """A switchable part of a feasibility model, and how to name it when it is to blame."""

    literal: cp_model.IntVar
    rule: Rule
    counties: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    province: str = ""


def minimal_core(
    model: cp_model.CpModel, assumptions: Sequence[Assumption], *, seed: int
) -> list[Assumption] | None:
    """A small set of assumptions that cannot hold together (None when all can)."""
    by_index = {a.literal.index: a for a in assumptions}

    def core_of(subset: Sequence[Assumption]) -> list[Assumption] | None:
        model.clear_assumptions()
        model.add_assumptions([a.literal for a in subset])
        solver = new_solver(seed, CORE_TIME)
        status = solver.solve(model)
        if status != cp_model.INFEASIBLE:
            return None
        found = solver.sufficient_assumptions_for_infeasibility()
        return [by_index[i] for i in found if i in by_index] or list(subset)

    model.clear_objective()  # type: ignore[no-untyped-call]
    model.clear_hints()  # type: ignore[no-untyped-call]
    core = core_of(assumptions)
    if core is None:
        return None
    # Deletion pass: drop each assumption the conflict does not need (bounded: cores are small).
    n = 0
    while n < len(core) and len(core) <= 60:
        trial = core[:n] + core[n + 1 :]
        smaller = core_of(trial) if trial else None
        if smaller is None:
            n += 1
        else:
            core = [a for a in core if a in smaller]
            n = min(n, len(core))
    model.clear_assumptions()
    return core


@dataclass
class Staffing:
    """Candidates to counties: the shared feasibility model behind institutions and experts."""

    counties: Sequence[CountyTask]
    pool: Sequence[tuple[str, str]]
    exclusions: Callable[[int, CountyTask], tuple[Rule, ...]]
    role: Role
    per_county: int
    capacity: int | None
    count_rule: Rule
    leads: Sequence[bool] = ()
    lead_role: Role | None = None
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)

    def explain(self, *, seed: int) -> Blocker | None:
        """Build the model with every rule, demand and limit behind an assumption; name a core.

        None when the counties can be staffed after all."""
        m = self.model
        assumptions: list[Assumption] = []
        rule_lits: dict[tuple[Rule, str], Assumption] = {}
        x: dict[tuple[int, int], cp_model.IntVar] = {}
        for j, county in enumerate(self.counties):
            for k in range(len(self.pool)):
                x[k, j] = var = m.new_bool_var(f"x{k}_{j}")
                for rule in self.exclusions(k, county):
                    key = (rule, county.province)
                    if key not in rule_lits:
                        lit = m.new_bool_var(f"{rule}_{county.province}")
                        rule_lits[key] = Assumption(lit, rule, province=county.province)
                    m.add_implication(rule_lits[key].literal, var.negated())
        assumptions += rule_lits.values()
        for j, county in enumerate(self.counties):
            lit = m.new_bool_var(f"cover{j}")
            column = [x[k, j] for k in range(len(self.pool))]
            m.add(sum(column) == self.per_county).only_enforce_if(lit)
            assumptions.append(Assumption(lit, self.count_rule, counties=(county.code,)))
            if self.leads:
                lit = m.new_bool_var(f"lead{j}")
                leads = [x[k, j] for k in range(len(self.pool)) if self.leads[k]]
                m.add(sum(leads) >= 1).only_enforce_if(lit)
                assumptions.append(Assumption(lit, Rule.EXPERIENCED_LEAD, counties=(county.code,)))
        if self.capacity is not None:
            for k, (ident, _) in enumerate(self.pool):
                lit = m.new_bool_var(f"cap{k}")
                row = [x[k, j] for j in range(len(self.counties))]
                m.add(sum(row) <= self.capacity).only_enforce_if(lit)
                assumptions.append(Assumption(lit, Rule.CAPACITY, subjects=(ident,)))
        core = minimal_core(m, assumptions, seed=seed)
        return None if core is None else self._blocker(core)

    def _blocker(self, core: list[Assumption]) -> Blocker:
        label = {c.code: c.label for c in self.counties}
        name_of = dict(self.pool)
        unit = self.role.unit
        parts: list[str] = []
        parts_en: list[str] = []
        covered = [c for a in core if a.rule == self.count_rule for c in a.counties]
        led = [c for a in core if a.rule == Rule.EXPERIENCED_LEAD for c in a.counties]
        capped = [s for a in core if a.rule == Rule.CAPACITY for s in a.subjects]
        for a in core:
            if a.province:
                p = province_name(a.province)
                parts.append(f"{p}{a.rule.label}")
                parts_en.append(f"the {a.rule.label_en} for {p}")
        if covered:
            need = "由一家机构承担" if unit == "家" else f"各需 {self.per_county} 名{self.role.zh}"
            parts.append(f"县 {names([label[c] for c in covered], '个')} {need}")
            parts_en.append(
                f"counties {names_en([label[c] for c in covered])} each need "
                f"{self.per_county} of the {self.role.en}"
            )
        if led and self.lead_role is not None:
            parts.append(f"县 {names([label[c] for c in led], '个')} 各需 1 名{self.lead_role.zh}")
            parts_en.append(
                f"counties {names_en([label[c] for c in led])} each need one of the "
                f"{self.lead_role.en}"
            )
        if capped:
            who = [name_of[s] for s in capped]
            parts.append(
                f"{self.role.zh} {names(who, unit)} 每{each(unit)}至多承担 {self.capacity} 个县"
            )
            parts_en.append(f"{names_en(who)} take at most {self.capacity} counties each")
        involved = set(covered) | set(led)
        counties = [c for c in self.counties if c.code in involved]
        usable = [
            name
            for k, (_, name) in enumerate(self.pool)
            if any(not self.exclusions(k, c) for c in counties)
        ]
        tail = f"。这些县可用的{self.role.zh}只有 {names(usable, unit)}" if usable else ""
        tail_en = f". The only eligible {self.role.en} are {names_en(usable)}" if usable else ""
        return Blocker(
            rules=tuple(dict.fromkeys(a.rule for a in core)),
            counties=tuple(dict.fromkeys(covered + led)),
            subjects=tuple(dict.fromkeys(capped)),
            message="无法同时满足：" + "；".join(parts) + tail,
            message_en="These cannot all hold: " + "; ".join(parts_en) + tail_en,
        )
