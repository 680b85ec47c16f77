"""A snapshot straight from the synthetic generator, without a database: for tests and benchmarks
of the analytics layer at province scale (the same layout and columns the registry's snapshot
writes; ids are numbered in generation order, as a fresh load would number them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fupin.analytics.keys import id_keys
from fupin.analytics.snapshot import Snapshot, SnapshotWriter
from fupin.policy import idnumber
from fupin.synth import CountyBatch


def _ids(start: int, n: int) -> pa.Array:
    return pa.array(np.arange(start, start + n, dtype=np.int64))


def snapshot_from_batches(
    batches: Iterable[CountyBatch],
    root: Path,
    *,
    secret: str,
    registry_version: int = 0,
    taken_at: dt.datetime | None = None,
) -> Snapshot:
    """Write generated counties as one snapshot under root; returns it."""
    taken = taken_at or dt.datetime.now(dt.UTC)
    next_household, next_person, next_event = 1, 1, 1
    regions = []
    with SnapshotWriter(root, registry_version=registry_version, taken_at=taken) as writer:
        for batch in batches:
            h = batch.households
            ids = _ids(next_household, h.num_rows)
            next_household += h.num_rows
            id_of = dict(zip(h.column("household_no").to_pylist(), ids.to_pylist(), strict=True))
            village_of = dict(
                zip(
                    h.column("household_no").to_pylist(),
                    h.column("village_code").to_pylist(),
                    strict=True,
                )
            )
            households = h.append_column("household_id", ids)

            p = batch.persons
            nos = p.column("household_no").to_pylist()
            raw = p.column("id_number").to_pylist()
            persons = (
                p.drop_columns(["id_number", "name"])
                .append_column("person_id", _ids(next_person, p.num_rows))
                .append_column("household_id", pa.array([id_of[n] for n in nos], pa.int64()))
                .append_column("village_code", pa.array([village_of[n] for n in nos]))
                .append_column("id_key", pa.array(id_keys(raw, secret)))
                .append_column("id_masked", pa.array([idnumber.mask(r) for r in raw]))
            )
            next_person += p.num_rows

            e = batch.events
            enos = e.column("household_no").to_pylist()
            events = (
                e.append_column("event_id", _ids(next_event, e.num_rows))
                .append_column("household_id", pa.array([id_of[n] for n in enos], pa.int64()))
                .append_column("village_code", pa.array([village_of[n] for n in enos]))
            )
            next_event += e.num_rows
            writer.write_county(
                batch.county.code, {"households": households, "persons": persons, "events": events}
            )
            r = batch.regions
            regions.append(r.append_column("is_poor_county", pa.array([False] * r.num_rows)))
        county_regions = pa.concat_tables(regions) if regions else None
        if county_regions is not None:
            writer.write_regions(county_regions)
        return writer.finish(source="fupin.synth")


def village_codes(snapshot: Snapshot) -> pa.Array:
    """Every household's village code (a helper for direct checks of the expressions)."""
    return pc.unique(snapshot.read("households").column("village_code"))
