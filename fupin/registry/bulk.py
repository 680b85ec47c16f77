"""Fast multi-row INSERTs for the registry's bulk paths (imports and synthetic loads).

The ORM's bulk_create spends most of its time preparing each value of each object; here only
dates, datetimes and JSON go through the field's own conversion (so SQLite and PostgreSQL both
get what they expect) and everything else is passed to the driver as it is.

After a bulk write, `analyze_after_bulk_write` refreshes PostgreSQL's planner statistics inside the
writing transaction, so that the queries right after it (the import's own, an export, a snapshot)
are planned for the rows now there rather than for an empty table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

# PostgreSQL's own rule for a table's automatic ANALYZE (autovacuum_analyze_scale_factor and
# _threshold): statistics are stale once this share of the rows, plus this many, has changed.
ANALYZE_SHARE, ANALYZE_MIN_ROWS = 0.1, 50

CONVERTED = {"DateField", "DateTimeField", "JSONField"}


def bulk_insert(
    model: type[Model],
    field_names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    batch: int = 5_000,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """INSERT `rows` (tuples in the order of `field_names`) with one executemany per batch."""
    fields = [model._meta.get_field(f) for f in field_names]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} "
        f"({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    # Fields that mask ID numbers on the way in (the audit trail's) go through their own
    # conversion too, so a bulk insert stores what a save() would.
    convert = [
        i
        for i, f in enumerate(fields)
        if f.get_internal_type() in CONVERTED or getattr(f, "masks_ids", False)
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            if convert:
                data = []
                for row in chunk:
                    values = list(row)
                    for i in convert:
                        values[i] = fields[i].get_db_prep_save(values[i], connection)
                    data.append(values)
                cursor.executemany(sql, data)
            else:
                cursor.executemany(sql, chunk)
            if on_batch is not None:
                on_batch(len(chunk))


def analyze_after_bulk_write(written: dict[type[Model], int]) -> list[str]:
    """ANALYZE (PostgreSQL) each table that `written` (model → rows written) changed by more than
    autovacuum's own threshold; returns the tables analysed.

    Autovacuum analyses only after the commit, and a VACUUM that runs while the writing
    transaction is open counts that transaction's rows as absent: the table is then recorded as
    holding 0 rows on many pages, and the planner takes every table for a one-row table, turning
    joins into nested loops of sequential scans (a 10 000-household export waited minutes on one
    query). ANALYZE inside the transaction counts the transaction's own rows, and the lock it
    holds until the commit keeps autovacuum off these tables until then (autovacuum skips a
    table it cannot lock), so nothing resets the figures meanwhile. A concurrent bulk write of
    the same tables waits at its own ANALYZE for this one's commit; small writes (under the
    threshold) never ANALYZE.
    """
    if connection.vendor != "postgresql":
        return []
    tables = {m._meta.db_table: n for m, n in written.items() if n > 0}
    if not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE oid = ANY(%s::regclass[])",
            [list(tables)],
        )
        known = {name: max(float(tuples), 0.0) for name, tuples in cursor.fetchall()}
        stale = sorted(
            t
            for t, n in tables.items()
            if t in known and n > ANALYZE_MIN_ROWS + ANALYZE_SHARE * known[t]
        )
        if stale:
            cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(t) for t in stale)}")
    return stale
