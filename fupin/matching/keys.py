"""ID numbers as matching keys, vectorised in DuckDB SQL: the same canonical form as
fupin.policy.idnumber.normalize (spaces removed, full-width made ASCII, x upper-cased, 15-digit
numbers widened with their check digit), and NULL with a reason for numbers that are invalid."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from fupin.policy.idnumber import CHECK_CHARS, WEIGHTS

FULL_WIDTH = "０１２３４５６７８９Ｘｘ"
ASCII = "0123456789XX"
# Problems reported for an ID number that cannot be a key.
FORMAT = "format"  # not 18 characters (17 digits and a check character) nor 15 digits
CHECK_DIGIT = "check_digit"  # 18 characters but the check character is wrong

# The check character from the first 17 digits held as one integer: integer division picks the
# digits, which DuckDB does several times faster than 17 substrings per row.
_SUM = " + ".join(f"((n // {10 ** (16 - i)}) % 10) * {int(w)}" for i, w in enumerate(WEIGHTS))
P18 = "[0-9]{17}[0-9X]"
P15 = "[0-9]{15}"

# The canonical form written once, as macros, and used by every query.
MACROS = f"""
CREATE OR REPLACE MACRO fupin_id_clean(s) AS
    upper(regexp_replace(translate(s, '{FULL_WIDTH}', '{ASCII}'), '\\s', '', 'g'));
CREATE OR REPLACE MACRO fupin_id_check(n) AS '{CHECK_CHARS}'[({_SUM}) % 11 + 1];
"""


def install(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS)


def keyed_sql(source: str, id_column: str) -> str:
    """A query over `source` adding `id_key` (canonical, NULL when invalid) and `id_problem`;
    every row and column of `source` is kept.

    Most numbers are already canonical: they skip the cleaning (translate, strip, upper), which
    costs more than everything else together.
    """
    return f"""
    WITH a AS (SELECT *, CAST({id_column} AS VARCHAR) AS _s FROM {source}),
    b AS (SELECT *, coalesce(regexp_full_match(_s, '{P18}'), false) AS _plain FROM a),
    c AS (SELECT *, CASE WHEN _plain THEN _s ELSE fupin_id_clean(_s) END AS _c FROM b),
    d AS (SELECT *, CASE
            WHEN _plain OR (length(_c) = 18 AND regexp_full_match(_c, '{P18}'))
                THEN CAST(_c[1:17] AS BIGINT)
            WHEN length(_c) = 15 AND regexp_full_match(_c, '{P15}')
                THEN CAST(_c[1:6] || '19' || _c[7:15] AS BIGINT)
          END AS _n FROM c),
    k AS (SELECT *, CASE WHEN _n IS NOT NULL THEN fupin_id_check(_n) END AS _chk FROM d)
    SELECT * EXCLUDE (_s, _plain, _c, _n, _chk),
        CASE WHEN _n IS NULL THEN NULL
             WHEN length(_c) = 15 THEN _c[1:6] || '19' || _c[7:15] || _chk
             WHEN _c[18] = _chk THEN _c END AS id_key,
        CASE WHEN _n IS NULL THEN '{FORMAT}'
             WHEN length(_c) = 18 AND _c[18] <> _chk THEN '{CHECK_DIGIT}' END AS id_problem
    FROM k"""


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    install(con)
    return con


def normalize_keys(
    ids: pa.Array | pa.ChunkedArray | list[str | None],
    con: duckdb.DuckDBPyConnection | None = None,
) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """(keys, problems) for many ID numbers at once, in input order; a key is null exactly when
    its problem is not."""
    own = con is None
    con = con or connect()
    try:
        table = pa.table({"raw": pa.array(ids, pa.string()) if isinstance(ids, list) else ids})
        con.register("_fupin_ids", table)
        out = con.sql(
            f"SELECT id_key, id_problem FROM ({keyed_sql('(SELECT *, row_number() OVER () AS _r FROM _fupin_ids)', 'raw')}) ORDER BY _r"
        ).to_arrow_table()
        con.unregister("_fupin_ids")
    finally:
        if own:
            con.close()
    return out.column("id_key"), out.column("id_problem")
