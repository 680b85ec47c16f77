"""Causes of poverty, income by source and 两不愁三保障 as the registry records them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fupin.policy.causes import DISABILITY, ILLNESS, SCHOOLING
from fupin.policy.causes import LABOUR as LABOUR_CAUSE
from fupin.synth.households import DIBAO, EXITED, ORDINARY, TEKUN, Households
from fupin.synth.persons import (
    CHRONIC,
    DISABLED,
    DROPPED_OUT,
    IN_SCHOOL,
    NORMAL,
    SERIOUS,
    Persons,
    household_any,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Weight of each cause for any household; composition adds weight below.
BASE_CAUSE_WEIGHTS = np.array(
    [0.0, 0.0, 0.0, 0.0, 0.05, 0.05, 0.04, 0.24, 0.06, 0.22, 0.05, 0.05, 0.03]
)
ILLNESS_WEIGHT = 2.5
DISABILITY_WEIGHT = 0.35
SCHOOLING_WEIGHT = 0.18
LABOUR_WEIGHT = 0.5
# Dirichlet weights of wages, business, property, transfers by kind of household.
INCOME_ALPHA = {
    "ordinary_exited": np.array([8.0, 4.0, 0.4, 2.6]),
    "ordinary_poor": np.array([4.0, 4.0, 0.3, 3.5]),
    "dibao": np.array([3.0, 2.5, 0.2, 6.0]),
    "tekun": np.array([0.3, 0.6, 0.1, 10.0]),
    "other": np.array([9.0, 5.0, 0.6, 1.8]),
}


@dataclass
class Causes:
    main: IntArray
    second: IntArray  # 0 = none
    third: IntArray
    has_sick: BoolArray
    has_disabled: BoolArray
    has_student: BoolArray


@dataclass
class Income:
    wages: FloatArray
    business: FloatArray
    property: FloatArray
    transfers: FloatArray
    policy_transfers: FloatArray
    total: FloatArray
    per_capita: FloatArray


@dataclass
class Guarantees:
    food: BoolArray
    clothing: BoolArray
    education: BoolArray
    medical: BoolArray
    housing: BoolArray
    water: BoolArray


def _pick(rng: np.random.Generator, weights: FloatArray) -> IntArray:
    """A column index per row with probability proportional to the row's weights (0 if none)."""
    total = weights.sum(axis=1, keepdims=True)
    cum = np.cumsum(weights, axis=1) / np.where(total > 0, total, 1.0)
    out: IntArray = (rng.random(len(weights))[:, None] >= cum).sum(axis=1)
    return np.where(total[:, 0] > 0, np.minimum(out, weights.shape[1] - 1), 0)


def assign_causes(hh: Households, persons: Persons, rng: np.random.Generator) -> Causes:
    """Main and up to two other causes, consistent with who lives in the household."""
    n = len(hh)
    has_sick = household_any(persons, (persons.health == CHRONIC) | (persons.health == SERIOUS), n)
    has_disabled = household_any(persons, persons.health == DISABLED, n)
    has_student = household_any(persons, persons.school_status == IN_SCHOOL, n)
    has_labour = household_any(persons, persons.labour == NORMAL, n)
    w = np.tile(BASE_CAUSE_WEIGHTS, (n, 1))
    w[:, ILLNESS] = np.where(has_sick, ILLNESS_WEIGHT, 0.0)
    w[:, DISABILITY] = np.where(has_disabled, DISABILITY_WEIGHT, 0.0)
    w[:, SCHOOLING] = np.where(has_student, SCHOOLING_WEIGHT, 0.0)
    w[:, LABOUR_CAUSE] += np.where(has_labour, 0.0, LABOUR_WEIGHT)
    rows = np.arange(n)
    main = _pick(rng, w)
    w[rows, main] = 0.0
    second = np.where(rng.random(n) < 0.55, _pick(rng, w), 0)
    w[rows, second] = 0.0
    third = np.where((second > 0) & (rng.random(n) < 0.4), _pick(rng, w), 0)
    registered = hh.registered
    return Causes(
        main=np.where(registered, main, 0),
        second=np.where(registered, second, 0),
        third=np.where(registered, third, 0),
        has_sick=has_sick,
        has_disabled=has_disabled,
        has_student=has_student,
    )


def assign_guarantees(
    hh: Households, persons: Persons, rng: np.random.Generator
) -> tuple[Guarantees, BoolArray]:
    """Registry view of 两不愁三保障 and water; the members' records are made to agree.

    Exited and non-registered households have every guarantee met (the registry says so);
    some still-poor households do not. Returns also which households have a child of
    compulsory-school age (6-15), the only ones whose education guarantee can fail.
    """
    n = len(hh)
    schoolage = (persons.age >= 6) & (persons.age <= 15)
    has_schoolage = household_any(persons, schoolage, n)
    poor = hh.registered & (hh.status != EXITED)

    def fails(p: float) -> BoolArray:
        out: BoolArray = poor & (rng.random(n) < p)
        return out

    education = ~(fails(0.04) & has_schoolage)
    medical = ~fails(0.03)
    g = Guarantees(
        food=~fails(0.01),
        clothing=~fails(0.01),
        education=education,
        medical=medical,
        housing=~fails(0.12),
        water=~fails(0.08),
    )
    member_hh = persons.household
    persons.school_status = np.where(
        schoolage & ~education[member_hh], DROPPED_OUT, persons.school_status
    )
    persons.insured = persons.insured & medical[member_hh]
    return g, has_schoolage


def assign_income(
    hh: Households,
    line: float,
    near_line: BoolArray,
    roster_low: BoolArray,
    rng: np.random.Generator,
) -> Income:
    """Registry income by source for the registry year, rounded to the yuan.

    `near_line` marks exited households recorded just above the line (wrong exits by
    income); `roster_low` non-registered households whose roster income is modest (missed).
    """
    n = len(hh)
    exited = hh.status == EXITED
    poor = hh.registered & ~exited
    lognormal = np.exp(rng.normal(0.0, 1.0, n))
    pc = np.select(
        [near_line, exited, poor & (rng.random(n) < 0.85), poor, roster_low],
        [
            line * rng.uniform(1.02, 1.2, n),
            line * (1.15 + 1.35 * lognormal**0.5),
            line * (0.45 + 0.52 * rng.beta(3.0, 2.0, n)),
            line * rng.uniform(1.0, 1.25, n),
            line * rng.uniform(1.1, 1.6, n),
        ],
        default=line * (1.3 + 1.5 * lognormal**0.6),
    )
    kind = np.select(
        [
            hh.attribute == TEKUN,
            hh.attribute == DIBAO,
            (hh.attribute == ORDINARY) & exited,
            hh.attribute == ORDINARY,
        ],
        [3, 2, 0, 1],
        default=4,
    )
    alpha = np.stack(
        [
            INCOME_ALPHA["ordinary_exited"],
            INCOME_ALPHA["ordinary_poor"],
            INCOME_ALPHA["dibao"],
            INCOME_ALPHA["tekun"],
            INCOME_ALPHA["other"],
        ]
    )[kind]
    shares = rng.gamma(alpha)
    shares /= shares.sum(axis=1, keepdims=True)
    total_target = pc * hh.size
    parts = np.round(shares * total_target[:, None])
    # Rounding must not move a household across the line: put the difference into wages.
    parts[:, 0] += np.round(total_target) - parts.sum(axis=1)
    negative = parts[:, 0] < 0
    parts[negative, 3] += parts[negative, 0]
    parts[negative, 0] = 0.0
    policy_share = np.where(hh.registered, rng.uniform(0.6, 0.95, n), rng.uniform(0.2, 0.6, n))
    policy = np.round(parts[:, 3] * policy_share)
    total = parts.sum(axis=1)
    return Income(
        wages=parts[:, 0],
        business=parts[:, 1],
        property=parts[:, 2],
        transfers=parts[:, 3],
        policy_transfers=policy,
        total=total,
        per_capita=np.round(total / hh.size, 2),
    )
