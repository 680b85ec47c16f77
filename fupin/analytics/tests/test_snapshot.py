"""The snapshot layout: partitions, manifest, keyed ID hashes and nothing half-written."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fupin.analytics.keys import id_key
from fupin.analytics.snapshot import Snapshot, SnapshotWriter, iter_parts, latest, snapshots
from fupin.analytics.tests.conftest import SECRET
from fupin.synth import CountyBatch

ID18 = re.compile(r"(?<![0-9a-f])[0-9]{17}[0-9X](?![0-9a-f])")


def test_tables_are_partitioned_by_province_and_county(demo_snapshot: Snapshot) -> None:
    for table in ("households", "persons", "events"):
        assert [
            f.relative_to(demo_snapshot.path).as_posix() for f in demo_snapshot.files(table)
        ] == [f"table={table}/province=62/county=620121/part.parquet"]
    assert demo_snapshot.manifest["rows"] == {
        "households": 1500,
        "persons": 6008,
        "events": 1207,
        "regions": 23,
    }
    assert demo_snapshot.registry_version == 7
    assert demo_snapshot.snapshot_id.endswith("-r7")
    assert len(demo_snapshot.counties["620121"]["checksum"]) == 64


def test_persons_carry_a_keyed_hash_and_no_plain_id_number(
    demo_snapshot: Snapshot, demo_batches: list[CountyBatch]
) -> None:
    raw = demo_batches[0].persons.column("id_number").to_pylist()
    persons = demo_snapshot.read("persons")
    assert "id_number" not in persons.column_names and "name" not in persons.column_names
    assert persons.column("id_key").to_pylist()[:50] == [id_key(r, SECRET) for r in raw[:50]]
    assert id_key(raw[0].lower(), SECRET) == id_key(raw[0], SECRET)  # normalised first
    assert id_key(raw[0], "another-secret") != id_key(raw[0], SECRET)
    plain = set(raw)
    for part in iter_parts(demo_snapshot):
        table = pq.read_table(part)
        for name in table.column_names:
            if table.schema.field(name).type == "string":
                values = [v for v in table.column(name).to_pylist() if v]
                assert not plain & set(values), (part, name)
                assert not any(ID18.search(v) for v in values), (part, name)


def test_latest_is_the_newest_finished_snapshot(tmp_path: Path) -> None:
    t = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with SnapshotWriter(tmp_path, registry_version=1, taken_at=t) as w:
        first = w.finish()
    with SnapshotWriter(tmp_path, registry_version=2, taken_at=t + dt.timedelta(hours=1)) as w:
        second = w.finish()
    with (
        pytest.raises(RuntimeError),
        SnapshotWriter(tmp_path, registry_version=3, taken_at=t + dt.timedelta(hours=2)),
    ):
        raise RuntimeError("interrupted")
    assert [s.snapshot_id for s in snapshots(tmp_path)] == [first.snapshot_id, second.snapshot_id]
    assert latest(tmp_path) == Snapshot.open(second.path)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
