"""The jobs `fupin bench` times, each written three ways: fupin's path, plain pandas, hand-written
DuckDB SQL. Each way returns the same comparable answer, so the bench can assert they agree.

Jobs: region indicators of every village and county; all registry checks (平台8个准) that run on
the synthetic data; comparison with department lists (数据比对).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from fupin.analytics.schema import LEVELS
from fupin.policy.idnumber import CHECK_CHARS, WEIGHTS
from fupin.policy.lines import DEFAULT_LINES
from fupin.policy.standards import NationalRule

# ---------------------------------------------------------------------------------------------
# The province held in memory


@dataclass
class Province:
    """The synthetic province's tables (all counties concatenated) and its department lists."""

    year: int
    households: pa.Table
    persons: pa.Table
    events: pa.Table
    members: (
        pa.Table
    )  # registry members: household_no, id_number, relation, health, deceased, attribute
    lists: dict[str, pa.Table]  # kind → (身份证号, 登记日期)
    labels: pa.Table


def duck(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


# ---------------------------------------------------------------------------------------------
# (a) Indicators of every village and county: the figures of fupin.analytics.expressions
# .region_indicators (households, registered, poor = poor or returned, exited, removed, people,
# registered people, poor people, incidence = poor people / people).

INDICATOR_COLUMNS = (
    "level", "code", "households", "registered_households", "poor", "exited", "removed",
    "people", "registered_people", "poor_people", "incidence",
)  # fmt: skip
LEVEL_DIGITS = {level: LEVELS[level] for level in ("county", "village")}


def indicators_sql(level: str, source: str = "households") -> str:
    digits = LEVEL_DIGITS[level]
    code = (
        "village_code"
        if digits == 12
        else f"left(village_code, {digits}) || '{'0' * (12 - digits)}'"
    )
    return f"""
    SELECT '{level}' AS level, code, households, registered_households, poor, exited, removed,
           people, registered_people, poor_people,
           CASE WHEN people > 0 THEN poor_people::DOUBLE / people END AS incidence
    FROM (SELECT {code} AS code, count(*) AS households,
                 count(*) FILTER (WHERE registered) AS registered_households,
                 count(*) FILTER (WHERE status IN ('poor', 'returned')) AS poor,
                 count(*) FILTER (WHERE status = 'exited') AS exited,
                 count(*) FILTER (WHERE status = 'removed') AS removed,
                 sum(size::BIGINT) AS people,
                 sum(CASE WHEN registered THEN size::BIGINT ELSE 0 END) AS registered_people,
                 sum(CASE WHEN status IN ('poor', 'returned') THEN size::BIGINT ELSE 0 END) AS poor_people
          FROM {source} GROUP BY 1)"""


def indicators_fupin(p: Province, threads: int | None = None) -> pd.DataFrame:
    """fupin's path: the Ibis expressions of fupin.analytics on DuckDB, bound to the Arrow tables."""
    import ibis

    from fupin.analytics.engines import canonical
    from fupin.analytics.expressions import region_indicators

    con = ibis.duckdb.connect(**({"threads": threads} if threads else {}))
    try:
        con.con.register("households", p.households)
        parts = []
        for level in LEVEL_DIGITS:
            expr = region_indicators(level)
            parts.append(canonical(con.to_pyarrow(expr), expr).to_pandas())
    finally:
        con.disconnect()
    return _indicator_frame(pd.concat(parts, ignore_index=True))


def indicators_handwritten(p: Province, threads: int | None = None) -> pd.DataFrame:
    con = duck(threads)
    try:
        con.register("households", p.households)
        sql = " UNION ALL ".join(indicators_sql(level) for level in LEVEL_DIGITS)
        return _indicator_frame(con.sql(sql).to_df())
    finally:
        con.close()


def indicators_pandas(p: Province) -> pd.DataFrame:
    h = p.households.select(["village_code", "registered", "status", "size"]).to_pandas()
    size = h["size"].astype("int64")
    poor = h["status"].isin(["poor", "returned"])
    frame = pd.DataFrame(
        {
            "village_code": h["village_code"],
            "households": 1,
            "registered_households": h["registered"].astype("int64"),
            "poor": poor.astype("int64"),
            "exited": (h["status"] == "exited").astype("int64"),
            "removed": (h["status"] == "removed").astype("int64"),
            "people": size,
            "registered_people": size.where(h["registered"], 0),
            "poor_people": size.where(poor, 0),
        }
    )
    parts = []
    for level, digits in LEVEL_DIGITS.items():
        key = frame["village_code"].str.slice(0, digits) + "0" * (12 - digits)
        g = frame.drop(columns="village_code").groupby(key.rename("code")).sum().reset_index()
        g.insert(0, "level", level)
        g["incidence"] = (g["poor_people"] / g["people"]).where(g["people"] > 0)
        parts.append(g)
    return _indicator_frame(pd.concat(parts, ignore_index=True))


def _indicator_frame(df: pd.DataFrame) -> pd.DataFrame:
    df = df[list(INDICATOR_COLUMNS)].copy()
    for c in INDICATOR_COLUMNS[2:-1]:
        df[c] = df[c].astype("int64")
    df["level"] = df["level"].astype(str)
    df["code"] = df["code"].astype(str)
    return df.sort_values(["level", "code"]).reset_index(drop=True)


def same_indicators(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if a.shape != b.shape or not (a.iloc[:, :-1] == b.iloc[:, :-1]).all().all():
        return False
    return bool(np.allclose(a["incidence"], b["incidence"], rtol=1e-12, equal_nan=True))


# ---------------------------------------------------------------------------------------------
# (b) The registry checks: per rule, the sorted household numbers it flags. The synthetic
# province has no ledgers or public notices, so the rules needing them do not run (same in all
# three ways).

Flagged = dict[str, list[str]]


def checks_fupin(p: Province) -> Flagged:
    from fupin.checks import from_arrow, run_checks

    data = from_arrow(p.households, p.persons, year=p.year, events=p.events)
    result = run_checks(data)
    return {r.id: sorted(r.household_no) for r in result.rules if r.ran}


def _years_table(years: Sequence[int]) -> pa.Table:
    rule = NationalRule()
    ys = sorted({int(y) for y in years})
    return pa.table(
        {
            "year": pa.array(ys, pa.int64()),
            "line": pa.array([DEFAULT_LINES.yuan(y) for y in ys], pa.float64()),
            "water": pa.array([rule.water_counts(y) for y in ys], pa.bool_()),
        }
    )


def _income_years(p: Province) -> list[int]:
    y = np.unique(np.asarray(p.households.column("income_year").fill_null(0).to_numpy()))
    return [int(v) if v > 0 else p.year for v in y] + [p.year]


CHECK_SQL = {
    "identification.far_above_line": """still_poor
        AND least(income_per_capita, parts / greatest(size, 1)) > 1.5 * line AND g_met""",
    "identification.not_registered_but_poor": "NOT in_registry AND (income_per_capita <= line OR NOT g_met)",
    "members.duplicate": """in_registry AND household_no IN (
        SELECT household_no FROM onroll WHERE id_number IN (
            SELECT id_number FROM onroll GROUP BY id_number HAVING count(*) > 1))""",
    "members.deceased": "in_registry AND coalesce(any_dead, false)",
    "members.size_mismatch": "in_registry AND coalesce(listed, 0) <> size",
    "causes.illness_no_sick": "in_registry AND list_contains(causes, 'illness') AND NOT coalesce(sick, false)",
    "causes.schooling_no_student": "in_registry AND list_contains(causes, 'schooling') AND NOT coalesce(student, false)",
    "causes.disability_no_disabled": "in_registry AND list_contains(causes, 'disability') AND NOT coalesce(disabled, false)",
    "guarantees.education_dropout": "in_registry AND education_ok AND coalesce(dropout, false)",
    "guarantees.medical_uninsured": "in_registry AND medical_ok AND coalesce(uninsured, false)",
    "income.per_capita_inconsistent": """in_registry AND (
        abs(income_total - parts) > greatest(1.0, 0.02 * abs(parts))
        OR abs(income_per_capita - income_total / greatest(size, 1))
           > greatest(1.0, 0.02 * abs(income_total / greatest(size, 1)))
        OR size <= 0)""",
    "income.negative": """in_registry AND (income_wages < 0 OR income_property < 0
        OR income_transfers < 0 OR income_per_capita < 0)""",
    "exits.failed_guarantee": "exited AND NOT g_met",
    "exits.income_not_above_line": "exited AND income_per_capita <= line",
    "exits.no_exit_event": "exited AND household_no NOT IN (SELECT household_no FROM events WHERE kind = 'exited')",
}


def checks_handwritten(p: Province, threads: int | None = None) -> Flagged:
    con = duck(threads)
    try:
        for name in ("households", "persons", "events"):
            con.register(name, getattr(p, name))
        con.register("years", _years_table(_income_years(p)))
        con.execute(
            f"""CREATE TEMP TABLE hx AS
            SELECT h.household_no, h.size, h.income_total, h.income_per_capita, h.income_wages,
                   h.income_property, h.income_transfers, h.education_ok, h.medical_ok,
                   h.registered AND h.status IN ('poor', 'exited', 'returned') AS in_registry,
                   h.registered AND h.status IN ('poor', 'returned') AS still_poor,
                   h.registered AND h.status = 'exited' AS exited,
                   h.income_wages + h.income_business + h.income_property + h.income_transfers AS parts,
                   y.line,
                   h.food_ok AND h.clothing_ok AND h.education_ok AND h.medical_ok AND h.housing_ok
                       AND (h.water_ok OR NOT y.water) AS g_met,
                   list_concat([h.main_cause],
                       string_split(replace(coalesce(h.other_causes, ''), '、', ','), ',')[1:2]) AS causes,
                   m.*  EXCLUDE (household_no)
            FROM households h
            JOIN years y ON y.year = CASE WHEN coalesce(h.income_year, 0) > 0 THEN h.income_year ELSE {p.year} END
            LEFT JOIN (
                SELECT household_no, count(*) AS listed, bool_or(deceased) AS any_dead,
                       bool_or(health IN ('chronic', 'serious') AND NOT deceased) AS sick,
                       bool_or(school_status = 'in_school' AND NOT deceased) AS student,
                       bool_or(health = 'disabled' AND NOT deceased) AS disabled,
                       bool_or(school_status = 'dropped_out' AND NOT deceased AND
                           {p.year} - year(birth_date)
                           - CASE WHEN dayofyear(birth_date) <= dayofyear(DATE '{p.year}-12-31') THEN 0 ELSE 1 END
                           BETWEEN 6 AND 15) AS dropout,
                       bool_or(NOT insured AND NOT deceased) AS uninsured
                FROM persons GROUP BY household_no) m ON m.household_no = h.household_no"""
        )
        con.execute(
            """CREATE TEMP TABLE onroll AS SELECT p.household_no, p.id_number FROM persons p
            JOIN hx USING (household_no) WHERE hx.in_registry"""
        )
        out: Flagged = {}
        for rule, where in CHECK_SQL.items():
            rows = con.sql(
                f"SELECT household_no FROM hx WHERE {where} ORDER BY household_no"
            ).fetchall()
            out[rule] = [r[0] for r in rows]
        return out
    finally:
        con.close()


def checks_pandas(p: Province) -> Flagged:
    h = p.households.to_pandas()
    persons = p.persons.select(
        [
            "household_no",
            "id_number",
            "health",
            "school_status",
            "birth_date",
            "insured",
            "deceased",
        ]
    ).to_pandas()
    years = _years_table(_income_years(p)).to_pandas().set_index("year")
    iy = h["income_year"].fillna(0).astype("int64")
    iy = iy.where(iy > 0, p.year)
    line = iy.map(years["line"])
    water = iy.map(years["water"]).astype(bool)
    in_registry = h["registered"] & h["status"].isin(["poor", "exited", "returned"])
    still_poor = h["registered"] & h["status"].isin(["poor", "returned"])
    exited = h["registered"] & (h["status"] == "exited")
    size = h["size"].astype("int64")
    parts = h["income_wages"] + h["income_business"] + h["income_property"] + h["income_transfers"]
    g_met = (
        h["food_ok"] & h["clothing_ok"] & h["education_ok"] & h["medical_ok"] & h["housing_ok"]
        & (h["water_ok"] | ~water)
    )  # fmt: skip
    others = h["other_causes"].fillna("").str.replace("、", ",").str.split(",").str[:2]

    def has_cause(code: str) -> pd.Series:
        return (h["main_cause"] == code) | others.apply(lambda xs: code in xs)

    alive = ~persons["deceased"]
    birth = pd.to_datetime(persons["birth_date"])
    end_doy = pd.Timestamp(f"{p.year}-12-31").day_of_year
    age = p.year - birth.dt.year - (birth.dt.day_of_year > end_doy).astype("int64")

    def members_any(mask: pd.Series) -> pd.Series:
        hit = set(persons.loc[mask, "household_no"])
        return h["household_no"].isin(hit)

    listed = h["household_no"].map(persons.groupby("household_no").size()).fillna(0).astype("int64")
    onroll = persons[persons["household_no"].isin(set(h.loc[in_registry, "household_no"]))]
    dup_ids = onroll["id_number"][onroll["id_number"].duplicated(keep=False)]
    dup_households = set(onroll.loc[onroll["id_number"].isin(set(dup_ids)), "household_no"])
    exit_events = set(p.events.filter(pa.compute.equal(p.events.column("kind"), "exited"))
                      .column("household_no").to_pylist())  # fmt: skip
    pc_size = h["income_total"] / size.clip(lower=1)

    def differs(a: pd.Series, b: pd.Series) -> pd.Series:
        return (a - b).abs() > np.maximum(1.0, 0.02 * b.abs())

    masks = {
        "identification.far_above_line": still_poor
        & (np.minimum(h["income_per_capita"], parts / size.clip(lower=1)) > 1.5 * line)
        & g_met,
        "identification.not_registered_but_poor": ~in_registry
        & ((h["income_per_capita"] <= line) | ~g_met),
        "members.duplicate": in_registry & h["household_no"].isin(dup_households),
        "members.deceased": in_registry & members_any(persons["deceased"]),
        "members.size_mismatch": in_registry & (listed != size),
        "causes.illness_no_sick": in_registry
        & has_cause("illness")
        & ~members_any(persons["health"].isin(["chronic", "serious"]) & alive),
        "causes.schooling_no_student": in_registry
        & has_cause("schooling")
        & ~members_any((persons["school_status"] == "in_school") & alive),
        "causes.disability_no_disabled": in_registry
        & has_cause("disability")
        & ~members_any((persons["health"] == "disabled") & alive),
        "guarantees.education_dropout": in_registry
        & h["education_ok"]
        & members_any((persons["school_status"] == "dropped_out") & age.between(6, 15) & alive),
        "guarantees.medical_uninsured": in_registry
        & h["medical_ok"]
        & members_any(~persons["insured"] & alive),
        "income.per_capita_inconsistent": in_registry
        & (
            differs(h["income_total"], parts)
            | differs(h["income_per_capita"], pc_size)
            | (size <= 0)
        ),
        "income.negative": in_registry
        & (
            (h["income_wages"] < 0)
            | (h["income_property"] < 0)
            | (h["income_transfers"] < 0)
            | (h["income_per_capita"] < 0)
        ),
        "exits.failed_guarantee": exited & ~g_met,
        "exits.income_not_above_line": exited & (h["income_per_capita"] <= line),
        "exits.no_exit_event": exited & ~h["household_no"].isin(exit_events),
    }
    return {
        rule: sorted(h.loc[m.to_numpy(bool), "household_no"].tolist()) for rule, m in masks.items()
    }


# ---------------------------------------------------------------------------------------------
# (c) Comparison with department lists: the flagging matches (household_no, kind, list_row) and
# the number of list rows with an invalid ID number.

Matched = tuple[frozenset[tuple[str, str, int]], int]


def _lists(p: Province, kinds: Sequence[str]) -> list[Any]:
    from fupin.matching import BY_CODE, DepartmentList

    return [DepartmentList(BY_CODE[k], f"{k}.parquet", p.lists[k], "身份证号") for k in kinds]


def matching_fupin(p: Province, kinds: Sequence[str], threads: int | None = None) -> Matched:
    from fupin.matching import connect, match_lists

    con = connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    try:
        result = match_lists(
            p.members.select(["household_no", "id_number"]), _lists(p, kinds), con=con
        )
    finally:
        con.close()
    return frozenset(result.flagged()), result.invalid.num_rows


def matching_handwritten(p: Province, kinds: Sequence[str], threads: int | None = None) -> Matched:
    """The same comparison as plain SQL, one join per list, no layer in between. The canonical key
    of an ID number is the one expression fupin.matching.keys writes (the rules of the number,
    not the layer), so the ratio to fupin measures what the layer adds around it."""
    from fupin.matching.keys import install, keyed_sql

    con = duck(threads)
    try:
        install(con)
        con.register("members_raw", p.members.select(["household_no", "id_number"]))
        con.execute(
            "CREATE TEMP TABLE members AS SELECT household_no, id_key AS k FROM ("
            + keyed_sql("members_raw", "id_number")
            + ") WHERE id_key IS NOT NULL"
        )
        found: set[tuple[str, str, int]] = set()
        invalid = 0
        for code in kinds:
            table = p.lists[code]
            con.register(
                "list_in", table.append_column("list_row", pa.array(np.arange(table.num_rows)))
            )
            src = '(SELECT list_row, "身份证号" AS raw FROM list_in)'
            rows = con.sql(
                f"""SELECT m.household_no, l.list_row, l.id_key IS NULL AS bad
                FROM ({keyed_sql(src, "raw")}) l LEFT JOIN members m ON l.id_key = m.k
                WHERE m.household_no IS NOT NULL OR l.id_key IS NULL"""
            ).fetchall()
            for household_no, row, bad in rows:
                if bad:
                    invalid += 1
                else:
                    found.add((household_no, code, int(row)))
            con.unregister("list_in")
        return frozenset(found), invalid
    finally:
        con.close()


_CHECK = np.array(list(CHECK_CHARS))


def pandas_keys(raw: pd.Series) -> pd.Series:
    """Canonical keys (NaN when invalid) with pandas string methods and the same shortcuts as the
    SQL: canonical numbers skip the cleaning, and the check digit comes from one integer."""
    raw = raw.astype(str)
    plain = raw.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool)
    c = raw.copy()
    odd = ~plain
    c[odd] = (
        raw[odd]
        .str.translate(str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX"))
        .str.replace(r"\s", "", regex=True)
        .str.upper()
    )
    is18 = plain | (odd & c.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool))
    is15 = odd & c.str.fullmatch(r"[0-9]{15}").fillna(False).astype(bool)
    body = c.str.slice(0, 17).where(is18, c.str.slice(0, 6) + "19" + c.str.slice(6, 15))
    ok = is18 | is15
    n = body[ok].astype("int64")
    total = sum(((n // 10 ** (16 - i)) % 10) * int(w) for i, w in enumerate(WEIGHTS))
    check = pd.Series(_CHECK[(total % 11).to_numpy()], index=n.index)
    key = pd.Series(np.nan, index=c.index, dtype=object)
    good18 = is18[ok] & (c[ok].str.slice(17, 18) == check)
    rows18 = good18[good18].index
    key[rows18] = c[rows18]
    rows15 = is15[ok][is15[ok]].index
    key[rows15] = body[rows15] + check[rows15]
    return key


def matching_pandas(p: Province, kinds: Sequence[str]) -> Matched:
    m = p.members.select(["household_no", "id_number"]).to_pandas()
    m["k"] = pandas_keys(m["id_number"])
    m = m.dropna(subset=["k"])[["household_no", "k"]]
    found: set[tuple[str, str, int]] = set()
    invalid = 0
    for code in kinds:
        lst = pd.DataFrame({"raw": p.lists[code].column("身份证号").to_pandas()})
        lst["list_row"] = np.arange(len(lst))
        lst["k"] = pandas_keys(lst["raw"])
        invalid += int(lst["k"].isna().sum())
        hit = lst.dropna(subset=["k"]).merge(m, on="k", how="inner")
        found.update(
            zip(hit["household_no"], [code] * len(hit), hit["list_row"].astype(int), strict=True)
        )
    return frozenset(found), invalid


# ---------------------------------------------------------------------------------------------
# Measuring one call: seconds and peak resident memory (the high-water mark, reset before)


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _trim() -> None:
    """Give freed heap back to the system (glibc), so that RSS before a step is what it holds."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


@dataclass
class Measured:
    value: Any
    seconds: float
    peak_mib: float  # the process's peak RSS during the call
    added_mib: float  # peak RSS during the call minus RSS before it

    def figures(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 3),
            "peak_mib": round(self.peak_mib),
            "added_mib": round(self.added_mib),
        }


def measure(fn: Callable[[], Any]) -> Measured:
    import gc
    import time

    gc.collect()
    _trim()
    before = _status_kib("VmRSS")
    reset_peak()
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    peak = _status_kib("VmHWM")
    return Measured(value, seconds, peak / 1024, max(peak - before, 0) / 1024)
