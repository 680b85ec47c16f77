"""Department lists from CSV or Parquet files, with their columns mapped to the names we use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from fupin.matching.kinds import ListKind
from fupin.matching.kinds import kind as kind_by_code

# Headers departments use for the ID number, tried in this order.
ID_HEADERS = ("id_number", "身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证")


class ListError(ValueError):
    """A department list that cannot be read or has no ID column."""


@dataclass(frozen=True)
class DepartmentList:
    """One list to compare: its kind, where it came from, and its rows (an Arrow table or a file
    DuckDB reads in place, so that a list of millions of rows is never copied into Python)."""

    kind: ListKind
    source: str
    data: pa.Table | Path
    id_column: str = "id_number"
    csv_options: dict[str, object] = field(default_factory=dict)

    def relation_sql(self, name: str) -> str:
        """A FROM-clause item reading the list (`name` is what an Arrow table is registered as)."""
        if isinstance(self.data, pa.Table):
            return name
        path = str(self.data).replace("'", "''")
        if self.data.suffix.lower() == ".parquet" or self.data.is_dir():
            glob = f"{path}/**/*.parquet" if self.data.is_dir() else path
            return f"read_parquet('{glob}')"
        opts = "".join(f", {k}={v!r}" for k, v in self.csv_options.items())
        return f"read_csv('{path}', header=true, all_varchar=true{opts})"


def _columns(path: Path, csv_options: dict[str, object]) -> list[str]:
    probe = DepartmentList(kind_by_code("deaths"), str(path), path, csv_options=csv_options)
    con = duckdb.connect()
    try:
        return [
            d[0] for d in con.sql(f"SELECT * FROM {probe.relation_sql('x')} LIMIT 0").description
        ]
    except duckdb.Error as exc:
        raise ListError(f"{path}: cannot read ({exc})") from None
    finally:
        con.close()


def read_list(
    path: Path | str,
    kind: ListKind | str,
    *,
    id_column: str | None = None,
    source: str | None = None,
    encoding: str | None = None,
) -> DepartmentList:
    """A department list from a .csv or .parquet file (or a folder of Parquet files).

    The ID column is `id_column` when given, else the first header among ID_HEADERS
    (身份证号, 公民身份号码 …). CSV cells are read as text, so leading zeros and x survive.
    """
    p = Path(path)
    if not p.exists():
        raise ListError(f"{p}: no such file")
    k = kind_by_code(kind) if isinstance(kind, str) else kind
    csv_options: dict[str, object] = {"encoding": encoding} if encoding else {}
    names = _columns(p, csv_options)
    wanted = [id_column] if id_column else list(ID_HEADERS)
    found = next((c for c in wanted if c in names), None)
    if found is None:
        raise ListError(
            f"{p}: no ID-number column (looked for {', '.join(wanted)}; the file has {', '.join(names)})"
        )
    return DepartmentList(k, source or p.name, p, id_column=found, csv_options=csv_options)
