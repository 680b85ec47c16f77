"""Members of the synthetic households: relations, ages, sexes, schooling, health and labour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fupin.synth.arrow import id_numbers
from fupin.synth.households import TEKUN, Households
from fupin.synth.names import full_names, given_names, surnames

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, SIBLING, OTHER = range(7)
EDUCATION = ("none", "primary", "junior", "senior", "college")
NONE_EDU, PRIMARY, JUNIOR, SENIOR, COLLEGE = range(5)
SCHOOL_STATUS = ("not_school_age", "in_school", "dropped_out", "graduated")
NOT_SCHOOL_AGE, IN_SCHOOL, DROPPED_OUT, GRADUATED = range(4)
HEALTH = ("healthy", "chronic", "serious", "disabled")
HEALTHY, CHRONIC, SERIOUS, DISABLED = range(4)
LABOUR = ("normal", "weak", "none", "not_working_age")
NORMAL, WEAK, NO_LABOUR, NOT_WORKING_AGE = range(4)

# Relation of members other than head and spouse, by the head's age band (<40, 40-57, 58+):
# child, parent, grandchild, sibling, other (mostly children-in-law).
OTHER_RELATIONS = np.array([CHILD, PARENT, GRANDCHILD, SIBLING, OTHER])
OTHER_RELATION_PMF = np.array(
    [
        [0.72, 0.22, 0.00, 0.04, 0.02],
        [0.70, 0.14, 0.08, 0.03, 0.05],
        [0.45, 0.02, 0.38, 0.03, 0.12],
    ]
)
# Education of adults (23+) by age band (23-39, 40-59, 60+): none .. college.
ADULT_EDUCATION_PMF = np.array(
    [
        [0.03, 0.15, 0.52, 0.20, 0.10],
        [0.12, 0.38, 0.38, 0.10, 0.02],
        [0.45, 0.40, 0.12, 0.03, 0.00],
    ]
)
# Health by age band (<16, 16-59, 60+), registered households then the others.
HEALTH_PMF = np.array(
    [
        [0.95, 0.02, 0.01, 0.02],
        [0.78, 0.12, 0.04, 0.06],
        [0.45, 0.38, 0.07, 0.10],
        [0.98, 0.01, 0.003, 0.007],
        [0.90, 0.07, 0.01, 0.02],
        [0.60, 0.32, 0.03, 0.05],
    ]
)
DISABILITY_GRADE_PMF = np.array([0.15, 0.25, 0.30, 0.30])  # grades 1 (most severe) .. 4


def draw(rng: np.random.Generator, table: FloatArray, group: IntArray) -> IntArray:
    """One categorical draw per row, with the probabilities of the row's group."""
    cum = np.cumsum(table, axis=1)
    cum[:, -1] = 1.0
    out: IntArray = (rng.random(len(group))[:, None] >= cum[group]).sum(axis=1)
    return out


@dataclass
class Persons:
    household: IntArray
    position: IntArray
    relation: IntArray
    male: BoolArray
    age: IntArray  # completed years at the end of the registry year
    birth: npt.NDArray[np.datetime64]
    name: npt.NDArray[np.str_]
    education: IntArray
    school_status: IntArray
    health: IntArray
    disability_grade: IntArray
    labour: IntArray
    months_away: IntArray
    insured: BoolArray
    deceased: BoolArray
    id_number: npt.NDArray[np.uint8]  # (n, 18) ASCII

    def __len__(self) -> int:
        return len(self.household)

    def take(self, index: IntArray) -> Persons:
        return Persons(**{k: v[index] for k, v in vars(self).items()})


def make_persons(hh: Households, county6: str, year: int, rng: np.random.Generator) -> Persons:
    n_hh = len(hh)
    size = hh.size
    household = np.repeat(np.arange(n_hh), size)
    n = len(household)
    first = np.cumsum(size) - size
    position = np.arange(n, dtype=np.int64) - first[household]

    tekun = hh.attribute == TEKUN
    head_age = np.clip(rng.normal(np.where(hh.registered, 49.0, 47.0), 12.0), 22, 85)
    head_age = np.where(size <= 2, np.clip(head_age + 8.0, 22, 90), head_age)
    head_age = np.where(tekun, rng.uniform(58, 90, n_hh), head_age)
    head_male = rng.random(n_hh) < np.where(tekun, 0.7, 0.88)
    has_spouse = (size >= 2) & (rng.random(n_hh) < np.where(head_age < 75, 0.88, 0.6))

    h_age = head_age[household]
    band = np.where(h_age < 40, 0, np.where(h_age < 58, 1, 2))
    relation = OTHER_RELATIONS[draw(rng, OTHER_RELATION_PMF, band)]
    size_p = size[household]
    relation = np.where((relation == PARENT) & (position < size_p - 2), CHILD, relation)
    relation = np.where((relation == GRANDCHILD) & (h_age < 42), CHILD, relation)
    relation = np.where((position == 1) & has_spouse[household], SPOUSE, relation)
    relation = np.where(position == 0, HEAD, relation)

    u = rng.random(n)
    child_age = h_age - (20 + 14 * u)
    child_age = np.where(child_age < 0, u * np.maximum(h_age - 18, 1), child_age)
    by_relation = np.select(
        [
            relation == HEAD,
            relation == SPOUSE,
            relation == CHILD,
            relation == PARENT,
            relation == GRANDCHILD,
            relation == SIBLING,
        ],
        [
            h_age,
            np.maximum(h_age + rng.normal(-2.0, 3.0, n), 18),
            child_age,
            np.minimum(h_age + 22 + 10 * u, 98),
            np.maximum(h_age - (44 + 18 * u), u * 5),
            np.clip(h_age + rng.normal(0.0, 6.0, n), 16, 95),
        ],
        default=np.maximum(h_age - (20 + 14 * u), 16 + 10 * u),
    )
    age_days = np.floor(by_relation * 365.25 + rng.random(n) * 365).astype(np.int64)
    as_of = np.datetime64(f"{year}-12-31")
    birth = as_of - age_days.astype("timedelta64[D]")
    birth = np.maximum(birth, np.datetime64("1920-01-01"))
    age = ((as_of - birth).astype(np.int64) / 365.25).astype(np.int64)

    male = rng.random(n) < 0.52
    male = np.where(relation == HEAD, head_male[household], male)
    male = np.where(relation == SPOUSE, ~head_male[household], male)

    family = surnames(rng, n_hh)[household]
    own = surnames(rng, n)
    keeps = (relation == HEAD) | (
        ((relation == CHILD) | (relation == GRANDCHILD) | (relation == SIBLING))
        & (rng.random(n) < 0.92)
    )
    name = full_names(np.where(keeps, family, own), given_names(rng, male))

    education = np.zeros(n, np.int64)
    school = np.full(n, NOT_SCHOOL_AGE, np.int64)
    compulsory = (age >= 6) & (age <= 15)
    education = np.where(compulsory, np.where(age < 12, PRIMARY, JUNIOR), education)
    school = np.where(compulsory, IN_SCHOOL, school)
    teen = (age >= 16) & (age <= 18)
    teen_in = teen & (rng.random(n) < np.where(hh.registered[household], 0.5, 0.6))
    education = np.where(teen, np.where(teen_in, SENIOR, JUNIOR), education)
    school = np.where(teen, np.where(teen_in, IN_SCHOOL, GRADUATED), school)
    young = (age >= 19) & (age <= 22)
    young_in = young & (rng.random(n) < 0.15)
    young_edu = np.where(rng.random(n) < 0.4, SENIOR, JUNIOR)
    education = np.where(young, np.where(young_in, COLLEGE, young_edu), education)
    school = np.where(young, np.where(young_in, IN_SCHOOL, GRADUATED), school)
    adult = age >= 23
    adult_band = np.where(age < 40, 0, np.where(age < 60, 1, 2))
    adult_edu = draw(rng, ADULT_EDUCATION_PMF, adult_band)
    education = np.where(adult, adult_edu, education)
    school = np.where(adult, np.where(adult_edu > NONE_EDU, GRADUATED, NOT_SCHOOL_AGE), school)

    age_band = np.where(age < 16, 0, np.where(age < 60, 1, 2))
    health = draw(rng, HEALTH_PMF, age_band + np.where(hh.registered[household], 0, 3))
    disability_grade = np.where(
        health == DISABLED, draw(rng, DISABILITY_GRADE_PMF[None, :], np.zeros(n, np.int64)) + 1, 0
    )
    working_age = (age >= 16) & (age < 65) & (school != IN_SCHOOL)
    v = rng.random(n)
    labour = np.select(
        [
            ~working_age,
            (health == SERIOUS) & (v < 0.6),
            health == SERIOUS,
            (health == DISABLED) & (disability_grade <= 2),
            health == DISABLED,
            (health == CHRONIC) & (v < 0.5),
            v < 0.05,
        ],
        [NOT_WORKING_AGE, NO_LABOUR, WEAK, NO_LABOUR, WEAK, WEAK, WEAK],
        default=NORMAL,
    )
    migrant_p = np.where(labour == NORMAL, np.where(hh.registered[household], 0.35, 0.45), 0.0)
    migrant_p = np.where(labour == WEAK, 0.05, migrant_p)
    migrant = (rng.random(n) < migrant_p) & (age < 60)
    months_away = np.where(migrant, rng.integers(3, 13, n), 0)

    return Persons(
        household=household,
        position=position,
        relation=relation.astype(np.int64),
        male=male,
        age=age,
        birth=birth,
        name=name,
        education=education.astype(np.int64),
        school_status=school.astype(np.int64),
        health=health,
        disability_grade=disability_grade.astype(np.int64),
        labour=labour.astype(np.int64),
        months_away=months_away.astype(np.int64),
        insured=np.ones(n, bool),
        deceased=np.zeros(n, bool),
        id_number=id_numbers(county6, birth, male, salt=int(rng.integers(0, 500))),
    )


def household_any(persons: Persons, mask: BoolArray, n_households: int) -> BoolArray:
    """Per household: does any member satisfy `mask`?"""
    out: BoolArray = np.bincount(persons.household[mask], minlength=n_households) > 0
    return out
