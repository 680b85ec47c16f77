"""Write synthetic batches as Parquet: registry and truth in separate folders, one part per county."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow.parquet as pq

from fupin.synth.generate import CountyBatch


def write_parquet(batches: Iterable[CountyBatch], directory: Path | str) -> dict[str, int]:
    """Write `registry/<table>/county=<code>/part-0.parquet` and `truth/<table>/...`.

    The layout is Hive-style partitioning by county, readable with
    `pyarrow.dataset.dataset(path, partitioning="hive")`. Returns rows written per table.
    """
    root = Path(directory)
    rows: dict[str, int] = {}
    for batch in batches:
        for part, tables in (("registry", batch.registry()), ("truth", batch.truth())):
            for name, table in tables.items():
                folder = root / part / name / f"county={batch.county.code}"
                folder.mkdir(parents=True, exist_ok=True)
                pq.write_table(table, folder / "part-0.parquet")
                rows[name] = rows.get(name, 0) + table.num_rows
    return rows
