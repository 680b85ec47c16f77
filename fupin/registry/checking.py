"""The registry checks (平台8个准) on the database: a region's households read into the pure
input of fupin.checks in chunks, the rules run, and the XLSX report of what they flag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.db.models import QuerySet

from fupin.checks import (
    CheckData,
    CheckResult,
    EventColumns,
    HouseholdColumns,
    LedgerColumns,
    PersonColumns,
    Rule,
    encode,
    encode_causes,
    run_checks,
)
from fupin.checks.data import EVENT_KINDS, HEALTH, SCHOOL_STATUSES, STATUSES
from fupin.files.sheets import Sheet, write_xlsx
from fupin.policy import PolicyError, idnumber
from fupin.regions.models import Level, Region
from fupin.registry.models import Household, Person, Relation, StatusEvent
from fupin.registry.standards import own_standard_codes, registry_standards

CHUNK = 20_000
# Regions the pages and the API check on request: a county reads and checks in seconds. A city or
# a province is checked county by county (`fupin check` runs any region from the command line).
ON_REQUEST_LEVELS = frozenset({Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE})
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


def region_households(
    region_code: str | None, households: QuerySet[Household] | None = None
) -> tuple[Region | None, Any]:
    """The region and its households; `households` (a user's scope) narrows them when given."""
    qs = Household.objects.all() if households is None else households
    if not region_code:
        return None, qs
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise CheckError(f"行政区划代码 {region_code} 不存在")
    return region, qs.filter(village__code__startswith=region.prefix)


# --- the optional ledgers: other apps' records as check input ------------------------------------


@dataclass(frozen=True)
class CheckInput:
    """What a check input source reads: the households' primary keys (sorted: their rows), their
    columns and queryset, and the first exit year the public-notice rule checks (None: the source
    works it out)."""

    ids: np.ndarray
    households: HouseholdColumns
    queryset: Any
    notices_since: int | None


# The apps whose records are check input register a source in their AppConfig.ready (assistance
# its three ledgers, exits the public notices of household exits), so that the registry imports
# neither: each returns CheckData fields by name.
CheckInputSource = Callable[[CheckInput], dict[str, LedgerColumns | None]]
_INPUT_SOURCES: list[CheckInputSource] = []


def check_input_source(source: CheckInputSource) -> CheckInputSource:
    if source not in _INPUT_SOURCES:
        _INPUT_SOURCES.append(source)
    return source


def ledger_columns(ids: np.ndarray, rows: Iterable[tuple[int, int]]) -> LedgerColumns:
    """(household primary key, year) rows as the checks' ledger input."""
    h, y = _columns(rows, 2)
    return LedgerColumns(household=_rows_of(ids, h), year=_ints(y))


def load_check_data(
    *,
    region_code: str | None = None,
    year: int | None = None,
    households: QuerySet[Household] | None = None,
    notices_since: int | None = None,
) -> tuple[Region | None, CheckData, np.ndarray]:
    """The pure input for one region (or the whole registry) and the households' primary keys.

    `year` (the registry's "as of" year) defaults to the latest income year recorded;
    `households` (a user's scope, `households_for(user)`) limits what is read; `notices_since`
    is the first exit year the public-notice rule checks (see
    `exits.selectors.exit_notice_check_input`).
    """
    region, households = region_households(region_code, households)
    rows = households.order_by("id").values_list(*HOUSEHOLD_FIELDS).iterator(chunk_size=CHUNK)
    c = dict(zip(HOUSEHOLD_FIELDS, _columns(rows, len(HOUSEHOLD_FIELDS)), strict=True))
    ids = np.array(c["id"], dtype=np.int64)
    standards = registry_standards()
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
        own_standard=own_standard_codes(households, ids, standards),
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
    found = CheckInput(ids=ids, households=hh, queryset=households, notices_since=notices_since)
    extra: dict[str, LedgerColumns | None] = {}
    for source in _INPUT_SOURCES:  # plans, measures, visits; exit_notices
        extra.update(source(found))
    data = CheckData(
        households=hh,
        persons=persons,
        year=year,
        events=events,
        standards=standards,
        **extra,  # type: ignore[arg-type]
    )
    return region, data, ids


def registry_check(
    *,
    region_code: str | None = None,
    year: int | None = None,
    rules: Sequence[Rule] | None = None,
    households: QuerySet[Household] | None = None,
    notices_since: int | None = None,
) -> RegionCheck:
    region, data, ids = load_check_data(
        region_code=region_code, year=year, households=households, notices_since=notices_since
    )
    try:
        result = run_checks(data, rules)
    except PolicyError as exc:  # a year the poverty-line table does not cover
        raise CheckError(str(exc)) from None
    return RegionCheck(region=region, year=data.year, household_ids=ids, result=result)


@dataclass(frozen=True)
class FlaggedHousehold:
    """One flagged household with its flags (rule id, rule title, reason), ID numbers masked."""

    household_no: str
    flags: tuple[tuple[str, str, str], ...]


def flagged_households(result: CheckResult, rule_id: str = "") -> list[FlaggedHousehold]:
    """The flagged households in household-number order (only those `rule_id` flags, when given),
    each with every flag it carries (or that rule's only)."""
    out: list[FlaggedHousehold] = []
    for no, rid, title, reason in result.rows():
        if rule_id and rid != rule_id:
            continue
        flag = (rid, title, str(idnumber.mask_all(reason)))
        if out and out[-1].household_no == no:
            out[-1] = FlaggedHousehold(no, (*out[-1].flags, flag))
        else:
            out.append(FlaggedHousehold(no, (flag,)))
    return out


def household_villages(household_nos: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Village code and name of each household number (for one page of flagged households)."""
    rows = Household.objects.filter(household_no__in=list(household_nos)).values_list(
        "household_no", "village__code", "village__name"
    )
    return {no: (code, name) for no, code, name in rows}


def write_check_xlsx(path: Path | IO[bytes], check: RegionCheck) -> None:
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

    summary: list[list[Any]] = [
        [r.id, r.title, r.accuracy, r.flagged if r.ran else "未运行", "" if r.ran else "无数据"]
        for r in result.rules
    ]
    summary.append(["", "问题户合计（去重）", "", result.households_flagged, ""])

    def detail() -> Iterator[list[Any]]:
        for no, rule_id, title, reason in result.rows():
            vcode, village = info.get(no, ("", ""))
            head, pid = heads.get(no, ("", ""))
            yield [no, vcode, village, head, pid, rule_id, title, idnumber.mask_all(reason)]

    write_xlsx(
        path,
        [
            Sheet(
                "规则汇总",
                ["规则编号", "规则", "八个准", "问题户数", "说明"],
                summary,
                [30, 40, 16, 10, 10],
            ),
            Sheet(
                "问题户",
                ["户编号", "村代码", "村", "户主", "户主身份证号", "规则编号", "规则", "原因"],
                detail(),
                [18, 14, 12, 10, 20, 30, 36, 60],
            ),
        ],
    )
