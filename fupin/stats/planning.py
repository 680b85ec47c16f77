"""Sample-size planning for a county's rates: households and villages for a target precision.

Why about 1 000 households per county (seed 004: "为什么要每个县选取1000户左右的样本")?  A
county passes when its wrong-exit and missed rates are below 2 %.  To tell a county at 1 %
from one at the 2 % line, the 95 % interval must be at most about +/- 1 point wide.  For a
rate p measured on n households drawn at random that takes n = z^2 p (1 - p) / h^2 households
(z = 1.96, h = 0.01: 753 households at p = 2 %); households in the same village resemble each
other, which multiplies the variance by the design effect deff = 1 + (m - 1) rho (m households
per village and domain, rho the intra-village correlation, about 0.01 for these rates in the
simulated counties, so deff is about 1.5 with 50 households per village).  About 1 000 - 1 150
households of each domain follow; the exited and non-registered domains share villages.

The planner uses the intervals the engine uses (fupin.stats.parts): for small expected counts
the Clopper-Pearson interval on n_eff = n / deff households, wider than the normal one, so the
plan is searched on the exact width, not on the formula above; a finite population (fewer
households in the domain than the plan would take) is handled by the finite population
correction n / (1 + n / N).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from fupin.stats.parts import clopper_pearson

MIN_VILLAGES = 12
DEFAULT_ICC = 0.01


class PlanError(ValueError):
    """Inputs a plan cannot be made from (Chinese message naming the field)."""


@dataclass(frozen=True)
class DomainPlan:
    name: str
    rate: float
    population: int  # households in the domain in the county
    households: int  # sampled households needed
    per_village: int
    deff: float
    ci: tuple[float, float]  # the expected 95 % interval at the expected rate
    reached: bool  # the target is met (False when even the whole domain is not enough)

    @property
    def half_width(self) -> float:
        return (self.ci[1] - self.ci[0]) / 2

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rate": self.rate,
            "population": self.population,
            "households": self.households,
            "per_village": self.per_village,
            "deff": self.deff,
            "ci": list(self.ci),
            "half_width": self.half_width,
            "reached": self.reached,
        }


@dataclass(frozen=True)
class SamplePlan:
    villages: int
    domains: tuple[DomainPlan, ...]
    half_width: float
    level: float
    icc: float

    @property
    def households(self) -> int:
        return sum(d.households for d in self.domains)

    def as_dict(self) -> dict[str, Any]:
        return {
            "villages": self.villages,
            "households": self.households,
            "target_half_width": self.half_width,
            "level": self.level,
            "icc": self.icc,
            "domains": [d.as_dict() for d in self.domains],
        }


def expected_interval(
    rate: float, n: int, population: int, deff: float, level: float = 0.95
) -> tuple[float, float]:
    """The exact interval expected at `rate` from n households of `population` with `deff`."""
    fpc = 1 - n / population if population > 0 else 1.0
    n_eff = n / deff / max(fpc, 0.5)  # as the engine: fpc counted up to f = 0.5
    return clopper_pearson(rate, n_eff, level)


def _domain(
    name: str,
    rate: float,
    population: int,
    villages_in_county: int,
    per_village: int,
    half_width: float,
    icc: float,
    level: float,
) -> tuple[DomainPlan, int]:
    """The smallest sample of the domain meeting the target, and the villages it needs."""
    deff = 1 + (per_village - 1) * icc
    n = 1
    ci = expected_interval(rate, n, population, deff, level)
    while (ci[1] - ci[0]) / 2 > half_width and n < population:
        n = min(population, max(n + 1, int(n * 1.02)))
        ci = expected_interval(rate, n, population, deff, level)
    villages = min(villages_in_county, math.ceil(n / per_village))
    plan = DomainPlan(
        name=name,
        rate=rate,
        population=population,
        households=n,
        per_village=per_village,
        deff=deff,
        ci=ci,
        reached=(ci[1] - ci[0]) / 2 <= half_width,
    )
    return plan, villages


def plan_sample(
    *,
    rates: dict[str, float],
    populations: dict[str, int],
    villages_in_county: int,
    half_width: float = 0.01,
    per_village: int = 30,
    icc: float = DEFAULT_ICC,
    level: float = 0.95,
) -> SamplePlan:
    """Households and villages for each domain's rate to reach a 95 % half-width `half_width`.

    `rates` are the expected rates by domain (e.g. {"exited": 0.02, "non_registered": 0.02}),
    `populations` the households of each domain in the county, `per_village` the households
    taken per village and domain.  The villages are the most any domain needs, at least
    MIN_VILLAGES (and at most the county's); each domain's households follow.
    """
    if not 0 < half_width < 0.5:
        raise PlanError("目标精度（置信区间半宽）须在 0 到 0.5 之间")
    if per_village < 1:
        raise PlanError("每村每层抽取户数须为正整数")
    if villages_in_county < 1:
        raise PlanError("全县村数须为正整数")
    if not 0 <= icc < 1:
        raise PlanError("村内相关系数须在 0 到 1 之间")
    plans = []
    villages = min(MIN_VILLAGES, villages_in_county)
    for name, rate in rates.items():
        if not 0 < rate < 1:
            raise PlanError(f"预期比率（{name}）须在 0 到 1 之间（不含端点）")
        population = populations.get(name, 0)
        if population < 1:
            raise PlanError(f"全县户数（{name}）须为正整数")
        plan, needed = _domain(
            name, rate, population, villages_in_county, per_village, half_width, icc, level
        )
        plans.append(plan)
        villages = max(villages, needed)
    # Every domain is sampled in the same villages: its sample is villages x per_village.
    final = []
    for plan in plans:
        taken = max(plan.households, min(plan.population, villages * per_village))
        ci = expected_interval(plan.rate, taken, plan.population, plan.deff, level)
        reached = (ci[1] - ci[0]) / 2 <= half_width
        final.append(dataclasses.replace(plan, households=taken, ci=ci, reached=reached))
    return SamplePlan(
        villages=villages,
        domains=tuple(final),
        half_width=half_width,
        level=level,
        icc=icc,
    )
