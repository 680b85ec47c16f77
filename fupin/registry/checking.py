"""The registry checks (平台8个准) on the database: a region's households read into the pure
input of fupin.checks in chunks, the rules run, and the XLSX report of what they flag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook

from fupin.checks import (
    CheckData,
    CheckResult,
    EventColumns,
    HouseholdColumns,
    PersonColumns,
    Rule,
    encode,
    encode_causes,
    run_checks,
)
from fupin.checks.data import EVENT_KINDS, HEALTH, SCHOOL_STATUSES, STATUSES
from fupin.policy import idnumber
from fupin.regions.models import Region
from fupin.registry.models import Household, Person, Relation, StatusEvent

CHUNK = 20_000
HOUSEHOLD_FIELDS = (
    "id",
    "household_no",
    "registered",
    "status",
    "exited_year",
    "main_cause",
    "other_causes",
    "income_year",
    "income_wages",
    "income_business",
    "income_property",
    "income_transfers",
    "income_total",
    "income_per_capita",
    "food_ok",
    "clothing_ok",
    "education_ok",
    "medical_ok",
    "housing_ok",
    "water_ok",
    "size",
)
PERSON_FIELDS = (
    "household_id",
    "id_number",
    "health",
    "school_status",
    "birth_date",
    "insured",
    "deceased",
)


class CheckError(ValueError):
    """A check that cannot be run as asked; the message is for the user."""


@dataclass(frozen=True)
class RegionCheck:
    """The result of the checks over one region, with the primary keys of the checked rows."""

    region: Region | None
    year: int
    household_ids: np.ndarray
    result: CheckResult


def _columns(rows: Iterable[tuple[Any, ...]], width: int) -> list[list[Any]]:
    cols: list[list[Any]] = [[] for _ in range(width)]
    for row in rows:
        for col, value in zip(cols, row, strict=True):
            col.append(value)
    return cols


def _ints(values: Sequence[Any]) -> np.ndarray:
    return np.array([v or 0 for v in values], dtype=np.int64)


def _floats(values: Sequence[Any]) -> np.ndarray:
    return np.array([v or 0.0 for v in values], dtype=np.float64)


def _bools(values: Sequence[Any]) -> np.ndarray:
    return np.array(values, dtype=bool)


def _rows_of(ids: np.ndarray, wanted: Sequence[int]) -> np.ndarray:
    w = np.array(wanted, dtype=np.int64)
    pos = np.searchsorted(ids, w)
    if len(w) and (pos.max() >= len(ids) or not (ids[pos] == w).all()):
        raise CheckError("a member or event belongs to a household outside the region")
    return pos.astype(np.int64)


def region_households(region_code: str | None) -> tuple[Region | None, Any]:
    qs = Household.objects.all()
    if not region_code:
        return None, qs
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise CheckError(f"行政区划代码 {region_code} 不存在")
    return region, qs.filter(village__code__startswith=region.prefix)


def load_check_data(
    *, region_code: str | None = None, year: int | None = None
) -> tuple[Region | None, CheckData, np.ndarray]:
    """The pure input for one region (or the whole registry) and the households' primary keys.

    `year` (the registry's "as of" year) defaults to the latest income year recorded.
    """
    region, households = region_households(region_code)
    rows = households.order_by("id").values_list(*HOUSEHOLD_FIELDS).iterator(chunk_size=CHUNK)
    c = dict(zip(HOUSEHOLD_FIELDS, _columns(rows, len(HOUSEHOLD_FIELDS)), strict=True))
    ids = np.array(c["id"], dtype=np.int64)
    hh = HouseholdColumns(
        household_no=np.array(c["household_no"], dtype=str),
        registered=_bools(c["registered"]),
        status=encode(c["status"], STATUSES),
        exited_year=_ints(c["exited_year"]),
        causes=encode_causes(c["main_cause"], c["other_causes"]),
        income_year=_ints(c["income_year"]),
        **{
            name: _floats(c[name])
            for name in HOUSEHOLD_FIELDS
            if name.startswith("income_") and name != "income_year"
        },
        **{name: _bools(c[name]) for name in HOUSEHOLD_FIELDS if name.endswith("_ok")},
        size=_ints(c["size"]),
    )
    if year is None:
        year = (
            int(hh.income_year.max())
            if len(hh) and hh.income_year.max() > 0
            else dt.date.today().year
        )

    people = Person.objects.filter(household__in=households.values("id"))
    prow = (
        people.order_by("household_id", "id").values_list(*PERSON_FIELDS).iterator(chunk_size=CHUNK)
    )
    p = dict(zip(PERSON_FIELDS, _columns(prow, len(PERSON_FIELDS)), strict=True))
    persons = PersonColumns(
        household=_rows_of(ids, p["household_id"]),
        id_number=np.array(p["id_number"], dtype=str),
        health=encode(p["health"], HEALTH),
        school_status=encode(p["school_status"], SCHOOL_STATUSES),
        birth_date=np.array(p["birth_date"], dtype="datetime64[D]"),
        insured=_bools(p["insured"]),
        deceased=_bools(p["deceased"]),
    )
    erow = (
        StatusEvent.objects.filter(household__in=households.values("id"))
        .values_list("household_id", "kind", "year")
        .iterator(chunk_size=CHUNK)
    )
    e = _columns(erow, 3)
    events = EventColumns(
        household=_rows_of(ids, e[0]), kind=encode(e[1], EVENT_KINDS), year=_ints(e[2])
    )
    # Plans, measures, visits and exit notices are not in the database yet: the rules that
    # need them report "not run".
    data = CheckData(households=hh, persons=persons, year=year, events=events)
    return region, data, ids


def registry_check(
    *, region_code: str | None = None, year: int | None = None, rules: Sequence[Rule] | None = None
) -> RegionCheck:
    region, data, ids = load_check_data(region_code=region_code, year=year)
    return RegionCheck(
        region=region, year=data.year, household_ids=ids, result=run_checks(data, rules)
    )


def write_check_xlsx(path: Path, check: RegionCheck) -> None:
    """Sheet 规则汇总: one row per rule with its count; sheet 问题户: one row per flag, with the
    household's village and head (ID number masked) and the reason."""
    result = check.result
    flagged = result.flagged_rows
    pks = check.household_ids[flagged].tolist()
    info: dict[str, tuple[str, str]] = {}
    heads: dict[str, tuple[str, str]] = {}
    for i in range(0, len(pks), CHUNK):
        part = pks[i : i + CHUNK]
        for no, village, vcode in Household.objects.filter(id__in=part).values_list(
            "household_no", "village__name", "village__code"
        ):
            info[no] = (vcode, village)
        for no, name, pid in Person.objects.filter(
            household_id__in=part, relation=Relation.HEAD
        ).values_list("household__household_no", "name", "id_number"):
            heads.setdefault(no, (name, idnumber.mask(pid)))

    wb = Workbook(write_only=True)
    summary = wb.create_sheet("规则汇总")
    summary.append(["规则编号", "规则", "八个准", "问题户数", "说明"])
    for r in result.rules:
        summary.append(
            [r.id, r.title, r.accuracy, r.flagged if r.ran else "未运行", "" if r.ran else "无数据"]
        )
    summary.append(["", "问题户合计（去重）", "", result.households_flagged, ""])
    detail = wb.create_sheet("问题户")
    detail.append(["户编号", "村代码", "村", "户主", "户主身份证号", "规则编号", "规则", "原因"])
    for no, rule_id, title, reason in result.rows():
        vcode, village = info.get(no, ("", ""))
        head, pid = heads.get(no, ("", ""))
        detail.append([no, vcode, village, head, pid, rule_id, title, idnumber.mask_all(reason)])
    wb.save(path)
