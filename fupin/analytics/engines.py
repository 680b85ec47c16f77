"""Run an analytics expression on a snapshot: DuckDB in-process (default) or Spark (PySpark).

Both engines bind the unbound tables of `fupin.analytics.schema` to the snapshot's Parquet files
under the same names, so the same expression runs unchanged. Results come back as Arrow tables
with the expression's schema, sorted by every column, so that two engines' answers compare equal.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.expr.types import Table

from fupin.analytics.schema import TABLES
from fupin.analytics.snapshot import Snapshot

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class Engine(Protocol):
    name: str

    def to_pyarrow(self, expr: Table) -> pa.Table: ...


def _paths(snapshot: Snapshot, table: str, empty_dir: Path) -> list[str]:
    """The table's files; an empty file of the right schema where the snapshot has none."""
    files = snapshot.files(table)
    if files:
        return [str(f) for f in files]
    empty = empty_dir / f"{table}.parquet"
    pq.write_table(TABLES[table].empty_table(), empty)
    return [str(empty)]


def canonical(result: pa.Table, expr: Table) -> pa.Table:
    """The result with the expression's Arrow schema, rows sorted by every column."""
    schema = expr.schema().to_pyarrow()
    table = result.select(schema.names).cast(schema)
    return table.sort_by([(name, "ascending") for name in schema.names])


class DuckDBEngine:
    """DuckDB in this process, reading the Parquet files where they lie."""

    name = "duckdb"

    def __init__(
        self, snapshot: Snapshot, *, threads: int | None = None, memory_limit: str | None = None
    ) -> None:
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.snapshot = snapshot
        self.con = ibis.duckdb.connect(**config)
        self._tmp = tempfile.TemporaryDirectory(prefix="fupin-duckdb-")
        for table in TABLES:
            self.con.read_parquet(
                _paths(snapshot, table, Path(self._tmp.name)),
                table_name=table,
                hive_partitioning=False,
            )

    def to_pyarrow(self, expr: Table) -> pa.Table:
        return canonical(self.con.to_pyarrow(expr), expr)

    def close(self) -> None:
        self.con.disconnect()
        self._tmp.cleanup()


def spark_session(master: str = "local[2]", **conf: str) -> SparkSession:
    """A Spark session for the analytics layer (local mode unless `master` says otherwise)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("fupin-analytics")
    settings = {
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.session.timeZone": "UTC",
        **conf,
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


class SparkEngine:
    """Spark through Ibis's PySpark backend: the snapshot's tables become temporary views.

    Views are per session, under the tables' names: one snapshot per session at a time.
    """

    name = "pyspark"

    def __init__(self, snapshot: Snapshot, session: SparkSession | None = None) -> None:
        self.snapshot = snapshot
        self.session = session or spark_session()
        self.con = ibis.pyspark.connect(self.session)
        self._tmp = tempfile.TemporaryDirectory(prefix="fupin-spark-")
        for table in TABLES:
            # Leaf files, not the folder: no partition columns are inferred from the paths.
            frame = self.session.read.parquet(*_paths(snapshot, table, Path(self._tmp.name)))
            frame.createOrReplaceTempView(table)

    def to_pyarrow(self, expr: Table) -> pa.Table:
        return canonical(self.con.to_pyarrow(expr), expr)

    def close(self) -> None:
        self._tmp.cleanup()


ENGINES = {"duckdb": DuckDBEngine, "pyspark": SparkEngine}


def run(expr: Table, engine: Engine) -> pa.Table:
    """The expression's result on the engine, canonically sorted."""
    return engine.to_pyarrow(expr)
