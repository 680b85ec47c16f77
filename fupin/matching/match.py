"""The comparison (数据比对): registry members ⋈ department lists on the canonical ID key, in DuckDB."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from fupin.matching.keys import connect, keyed_sql
from fupin.matching.kinds import FACT_COLUMNS, FACTS, RegistryFact
from fupin.matching.readers import DepartmentList


@dataclass(frozen=True)
class ListSummary:
    kind: str
    source: str
    rows: int
    invalid: int
    matched_rows: int  # list rows whose key is a registry member's
    flagged_households: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class MatchResult:
    """`matches`: one row per (list row, registry member) pair with the same key — household_no,
    id_key, kind, source, list_row, flag, reason (flag is false where a consistency list confirms
    the registry). `missing`: registry households or members a consistency list should hold but
    does not. `flags`: one row per flagged household with its kinds, sources and reasons.
    `invalid`: list rows whose ID number is no key (source, list_row, id_number, problem)."""

    matches: pa.Table
    missing: pa.Table
    flags: pa.Table
    invalid: pa.Table
    lists: tuple[ListSummary, ...]

    def flagged(self) -> set[tuple[str, str, int]]:
        """(household_no, kind, list_row) of every flagging match."""
        m = self.matches.filter(self.matches.column("flag"))
        return set(
            zip(
                m.column("household_no").to_pylist(),
                m.column("kind").to_pylist(),
                m.column("list_row").to_pylist(),
                strict=True,
            )
        )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _sql_value(v: str | bool) -> str:
    return ("TRUE" if v else "FALSE") if isinstance(v, bool) else _sql_text(v)


def _sql_type(column: str) -> str:
    return next(
        "BOOLEAN" if isinstance(f.value, bool) else "VARCHAR"
        for f in FACTS.values()
        if f.column == column
    )


def _claims(fact: RegistryFact, alias: str = "m") -> str:
    """True where the registry claims the fact; an unknown value claims nothing."""
    return f"coalesce({alias}.{_ident(fact.column)} = {_sql_value(fact.value)}, FALSE)"


def _members_relation(
    con: duckdb.DuckDBPyConnection, members: pa.Table | Path | str
) -> tuple[str, set[str]]:
    if isinstance(members, pa.Table):
        con.register("fupin_members_in", members)
        rel = "fupin_members_in"
    else:
        rel = f"read_parquet({_sql_text(str(members))})"
    cols = {d[0] for d in con.sql(f"SELECT * FROM {rel} LIMIT 0").description}
    if not {"household_no", "id_number"} <= cols:
        raise ValueError("members need the columns household_no and id_number")
    return rel, cols


def match_lists(
    members: pa.Table | Path | str,
    lists: Sequence[DepartmentList],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
) -> MatchResult:
    """Compare registry members (household_no, id_number; optionally the fact columns of
    fupin.matching.kinds.FACT_COLUMNS: the household's `attribute` and `at_risk_housing`, the
    member's `health` and `school_status`; an absent one is unknown) with each department list.

    A member matches a list row when both ID numbers have the same canonical key; numbers that
    have no key (wrong length, wrong check digit) never match and are reported in `invalid`.
    """
    own = con is None
    con = con or connect()
    try:
        return _match(con, members, lists)
    finally:
        if own:
            con.close()


def _match(
    con: duckdb.DuckDBPyConnection, members: pa.Table | Path | str, lists: Sequence[DepartmentList]
) -> MatchResult:
    rel, cols = _members_relation(con, members)
    facts = ", ".join(
        f"{_ident(c) if c in cols else 'NULL'}::{_sql_type(c)} AS {_ident(c)}" for c in FACT_COLUMNS
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE fupin_members AS
        SELECT household_no, id_key, {facts}
        FROM ({keyed_sql(rel, "id_number")}) WHERE id_key IS NOT NULL"""
    )
    fact_cols = ", ".join(f"m.{_ident(c)}" for c in FACT_COLUMNS)
    matches, invalid, missing, summaries = [], [], [], []
    for i, dl in enumerate(lists):
        name = f"fupin_list_{i}"
        # list_row is the row's position in the file: stated, never left to a parallel scan.
        if isinstance(dl.data, pa.Table):
            rows = dl.data.num_rows
            con.register(name, dl.data.append_column("list_row", pa.array(np.arange(rows))))
            src = name
        else:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {dl.relation_sql(name)}"
            )
            src = f"(SELECT *, rowid AS list_row FROM {name})"
            rows = con.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        k = dl.kind
        # A problem list's match is a doubt; a consistency list's flags where the registry disagrees.
        flag = f"NOT {_claims(k.registry_fact)}" if k.registry_fact else "TRUE"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fupin_hits AS
            SELECT l.list_row, l.id_key, l.id_problem,
                   CASE WHEN l.id_problem IS NOT NULL THEN CAST(l.{_ident(dl.id_column)} AS VARCHAR) END AS raw,
                   m.household_no, {fact_cols}
            FROM ({keyed_sql(src, _ident(dl.id_column))}) l
            LEFT JOIN fupin_members m ON l.id_key = m.id_key
            WHERE m.household_no IS NOT NULL OR l.id_problem IS NOT NULL"""
        )
        matches.append(
            con.sql(
                f"""SELECT household_no, id_key, {_sql_text(k.code)} AS kind,
                    {_sql_text(dl.source)} AS source, list_row, {flag} AS flag,
                    CASE WHEN {flag} THEN {_sql_text(k.reason)} END AS reason
                FROM fupin_hits m WHERE household_no IS NOT NULL"""
            ).to_arrow_table()
        )
        invalid.append(
            con.sql(
                f"""SELECT {_sql_text(dl.source)} AS source, list_row, raw AS id_number,
                    id_problem AS problem FROM fupin_hits WHERE id_problem IS NOT NULL
                ORDER BY list_row"""
            ).to_arrow_table()
        )
        if k.registry_fact:
            missing.append(_missing(con, k.registry_fact, k.code, k.missing_reason, dl.source))
        if isinstance(dl.data, pa.Table):
            con.unregister(name)
        else:
            con.execute(f"DROP TABLE {name}")
        m = matches[-1]
        summaries.append(
            ListSummary(
                kind=k.code,
                source=dl.source,
                rows=int(rows),
                invalid=invalid[-1].num_rows,
                matched_rows=len(set(m.column("list_row").to_pylist())),
                flagged_households=len(
                    set(m.filter(m.column("flag")).column("household_no").to_pylist())
                ),
            )
        )
    result_matches = _concat(matches, _MATCH_SCHEMA)
    result_missing = _concat(missing, _MISSING_SCHEMA)
    con.register("fupin_all_matches", result_matches)
    con.register("fupin_all_missing", result_missing)
    flags = con.sql(
        """WITH f AS (
            SELECT household_no, kind, source, reason FROM fupin_all_matches WHERE flag
            UNION ALL SELECT household_no, kind, source, reason FROM fupin_all_missing)
        SELECT household_no, list_sort(list_distinct(list(kind))) AS kinds,
               list_sort(list_distinct(list(source))) AS sources,
               string_agg(DISTINCT reason, '；' ORDER BY reason) AS reasons
        FROM f GROUP BY household_no ORDER BY household_no"""
    ).to_arrow_table()
    con.unregister("fupin_all_matches")
    con.unregister("fupin_all_missing")
    return MatchResult(
        matches=result_matches,
        missing=result_missing,
        flags=flags,
        invalid=_concat(invalid, _INVALID_SCHEMA),
        lists=tuple(summaries),
    )


def _missing(
    con: duckdb.DuckDBPyConnection, fact: RegistryFact, code: str, reason: str, source: str
) -> pa.Table:
    """Registry households claiming the list's fact with no member on the list (a household
    fact: no member of the household; a member fact: not that member)."""
    key = fact.key
    return con.sql(
        f"""SELECT DISTINCT household_no, {_sql_text(code)} AS kind, {_sql_text(source)} AS source,
            {_sql_text(reason)} AS reason
        FROM fupin_members m WHERE {_claims(fact)}
        AND {key} NOT IN (SELECT {key} FROM fupin_hits WHERE household_no IS NOT NULL)
        ORDER BY household_no"""
    ).to_arrow_table()


_MATCH_SCHEMA = pa.schema(
    [
        ("household_no", pa.string()),
        ("id_key", pa.string()),
        ("kind", pa.string()),
        ("source", pa.string()),
        ("list_row", pa.int64()),
        ("flag", pa.bool_()),
        ("reason", pa.string()),
    ]
)
_MISSING_SCHEMA = pa.schema(
    [
        ("household_no", pa.string()),
        ("kind", pa.string()),
        ("source", pa.string()),
        ("reason", pa.string()),
    ]
)
_INVALID_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("list_row", pa.int64()),
        ("id_number", pa.string()),
        ("problem", pa.string()),
    ]
)


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    if not tables:
        return schema.empty_table()
    return pa.concat_tables([t.select(schema.names).cast(schema) for t in tables])
