"""Duplicate registrations across the whole snapshot: equal to a direct count of the generated
members, across counties too, and the same on DuckDB and Spark."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from fupin.analytics.engines import DuckDBEngine, SparkEngine
from fupin.analytics.expressions import duplicate_members, duplicates_by_region
from fupin.analytics.snapshot import Snapshot
from fupin.regions.counties import read_counties
from fupin.synth import CountyBatch, generate, preset
from fupin.testing.snapshots import snapshot_from_batches

IN_REGISTRY = {"poor", "exited", "returned"}


def _on_roll(batches: list[CountyBatch]) -> list[tuple[str, str, str]]:
    """(ID number, household number, county code) of every member of a household in the registry."""
    out = []
    for b in batches:
        on_roll = {
            h["household_no"]
            for h in b.households.to_pylist()
            if h["registered"] and h["status"] in IN_REGISTRY
        }
        out += [
            (p["id_number"], p["household_no"], b.county.code)
            for p in b.persons.to_pylist()
            if p["household_no"] in on_roll
        ]
    return out


@pytest.fixture(scope="module")
def two_counties(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[CountyBatch], Snapshot]:
    """Two small counties, each with the duplicates the generator plants, and one member of the
    second county given the ID number of a member of the first."""
    counties = read_counties(province="甘肃省")[:2]
    config = preset("demo", check_error_rate=0.02).replace(
        counties=tuple(counties), deeply_poor_counties=frozenset()
    )
    first, second = list(generate(config))
    roll_first = [r for r in _on_roll([first]) if r[0] is not None]
    roll_second = {r[1] for r in _on_roll([second])}
    taken = roll_first[0][0]
    persons = second.persons.to_pylist()
    row = next(i for i, p in enumerate(persons) if p["household_no"] in roll_second)
    ids = second.persons.column("id_number").to_pylist()
    ids[row] = taken
    moved = second.persons.set_column(
        second.persons.schema.get_field_index("id_number"), "id_number", pa.array(ids)
    )
    batches = [first, dataclasses.replace(second, persons=moved)]
    root: Path = tmp_path_factory.mktemp("two-counties")
    return batches, snapshot_from_batches(batches, root, secret="test-secret")


def test_duplicates_equal_a_direct_count_across_counties(two_counties) -> None:  # type: ignore[no-untyped-def]
    batches, snapshot = two_counties
    roll = [r for r in _on_roll(batches) if r[0] is not None]
    times = Counter(r[0] for r in roll)
    counties: dict[str, set[str]] = {}
    for id_number, _, county in roll:
        counties.setdefault(id_number, set()).add(county)
    expected = sorted((hno, times[i], len(counties[i])) for i, hno, _ in roll if times[i] > 1)
    engine = DuckDBEngine(snapshot)
    try:
        got = engine.to_pyarrow(duplicate_members()).to_pylist()
        by_region = engine.to_pyarrow(duplicates_by_region("county")).to_pylist()
    finally:
        engine.close()
    assert sorted((r["household_no"], r["times"], r["counties"]) for r in got) == expected
    assert sum(1 for *_, c in expected if c > 1) == 2  # the planted pair, one in each county
    assert all("*" in r["id_masked"] for r in got)
    assert {r["code"][:6] for r in by_region} == {b.county.code for b in batches}
    assert sum(r["duplicated_people"] for r in by_region) == len(expected)
    assert sum(r["elsewhere"] for r in by_region) == 2


def test_duplicates_are_the_same_on_spark(two_counties, spark: object) -> None:  # type: ignore[no-untyped-def]
    _, snapshot = two_counties
    duck = DuckDBEngine(snapshot)
    engine = SparkEngine(snapshot, spark)  # type: ignore[arg-type]
    try:
        for expr in (duplicate_members(), duplicates_by_region("county")):
            assert engine.to_pyarrow(expr).equals(duck.to_pyarrow(expr))
    finally:
        engine.close()
        duck.close()
