"""The same expressions on DuckDB and on Spark give identical results, equal to a direct count."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow as pa

from fupin.analytics.engines import DuckDBEngine, SparkEngine
from fupin.analytics.expressions import (
    EXPRESSIONS,
    all_region_indicators,
    causes,
    events_by_year,
    guarantee_gaps,
    region_indicators,
)
from fupin.analytics.snapshot import Snapshot, SnapshotWriter
from fupin.synth import CountyBatch

POOR = {"poor", "returned"}


def _rows(batches: list[CountyBatch], name: str) -> list[dict[str, object]]:
    return [r for b in batches for r in getattr(b, name).to_pylist()]


def test_every_expression_gives_identical_results_on_duckdb_and_spark(
    demo_snapshot: Snapshot, duckdb_engine: DuckDBEngine, spark: object
) -> None:
    engine = SparkEngine(demo_snapshot, spark)  # type: ignore[arg-type]
    try:
        for name, build in EXPRESSIONS.items():
            expr = build()
            on_duckdb = duckdb_engine.to_pyarrow(expr)
            on_spark = engine.to_pyarrow(expr)
            assert on_duckdb.num_rows > 0, name
            assert on_spark.schema == on_duckdb.schema, name
            assert on_spark.equals(on_duckdb), name
    finally:
        engine.close()


def test_village_indicators_equal_a_direct_count_of_the_generated_households(
    demo_batches: list[CountyBatch], duckdb_engine: DuckDBEngine
) -> None:
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for h in _rows(demo_batches, "households"):
        c = expected[str(h["village_code"])]
        size = int(h["size"])  # type: ignore[call-overload]
        c["households"] += 1
        c["registered_households"] += bool(h["registered"])
        c["poor"] += h["status"] in POOR
        c["exited"] += h["status"] == "exited"
        c["removed"] += h["status"] == "removed"
        c["people"] += size
        c["registered_people"] += size if h["registered"] else 0
        c["poor_people"] += size if h["status"] in POOR else 0
    got = {r["code"]: r for r in duckdb_engine.to_pyarrow(region_indicators("village")).to_pylist()}
    assert set(got) == set(expected) and len(got) == 20
    for code, c in expected.items():
        row = got[code]
        assert {k: row[k] for k in c} == {k: c[k] for k in c}, code
        assert row["incidence"] == c["poor_people"] / c["people"]


def test_levels_add_up_to_the_province(duckdb_engine: DuckDBEngine) -> None:
    table = duckdb_engine.to_pyarrow(all_region_indicators()).to_pylist()
    by_level: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in table:
        by_level[str(r["level"])].append(r)
    assert [r["code"] for r in by_level["province"]] == ["620000000000"]
    assert [r["code"] for r in by_level["county"]] == ["620121000000"]
    total = by_level["province"][0]["households"]
    assert total == 1500
    for level in ("city", "county", "township", "village"):
        assert sum(r["households"] for r in by_level[level]) == total  # type: ignore[misc]


def test_events_by_year_equal_a_direct_count(
    demo_batches: list[CountyBatch], duckdb_engine: DuckDBEngine
) -> None:
    expected = Counter((int(e["year"]), e["kind"]) for e in _rows(demo_batches, "events"))  # type: ignore[call-overload]
    got = {
        (r["year"], r["kind"]): r["events"]
        for r in duckdb_engine.to_pyarrow(events_by_year("county")).to_pylist()
    }
    assert got == dict(expected)
    assert {k for _, k in got} >= {"identified", "exited"}


def test_causes_count_registered_households_only(
    demo_batches: list[CountyBatch], duckdb_engine: DuckDBEngine
) -> None:
    rows = [h for h in _rows(demo_batches, "households") if h["registered"] and h["main_cause"]]
    expected = Counter(h["main_cause"] for h in rows)
    got = {
        r["cause"]: r["households"] for r in duckdb_engine.to_pyarrow(causes("county")).to_pylist()
    }
    assert got == dict(expected)
    people = sum(int(h["size"]) for h in rows)  # type: ignore[call-overload]
    assert (
        sum(r["people"] for r in duckdb_engine.to_pyarrow(causes("county")).to_pylist()) == people
    )


def test_guarantee_gaps_count_households_lacking_each_guarantee(
    demo_batches: list[CountyBatch], duckdb_engine: DuckDBEngine
) -> None:
    rows = [
        h
        for h in _rows(demo_batches, "households")
        if h["registered"] and h["status"] in POOR | {"exited"}
    ]
    got = {r["group"]: r for r in duckdb_engine.to_pyarrow(guarantee_gaps("county")).to_pylist()}
    for group, statuses in (("poor", POOR), ("exited", {"exited"})):
        mine = [h for h in rows if h["status"] in statuses]
        assert got[group]["households"] == len(mine)
        assert got[group]["housing_lacking"] == sum(not h["housing_ok"] for h in mine)


def test_results_are_sorted_the_same_whatever_the_engine_returns(
    duckdb_engine: DuckDBEngine,
) -> None:
    from fupin.analytics.engines import canonical

    expr = region_indicators("village")
    table = duckdb_engine.to_pyarrow(expr)
    reversed_ = table.take(pa.array(range(table.num_rows - 1, -1, -1)))
    assert canonical(reversed_, expr).equals(table)
    assert table.column("code").to_pylist() == sorted(table.column("code").to_pylist())


def test_a_snapshot_without_rows_still_binds_every_table_with_its_schema(tmp_path: Path) -> None:
    with SnapshotWriter(tmp_path, registry_version=0, taken_at=dt.datetime.now(dt.UTC)) as w:
        snap = w.finish()
    engine = DuckDBEngine(snap)
    try:
        for name, build in EXPRESSIONS.items():
            assert engine.to_pyarrow(build()).num_rows == 0, name
    finally:
        engine.close()


def test_every_level_summed_from_the_villages_equals_grouping_each_level_directly(
    duckdb_engine: DuckDBEngine,
) -> None:
    """`all_region_indicators`, `all_events_by_year` and `all_causes` read the snapshot once and
    sum the villages' rows upwards: the same rows, of the same types, as each level's own count."""
    import ibis

    from fupin.analytics.expressions import LEVELS, all_causes, all_events_by_year

    for rolled, direct in (
        (all_region_indicators, region_indicators),
        (all_events_by_year, events_by_year),
        (all_causes, causes),
    ):
        expr = rolled()
        expected = ibis.union(*(direct(level) for level in LEVELS))
        assert expr.schema() == expected.schema()
        got = duckdb_engine.to_pyarrow(expr)
        assert got.num_rows > 0 and got.equals(duckdb_engine.to_pyarrow(expected)), rolled
        assert set(got.column("level").to_pylist()) == set(LEVELS)


def test_user_settings_override_the_sessions_defaults() -> None:
    from fupin.analytics.engines import SPARK_DEFAULTS, local_cores, spark_settings

    assert local_cores("local") == 1 and local_cores("local[3]") == 3
    assert local_cores("local[4,2]") == 4 and local_cores("local[*]") == (os.cpu_count() or 1)
    assert local_cores("yarn") is None and local_cores("spark://host:7077") is None
    local = spark_settings("local[3]")
    assert local["spark.sql.shuffle.partitions"] == "3"
    assert local["spark.sql.execution.arrow.pyspark.enabled"] == "true"
    assert "spark.sql.shuffle.partitions" not in spark_settings("yarn")  # Spark's own default
    mine = spark_settings(
        "local[3]",
        {
            "spark.sql.shuffle.partitions": "50",
            "spark.sql.execution.arrow.pyspark.enabled": "false",
        },
    )
    assert mine["spark.sql.shuffle.partitions"] == "50"
    assert mine["spark.sql.execution.arrow.pyspark.enabled"] == "false"
    assert set(SPARK_DEFAULTS) <= set(mine)
