"""The comparison with department lists (数据比对) as Ibis expressions over a snapshot, so that it
runs on DuckDB or Spark: the same answer as `fupin.matching.match_lists`, by the keyed hash.

A snapshot holds no ID numbers, only `id_key` (HMAC-SHA256 of the normalised number, keyed by
FUPIN_SECRET_KEY; fupin.analytics.keys). So a department list is keyed once, where it is received
(`key_list`: fupin.matching's canonical form, then the same HMAC), and only the keyed list —
kind, source, list_row, id_key — goes to the engine: the plain numbers never reach a cluster.
Numbers without a canonical form (wrong length, wrong check digit) get no key, never match, and
are counted per list.

The kinds, what a match means (Effect) and the reason texts are those of fupin.matching.kinds.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ibis.expr.types import Table

from fupin.analytics.expressions import known, region_code
from fupin.analytics.keys import id_keys
from fupin.analytics.schema import HOUSEHOLDS, PERSONS, source
from fupin.matching.kinds import FACT_COLUMNS, FACTS, KINDS, RegistryFact

LISTS = "department_lists"
# A keyed department list: one row per row of the department's file (id_key NULL when invalid).
KEYED_LIST = pa.schema(
    [
        ("kind", pa.string()),
        ("source", pa.string()),
        ("list_row", pa.int64()),
        ("id_key", pa.string()),
        ("id_problem", pa.string()),
    ]
)


def key_list(
    ids: pa.Array | pa.ChunkedArray, *, kind: str, source: str, secret: str | bytes
) -> pa.Table:
    """A department's ID column keyed for the engines: the canonical number (fupin.matching
    .normalize_keys, in DuckDB), then its HMAC; list_row is the row's position in the file."""
    from fupin.matching import kind as kind_by_code
    from fupin.matching import normalize_keys

    kind_by_code(kind)  # an unknown kind is an error here, not an empty join later
    keys, problems = normalize_keys(ids)
    canonical = keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys
    valid = pc.is_valid(canonical)
    hashed = np.full(len(canonical), None, dtype=object)
    good = np.flatnonzero(np.asarray(valid.to_numpy(zero_copy_only=False), bool))
    if len(good):
        hashed[good] = id_keys(canonical.take(pa.array(good)).to_pylist(), secret)
    n = len(canonical)
    return pa.table(
        [
            pa.array([kind] * n, pa.string()),
            pa.array([source] * n, pa.string()),
            pa.array(np.arange(n, dtype=np.int64)),
            pa.array(hashed, pa.string()),
            problems.cast(pa.string()),
        ],
        schema=KEYED_LIST,
    )


def lists_source() -> Table:
    """The unbound table of keyed lists (every list in one table) that an engine binds."""
    return ibis.table(ibis.Schema.from_pyarrow(KEYED_LIST), name=LISTS)


# The fact columns (fupin.matching.kinds.FACT_COLUMNS) read from households; the rest are persons'.
_HOUSEHOLD_FACTS = [c for c in FACT_COLUMNS if c in HOUSEHOLDS.names and c not in PERSONS.names]


def registry_members() -> Table:
    """Members of registered households (as fupin.synth.departments.registry_members): their
    household, id_key and the registry facts the consistency lists state (FACT_COLUMNS: the
    household's attribute and 危房户 mark, the member's health and school status)."""
    p = source("persons")
    h = source("households")
    hh = h.filter(h.registered.fill_null(False)).select("household_id", *_HOUSEHOLD_FACTS)
    j = p.filter(p.id_key.notnull()).join(hh, "household_id")
    return j.select("household_id", "household_no", "village_code", "id_key", *FACT_COLUMNS)


def _claims(t: Table, fact: RegistryFact) -> ibis.Value:
    """True where the registry claims the fact; an unknown value claims nothing (as
    fupin.matching.match)."""
    return (t[fact.column] == ibis.literal(fact.value)).fill_null(False)


def _case(kind: ibis.Value, values: dict[str, ibis.Value], default: ibis.Value) -> ibis.Value:
    return ibis.cases(*((kind == k, v) for k, v in values.items()), else_=default)


def department_matches() -> Table:
    """One row per (list row, registry member) with the same key: household_no, id_key, kind,
    source, list_row, flag, reason (flag false where a consistency list confirms the registry),
    as MatchResult.matches."""
    m = registry_members()
    lst = lists_source()
    j = lst.filter(lst.id_key.notnull()).join(m, "id_key")
    flag = _case(j.kind, {k: ~_claims(j, f) for k, f in FACTS.items()}, ibis.literal(True))
    reason = _case(j.kind, {k.code: ibis.literal(k.reason) for k in KINDS}, ibis.null("string"))
    return j.select(
        household_no=j.household_no,
        id_key=j.id_key,
        kind=j.kind,
        source=j.source,
        list_row=j.list_row,
        flag=flag,
        reason=flag.ifelse(reason, ibis.null("string")),
        village_code=j.village_code,
    )


def department_missing(lists: Sequence[tuple[str, str]], matches: Table | None = None) -> Table:
    """Registry households claiming a consistency list's fact with no member on that list
    (household_no, kind, source, reason), as MatchResult.missing; `lists` are the (kind, source)
    pairs compared, since a list that was not given cannot miss anyone. `matches`:
    `department_matches()` already computed (default: computed here)."""
    m = registry_members()
    hits = department_matches() if matches is None else matches
    parts = []
    for k in KINDS:
        fact = k.registry_fact
        if fact is None:
            continue
        for code, src in lists:
            if code != k.code:
                continue
            mine = hits.filter((hits.kind == code) & (hits.source == src))
            # a household fact: some member should be on the list; a member fact: that member
            claim = m.filter(_claims(m, fact))
            seen = mine.select(fact.key).distinct()
            absent = claim.anti_join(seen, fact.key)
            parts.append(
                absent.select(
                    household_no=absent.household_no,
                    kind=ibis.literal(code),
                    source=ibis.literal(src),
                    reason=ibis.literal(k.missing_reason),
                    village_code=absent.village_code,
                ).distinct()
            )
    if not parts:
        return m.limit(0).select(
            household_no=m.household_no,
            kind=ibis.literal(""),
            source=ibis.literal(""),
            reason=ibis.literal(""),
            village_code=m.village_code,
        )
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def list_summary(matches: Table | None = None) -> Table:
    """Per list: rows, rows without a key (invalid), rows matching a member, and flagged
    households, as ListSummary."""
    lst = lists_source()
    rows = lst.group_by("kind", "source").aggregate(
        rows=lst.count(), invalid=lst.count(where=known(lst.id_key.isnull()))
    )
    hits = department_matches() if matches is None else matches
    found = hits.group_by("kind", "source").aggregate(
        matched_rows=hits.list_row.nunique(),
        flagged_households=hits.household_no.nunique(where=known(hits.flag)),
    )
    j = rows.left_join(found, ["kind", "source"])
    return j.select(
        kind=j.kind,
        source=j.source,
        rows=j.rows,
        invalid=j.invalid,
        matched_rows=j.matched_rows.fill_null(0),
        flagged_households=j.flagged_households.fill_null(0),
    )


def matches_by_region(level: str = "county", matches: Table | None = None) -> Table:
    """Per region and kind: list rows matched and households flagged."""
    d = department_matches() if matches is None else matches
    return d.group_by(
        level=ibis.literal(level), code=region_code(d.village_code, level), kind=d.kind
    ).aggregate(
        matched_rows=d.count(),
        flagged_households=d.household_no.nunique(where=known(d.flag)),
    )
