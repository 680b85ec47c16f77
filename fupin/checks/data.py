"""The columnar input of the checks: households, members and the optional ledgers, as NumPy arrays.

Categorical columns are small integer codes into the vocabularies below (the registry's choice
values), so that ten million members fit in memory and compare in one vectorised pass; `encode`
turns strings into codes, and `from_arrow` reads the synthetic generator's tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fupin.policy.causes import CAUSES
from fupin.policy.lines import DEFAULT_LINES, PovertyLineTable
from fupin.policy.standards import DEFAULT_STANDARDS, Standard, own_standard_codes_of

IntArray = npt.NDArray[np.int64]
CodeArray = npt.NDArray[np.int8]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
AnyArray = npt.NDArray[Any]

STATUSES = ("", "poor", "exited", "returned", "removed")
NO_STATUS, POOR, EXITED, RETURNED, REMOVED = range(5)
HEALTH = ("", "healthy", "chronic", "serious", "disabled")
CHRONIC, SERIOUS, DISABLED = 2, 3, 4
SCHOOL_STATUSES = ("", "not_school_age", "in_school", "dropped_out", "graduated")
IN_SCHOOL, DROPPED_OUT = 2, 3
EVENT_KINDS = ("", "identified", "exited", "returned", "removed")
EXITED_EVENT = 2
GUARANTEES = ("food", "clothing", "education", "medical", "housing", "water")
GUARANTEE_TITLES = {
    "food": "不愁吃",
    "clothing": "不愁穿",
    "education": "义务教育有保障",
    "medical": "基本医疗有保障",
    "housing": "住房安全有保障",
    "water": "饮水安全有保障",
}


class DataError(ValueError):
    """The input arrays do not fit together (lengths, indices, unknown codes)."""


def encode(values: Sequence[object] | AnyArray, vocabulary: Sequence[str]) -> CodeArray:
    """Codes of `values` in `vocabulary` (None and "" are code 0); an unknown value is an error."""
    arr = np.asarray(values, dtype=object)
    if arr.size == 0:
        return np.zeros(0, np.int8)
    arr = np.where(arr == None, "", arr)  # noqa: E711 - elementwise comparison
    unique, inverse = np.unique(arr.astype(str), return_inverse=True)
    index = {v: i for i, v in enumerate(vocabulary)}
    unknown = [str(u) for u in unique if str(u) not in index]
    if unknown:
        raise DataError(f"unknown values {unknown[:5]} (expected one of {list(vocabulary)})")
    lut = np.array([index[str(u)] for u in unique], dtype=np.int8)
    out: CodeArray = lut[inverse.reshape(-1)]
    return out


def encode_causes(
    main: Sequence[object] | AnyArray, other: Sequence[object] | AnyArray
) -> CodeArray:
    """An (n, 3) code matrix: the main cause, then up to two others written "a,b" (or "a、b")."""
    main_codes = encode(main, CAUSES)
    others = np.asarray(other, dtype=object)
    out = np.zeros((len(main_codes), 3), np.int8)
    out[:, 0] = main_codes
    if len(others) != len(main_codes):
        raise DataError("main and other causes differ in length")
    if len(others) == 0:
        return out
    others = np.where(others == None, "", others).astype(str)  # noqa: E711
    unique, inverse = np.unique(others, return_inverse=True)
    lut = np.zeros((len(unique), 2), np.int8)
    for i, text in enumerate(unique):
        parts = [p for p in str(text).replace("、", ",").split(",") if p][:2]
        lut[i, : len(parts)] = encode(parts, CAUSES)
    out[:, 1:] = lut[inverse.reshape(-1)]
    return out


def _check_lengths(obj: object, n: int, what: str) -> None:
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray) and len(value) != n:
            raise DataError(f"{what}.{f.name} has {len(value)} rows, expected {n}")


@dataclass(frozen=True)
class HouseholdColumns:
    """One row per household on the roster (registered or not). Years are 0 when unknown."""

    household_no: AnyArray
    registered: BoolArray
    status: CodeArray  # STATUSES
    exited_year: IntArray
    causes: CodeArray  # (n, 3): main, second, third (CAUSES; 0 = none)
    income_year: IntArray
    income_wages: FloatArray
    income_business: FloatArray
    income_property: FloatArray
    income_transfers: FloatArray
    income_total: FloatArray
    income_per_capita: FloatArray
    food_ok: BoolArray
    clothing_ok: BoolArray
    education_ok: BoolArray
    medical_ok: BoolArray
    housing_ok: BoolArray
    water_ok: BoolArray
    size: IntArray
    # The code of the standard each household was identified under (fupin.policy.standards;
    # "" for the national one); None when the input does not say (all national).
    own_standard: AnyArray | None = None

    def __post_init__(self) -> None:
        _check_lengths(self, len(self.household_no), "households")

    def __len__(self) -> int:
        return len(self.household_no)

    @property
    def in_registry(self) -> BoolArray:
        """Registered now: poor, exited or returned (a removed household is on the roster only)."""
        s = self.status
        out: BoolArray = self.registered & ((s == POOR) | (s == EXITED) | (s == RETURNED))
        return out

    @property
    def still_poor(self) -> BoolArray:
        out: BoolArray = self.registered & ((self.status == POOR) | (self.status == RETURNED))
        return out

    def has_cause(self, code: int) -> BoolArray:
        out: BoolArray = (self.causes == code).any(axis=1)
        return out


@dataclass(frozen=True)
class PersonColumns:
    """One row per member; `household` is the row of the member's household."""

    household: IntArray
    id_number: AnyArray
    health: CodeArray  # HEALTH
    school_status: CodeArray  # SCHOOL_STATUSES
    birth_date: npt.NDArray[np.datetime64]
    insured: BoolArray
    deceased: BoolArray

    def __post_init__(self) -> None:
        _check_lengths(self, len(self.household), "persons")

    def __len__(self) -> int:
        return len(self.household)

    def age_at_end_of(self, year: int, rows: IntArray | None = None) -> IntArray:
        """Completed years on 31 December of `year`, of every member or of those in `rows`."""
        end = np.datetime64(f"{year}-12-31")
        births = self.birth_date if rows is None else self.birth_date[rows]
        b = births.astype("datetime64[D]")
        years = b.astype("datetime64[Y]").astype(np.int64) + 1970
        had_birthday = (b - b.astype("datetime64[Y]")) <= (end - end.astype("datetime64[Y]"))
        out: IntArray = (year - years - (~had_birthday).astype(np.int64)).astype(np.int64)
        return out


@dataclass(frozen=True)
class EventColumns:
    """Status history rows (识别、脱贫、返贫、清退)."""

    household: IntArray
    kind: CodeArray  # EVENT_KINDS
    year: IntArray

    def __post_init__(self) -> None:
        _check_lengths(self, len(self.household), "events")


@dataclass(frozen=True)
class LedgerColumns:
    """Rows of a per-household ledger: plans, measures, visits or exit notices, with their year."""

    household: IntArray
    year: IntArray

    def __post_init__(self) -> None:
        _check_lengths(self, len(self.household), "ledger")


OPTIONAL_INPUTS = ("events", "plans", "measures", "visits", "exit_notices")


@dataclass(frozen=True)
class CheckData:
    """Everything the rules read. `year` is the registry's "as of" year; ledgers are optional,
    and a rule that needs one that is None is reported as not run, never as flagging everyone."""

    households: HouseholdColumns
    persons: PersonColumns
    year: int
    events: EventColumns | None = None
    plans: LedgerColumns | None = None
    measures: LedgerColumns | None = None
    visits: LedgerColumns | None = None
    exit_notices: LedgerColumns | None = None
    lines: PovertyLineTable = DEFAULT_LINES
    # The identification standards `households.own_standard` names (the registry's: built-in
    # ones and those the province offices recorded).
    standards: tuple[Standard, ...] = DEFAULT_STANDARDS

    def __post_init__(self) -> None:
        n = len(self.households)
        for name in ("persons", *OPTIONAL_INPUTS):
            table = getattr(self, name)
            if table is None or len(table.household) == 0:
                continue
            h = table.household
            if h.min() < 0 or h.max() >= n:
                raise DataError(f"{name}.household points outside the {n} households")

    def has(self, name: str) -> bool:
        return getattr(self, name) is not None

    def members_any(self, mask: BoolArray) -> BoolArray:
        """Per household: does any member satisfy `mask`?"""
        out: BoolArray = (
            np.bincount(self.persons.household[mask], minlength=len(self.households)) > 0
        )
        return out

    def ledger_any(self, name: str, year: int | None = None) -> BoolArray:
        """Per household: is there a row in ledger `name` (in `year`, when given)?"""
        table: LedgerColumns | EventColumns | None = getattr(self, name)
        n = len(self.households)
        if table is None:
            return np.zeros(n, bool)
        h = table.household if year is None else table.household[table.year == year]
        out: BoolArray = np.bincount(h, minlength=n) > 0
        return out

    def income_line(self) -> FloatArray:
        """The national line of each household's income year (the registry year when unknown)."""
        years = np.where(self.households.income_year > 0, self.households.income_year, self.year)
        return self.lines.yuan_for(years)


# Reading the synthetic generator's Arrow tables


def _fixed_width(col: pa.Array | pa.ChunkedArray) -> AnyArray:
    """A string column as NumPy fixed-width bytes (cheap for ID and household numbers)."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if len(arr) == 0:
        return np.zeros(0, "S1")
    lengths = pc.binary_length(arr)
    lo, hi = pc.min_max(lengths).values()
    width = int(hi.as_py() or 0)
    if arr.null_count == 0 and lo.as_py() == width and width > 0 and pa.types.is_string(arr.type):
        data = arr.buffers()[2]
        assert data is not None
        start = arr.offset * width
        out: AnyArray = np.frombuffer(data, dtype=f"S{width}", count=len(arr), offset=start)
        return out
    return np.asarray(arr.to_numpy(zero_copy_only=False)).astype(str)


def _codes(col: pa.Array | pa.ChunkedArray, vocabulary: Sequence[str]) -> CodeArray:
    enc = pc.dictionary_encode(col)
    enc = enc.combine_chunks() if isinstance(enc, pa.ChunkedArray) else enc
    lut = encode(enc.dictionary.to_pylist(), vocabulary)
    idx = enc.indices.fill_null(0).to_numpy()
    out: CodeArray = lut[idx] if len(lut) else np.zeros(len(idx), np.int8)
    return out


def _num(table: pa.Table, name: str, dtype: type) -> AnyArray:
    return np.asarray(table.column(name).fill_null(0).to_numpy(), dtype=dtype)


def households_from_arrow(hh: pa.Table) -> HouseholdColumns:
    """The synthetic `households` table (fupin.synth) as check input."""
    other = pc.dictionary_encode(hh.column("other_causes")).combine_chunks()
    main = _codes(hh.column("main_cause"), CAUSES)
    other_lut = encode_causes(
        np.full(len(other.dictionary), "", object), other.dictionary.to_pylist()
    )
    causes = np.zeros((hh.num_rows, 3), np.int8)
    causes[:, 0] = main
    causes[:, 1:] = other_lut[other.indices.fill_null(0).to_numpy(), 1:]
    b = {
        g: np.asarray(hh.column(f"{g}_ok").to_numpy(zero_copy_only=False), bool) for g in GUARANTEES
    }
    return HouseholdColumns(
        household_no=_fixed_width(hh.column("household_no")),
        registered=np.asarray(hh.column("registered").to_numpy(zero_copy_only=False), bool),
        status=_codes(hh.column("status"), STATUSES),
        exited_year=_num(hh, "exited_year", np.int64),
        causes=causes,
        income_year=_num(hh, "income_year", np.int64),
        income_wages=_num(hh, "income_wages", np.float64),
        income_business=_num(hh, "income_business", np.float64),
        income_property=_num(hh, "income_property", np.float64),
        income_transfers=_num(hh, "income_transfers", np.float64),
        income_total=_num(hh, "income_total", np.float64),
        income_per_capita=_num(hh, "income_per_capita", np.float64),
        food_ok=b["food"],
        clothing_ok=b["clothing"],
        education_ok=b["education"],
        medical_ok=b["medical"],
        housing_ok=b["housing"],
        water_ok=b["water"],
        size=_num(hh, "size", np.int64),
    )


def _rows_of(
    household_no: pa.Array | pa.ChunkedArray, *wanted: pa.Array | pa.ChunkedArray
) -> list[IntArray]:
    """Row of each household number of each `wanted` column in the `household_no` column: one
    hash lookup for all of them, as building the hash costs more than probing it."""
    values = (
        household_no.combine_chunks() if isinstance(household_no, pa.ChunkedArray) else household_no
    )
    probes = pa.chunked_array(
        [c for w in wanted for c in (w.chunks if isinstance(w, pa.ChunkedArray) else [w])],
        type=values.type,
    )
    found = pc.index_in(probes, value_set=values)
    if found.null_count:
        raise DataError("a row refers to a household number not in the households table")
    rows = np.asarray(found.to_numpy(), dtype=np.int64)
    bounds = np.cumsum([len(w) for w in wanted])[:-1]
    return list(np.split(rows, bounds))


def persons_from_arrow(p: pa.Table, household: IntArray) -> PersonColumns:
    return PersonColumns(
        household=household,
        id_number=_fixed_width(p.column("id_number")),
        health=_codes(p.column("health"), HEALTH),
        school_status=_codes(p.column("school_status"), SCHOOL_STATUSES),
        birth_date=p.column("birth_date").to_numpy().astype("datetime64[D]"),
        insured=np.asarray(p.column("insured").to_numpy(zero_copy_only=False), bool),
        deceased=np.asarray(p.column("deceased").to_numpy(zero_copy_only=False), bool),
    )


def events_from_arrow(e: pa.Table, household: IntArray) -> EventColumns:
    return EventColumns(
        household=household,
        kind=_codes(e.column("kind"), EVENT_KINDS),
        year=_num(e, "year", np.int64),
    )


def from_arrow(
    households: pa.Table,
    persons: pa.Table,
    *,
    year: int,
    events: pa.Table | None = None,
    standards: tuple[Standard, ...] = DEFAULT_STANDARDS,
) -> CheckData:
    """Check input from one synthetic county's (or several concatenated) registry tables; each
    household judged by the standard it was identified under (its `standard`, village and
    identification year, among `standards`), as the registry's checks judge it."""
    hh = households_from_arrow(households)
    if "standard" in households.column_names and "village_code" in households.column_names:
        identified = households.column("identified_year").to_pylist()
        income = households.column("income_year").to_pylist()
        codes = own_standard_codes_of(
            households.column("standard").fill_null("").to_pylist(),
            households.column("village_code").to_pylist(),
            [a or b for a, b in zip(identified, income, strict=True)],
            standards,
        )
        if codes is not None:
            hh = replace(hh, own_standard=np.array(codes, dtype=object))
    tables = [persons] if events is None else [persons, events]
    rows = _rows_of(households.column("household_no"), *(t.column("household_no") for t in tables))
    return CheckData(
        households=hh,
        persons=persons_from_arrow(persons, rows[0]),
        year=year,
        events=None if events is None else events_from_arrow(events, rows[1]),
        standards=standards,
    )


def concat(parts: Sequence[CheckData]) -> CheckData:
    """Several counties' inputs as one, household rows renumbered; ledgers kept only when every
    part has them."""
    if not parts:
        raise DataError("nothing to concatenate")
    offsets = np.cumsum([0, *(len(p.households) for p in parts)])[:-1]

    def join(cls: Any, tables: list[Any], shift: bool) -> Any:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            cols = [getattr(t, f.name) for t in tables]
            if f.name == "household" and shift:
                cols = [c + off for c, off in zip(cols, offsets, strict=True)]
            if any(c is None for c in cols):
                # An optional column (own_standard): absent in a part means national there.
                if all(c is None for c in cols):
                    kwargs[f.name] = None
                    continue
                cols = [
                    np.full(len(t), "", object) if c is None else c
                    for c, t in zip(cols, tables, strict=True)
                ]
            kwargs[f.name] = np.concatenate(cols)
        return cls(**kwargs)

    optional: dict[str, Any] = {}
    for name in OPTIONAL_INPUTS:
        tables = [getattr(p, name) for p in parts]
        if all(t is not None for t in tables):
            optional[name] = join(type(tables[0]), tables, True)
    return CheckData(
        households=join(HouseholdColumns, [p.households for p in parts], False),
        persons=join(PersonColumns, [p.persons for p in parts], True),
        year=parts[0].year,
        lines=parts[0].lines,
        standards=parts[0].standards,
        **optional,
    )
