"""A demo-preset snapshot written straight from the generator, and one Spark session for all tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fupin.analytics.engines import DuckDBEngine
from fupin.analytics.snapshot import Snapshot
from fupin.synth import CountyBatch, generate, preset
from fupin.testing.snapshots import snapshot_from_batches

SECRET = "test-secret"


@pytest.fixture(scope="session")
def demo_batches() -> list[CountyBatch]:
    # With the errors the checks look for, so that duplicate ID numbers occur.
    return list(generate(preset("demo", check_error_rate=0.02)))


@pytest.fixture(scope="session")
def demo_snapshot(
    demo_batches: list[CountyBatch], tmp_path_factory: pytest.TempPathFactory
) -> Snapshot:
    root: Path = tmp_path_factory.mktemp("snapshots")
    return snapshot_from_batches(demo_batches, root, secret=SECRET, registry_version=7)


@pytest.fixture(scope="session")
def duckdb_engine(demo_snapshot: Snapshot) -> Iterator[DuckDBEngine]:
    engine = DuckDBEngine(demo_snapshot)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local Spark session (starting one takes seconds): two cores, no UI, two partitions."""
    from fupin.analytics.engines import spark_session

    session = spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
