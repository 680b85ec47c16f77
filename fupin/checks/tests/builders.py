"""Small hand-built check inputs: a few households with members, every field valid by default."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fupin.checks import CheckData, HouseholdColumns, LedgerColumns, PersonColumns, encode
from fupin.checks.data import (
    EVENT_KINDS,
    HEALTH,
    SCHOOL_STATUSES,
    STATUSES,
    EventColumns,
    encode_causes,
)
from fupin.policy.idnumber import check_digit

YEAR = 2019
LINE = 3218.0


def id_number(serial: int, birth: str = "19800101") -> str:
    first17 = f"620121{birth}{serial:03d}"
    return first17 + check_digit(first17)


@dataclass
class Member:
    birth: str = "1980-01-01"
    health: str = "healthy"
    school_status: str = "graduated"
    insured: bool = True
    deceased: bool = False
    id_number: str | None = None


@dataclass
class House:
    status: str = "poor"
    registered: bool = True
    exited_year: int = 0
    main_cause: str = "capital"
    other_causes: str = ""
    per_capita: float = 0.8 * LINE
    size: int | None = None  # default: number of members
    total: float | None = None  # default: per_capita * size, split over the four parts
    ok: dict[str, bool] = field(default_factory=dict)
    members: list[Member] = field(default_factory=lambda: [Member(), Member(birth="1982-05-05")])


def build(houses: list[House], **optional: Any) -> CheckData:
    n = len(houses)
    sizes = [h.size if h.size is not None else len(h.members) for h in houses]
    totals = [
        h.total if h.total is not None else round(h.per_capita * s)
        for h, s in zip(houses, sizes, strict=True)
    ]
    parts = np.array([[t * 0.5, t * 0.3, t * 0.05, t * 0.15] for t in totals])
    guar = {
        g: np.array([h.ok.get(g, True) for h in houses])
        for g in ("food", "clothing", "education", "medical", "housing", "water")
    }
    hh = HouseholdColumns(
        household_no=np.array([f"620121100201{i:04d}" for i in range(1, n + 1)]),
        registered=np.array([h.registered for h in houses]),
        status=encode([h.status for h in houses], STATUSES),
        exited_year=np.array([h.exited_year for h in houses], np.int64),
        causes=encode_causes([h.main_cause for h in houses], [h.other_causes for h in houses]),
        income_year=np.full(n, YEAR, np.int64),
        income_wages=parts[:, 0],
        income_business=parts[:, 1],
        income_property=parts[:, 2],
        income_transfers=parts[:, 3],
        income_total=np.array(totals, float),
        income_per_capita=np.array([h.per_capita for h in houses], float),
        food_ok=guar["food"],
        clothing_ok=guar["clothing"],
        education_ok=guar["education"],
        medical_ok=guar["medical"],
        housing_ok=guar["housing"],
        water_ok=guar["water"],
        size=np.array(sizes, np.int64),
    )
    rows = [(i, m) for i, h in enumerate(houses) for m in h.members]
    persons = PersonColumns(
        household=np.array([i for i, _ in rows], np.int64),
        id_number=np.array(
            [m.id_number or id_number(k) for k, (_, m) in enumerate(rows)], dtype=str
        ),
        health=encode([m.health for _, m in rows], HEALTH),
        school_status=encode([m.school_status for _, m in rows], SCHOOL_STATUSES),
        birth_date=np.array([m.birth for _, m in rows], dtype="datetime64[D]"),
        insured=np.array([m.insured for _, m in rows], bool),
        deceased=np.array([m.deceased for _, m in rows], bool),
    )
    return CheckData(households=hh, persons=persons, year=YEAR, **optional)


def ledger(households: list[int], years: list[int] | None = None) -> LedgerColumns:
    return LedgerColumns(
        household=np.array(households, np.int64),
        year=np.array(years if years is not None else [YEAR] * len(households), np.int64),
    )


def events(rows: list[tuple[int, str, int]]) -> EventColumns:
    return EventColumns(
        household=np.array([r[0] for r in rows], np.int64),
        kind=encode([r[1] for r in rows], EVENT_KINDS),
        year=np.array([r[2] for r in rows], np.int64),
    )
