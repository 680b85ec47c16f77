"""Run an analytics expression on a snapshot: DuckDB in-process (default) or Spark (PySpark).

Both engines bind the unbound tables of `fupin.analytics.schema` to the snapshot's Parquet files
under the same names, so the same expression runs unchanged. Results come back as Arrow tables
with the expression's schema, sorted by every column, so that two engines' answers compare equal,
or are written as Parquet where they are computed (`write_parquet`: on Spark, by the executors).

A snapshot is a local folder (`Snapshot`) or a URI the engine reads itself (`s3a://…`,
`hdfs://…`, `file://…` for Spark; a local path or what DuckDB's extensions read for DuckDB):
then the engine reads the manifest and the part files by the snapshot's layout, and nothing
passes through this process.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.expr.types import Table

from fupin.analytics.schema import TABLES
from fupin.analytics.snapshot import MANIFEST, PART, Snapshot

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class SnapshotURI:
    """A snapshot the engine reads by URI (not through this machine's file system)."""

    uri: str

    def glob(self, table: str) -> str:
        return f"{self.uri.rstrip('/')}/table={table}/province=*/county=*/{PART}"

    @property
    def manifest_uri(self) -> str:
        return f"{self.uri.rstrip('/')}/{MANIFEST}"


Location = Snapshot | SnapshotURI


def is_uri(text: str) -> bool:
    """`scheme://…` (s3a, hdfs, gs, abfs, file, …) rather than a local path."""
    head, sep, _ = text.partition("://")
    return bool(sep) and head.replace("+", "").isalnum()


def locate(text: str | Path) -> Location:
    """A local snapshot folder (opened, manifest read) or a snapshot URI."""
    if isinstance(text, Path) or not is_uri(text):
        return Snapshot.open(text)
    return SnapshotURI(str(text))


class Engine(Protocol):
    name: str

    def to_pyarrow(self, expr: Table) -> pa.Table: ...

    def write_parquet(self, expr: Table, dest: str) -> None: ...

    def bind(self, name: str, paths: list[str], schema: pa.Schema) -> None: ...

    def manifest(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


def _empty(table: str, schema: pa.Schema, empty_dir: Path) -> list[str]:
    empty = empty_dir / f"{table}.parquet"
    pq.write_table(schema.empty_table(), empty)
    return [str(empty)]


def _paths(snapshot: Location, table: str, empty_dir: Path) -> list[str]:
    """The table's files (a glob for a URI); an empty file of the right schema where a local
    snapshot has none."""
    if isinstance(snapshot, SnapshotURI):
        return [snapshot.glob(table)]
    files = snapshot.files(table)
    if files:
        return [str(f) for f in files]
    return _empty(table, TABLES[table], empty_dir)


def _local_dir(dest: str) -> str:
    """Make a local destination folder (a URI's folder is the engine's business)."""
    if not is_uri(dest):
        os.makedirs(dest, exist_ok=True)
    return dest


def canonical(result: pa.Table, expr: Table) -> pa.Table:
    """The result with the expression's Arrow schema, rows sorted by every column."""
    schema = expr.schema().to_pyarrow()
    table = result.select(schema.names).cast(schema)
    return table.sort_by([(name, "ascending") for name in schema.names])


class DuckDBEngine:
    """DuckDB in this process, reading the Parquet files where they lie."""

    name = "duckdb"

    def __init__(
        self, snapshot: Location, *, threads: int | None = None, memory_limit: str | None = None
    ) -> None:
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.snapshot = snapshot
        self.con = ibis.duckdb.connect(**config)
        self._tmp = tempfile.TemporaryDirectory(prefix="fupin-duckdb-")
        for table, schema in TABLES.items():
            self.bind(table, _paths(snapshot, table, Path(self._tmp.name)), schema)

    def bind(self, name: str, paths: list[str], schema: pa.Schema) -> None:
        """Bind `name` to Parquet files (or globs), with exactly the columns of `schema`."""
        raw = self.con.read_parquet(
            paths or _empty(name, schema, Path(self._tmp.name)),
            table_name=f"_raw_{name}",
            hive_partitioning=False,
        )
        cols = ibis.Schema.from_pyarrow(schema)
        view = raw.select(*(raw[c].cast(t) for c, t in cols.items()))
        self.con.create_view(name, view, overwrite=True)

    def manifest(self) -> dict[str, Any]:
        if isinstance(self.snapshot, Snapshot):
            return dict(self.snapshot.manifest)
        text = self.con.raw_sql(
            f"SELECT content FROM read_text('{self.snapshot.manifest_uri}')"
        ).fetchone()
        return dict(json.loads(text[0]))

    def to_pyarrow(self, expr: Table) -> pa.Table:
        return canonical(self.con.to_pyarrow(expr), expr)

    def write_parquet(self, expr: Table, dest: str) -> None:
        """The result as `dest/part-0.parquet` (one file: DuckDB writes it in one process)."""
        self.con.to_parquet(expr, f"{_local_dir(dest).rstrip('/')}/part-0.parquet")

    def close(self) -> None:
        self.con.disconnect()
        self._tmp.cleanup()


# Settings every session of the analytics layer gets unless the user sets them (`--conf`,
# spark-submit's own): Arrow moves data between Python and the JVM (the rules' table, small
# results), where Spark would otherwise start Python workers to unpickle rows.
SPARK_DEFAULTS: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def local_cores(master: str) -> int | None:
    """The cores a `local`, `local[N]`, `local[*]` or `local[N,F]` master runs on; None for a
    cluster."""
    found = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\d+)?\])?", master.strip())
    if not found:
        return None
    n = found.group(1)
    if n is None:
        return 1
    return (os.cpu_count() or 1) if n == "*" else int(n)


def spark_settings(master: str, conf: dict[str, str] | None = None) -> dict[str, str]:
    """The settings `spark_session` starts a session with: SPARK_DEFAULTS, then, in local mode,
    one shuffle partition per core (Spark's 200 are 200 tiny tasks on a few cores; adaptive
    execution still coalesces and splits them, and a cluster keeps Spark's default), then
    `conf`, which overrides any of them."""
    cores = local_cores(master)
    local = {} if cores is None else {"spark.sql.shuffle.partitions": str(max(cores, 2))}
    return {"spark.ui.enabled": "false", **SPARK_DEFAULTS, **local, **(conf or {})}


def spark_session(master: str = "local[2]", **conf: str) -> SparkSession:
    """A Spark session for the analytics layer (local mode unless `master` says otherwise);
    `conf` overrides every setting of ours (`spark_settings`)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("fupin-analytics")
    for key, value in spark_settings(master, conf).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def apply_defaults(session: SparkSession) -> None:
    """SPARK_DEFAULTS on a session someone else configured (spark-submit's), where it has not
    set them itself."""
    given = session.sparkContext.getConf()
    for key, value in SPARK_DEFAULTS.items():
        if not given.contains(key):
            session.conf.set(key, value)


class SparkEngine:
    """Spark through Ibis's PySpark backend: the snapshot's tables become temporary views.

    Views are per session, under the tables' names: one snapshot per session at a time.
    """

    name = "pyspark"

    def __init__(self, snapshot: Location, session: SparkSession | None = None) -> None:
        self.snapshot = snapshot
        self.session = session or spark_session()
        self.con = ibis.pyspark.connect(self.session)
        self._tmp = tempfile.TemporaryDirectory(prefix="fupin-spark-")
        for table, schema in TABLES.items():
            self.bind(table, _paths(snapshot, table, Path(self._tmp.name)), schema)

    def bind(self, name: str, paths: list[str], schema: pa.Schema) -> None:
        """A temporary view `name` over Parquet files (or globs), with exactly `schema`'s columns.

        Leaf files or globs of them, not folders: no partition columns are inferred from the
        paths. The snapshot's schema is given, not inferred, so that no file is opened here.
        """
        from pyspark.sql import functions as F

        spark_schema = self._spark_schema(schema)
        frame = self.session.read.schema(spark_schema).parquet(
            *(paths or _empty(name, schema, Path(self._tmp.name)))
        )
        frame.select(*(F.col(c) for c in schema.names)).createOrReplaceTempView(name)

    @staticmethod
    def _spark_schema(schema: pa.Schema) -> Any:
        from pyspark.sql.pandas.types import from_arrow_schema

        return from_arrow_schema(schema)

    def manifest(self) -> dict[str, Any]:
        if isinstance(self.snapshot, Snapshot):
            return dict(self.snapshot.manifest)
        rdd = self.session.sparkContext.wholeTextFiles(self.snapshot.manifest_uri)
        return dict(json.loads(rdd.collect()[0][1]))

    def to_pyarrow(self, expr: Table) -> pa.Table:
        return canonical(self.con.to_pyarrow(expr), expr)

    def write_parquet(self, expr: Table, dest: str) -> None:
        """The result as a folder of part files, written by the executors where they run."""
        self.con.to_parquet(expr, dest, mode="overwrite")

    def close(self) -> None:
        self._tmp.cleanup()


def run(expr: Table, engine: Engine) -> pa.Table:
    """The expression's result on the engine, canonically sorted."""
    return engine.to_pyarrow(expr)
