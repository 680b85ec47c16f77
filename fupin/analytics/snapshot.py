"""Snapshots on disk: the Parquet layout, the manifest, and writing and reading them (no Django).

    <root>/<snapshot_id>/manifest.json
    <root>/<snapshot_id>/table=<name>/province=<pp>/county=<cccccc>/part.parquet

A snapshot is written into `<root>/.staging-<id>/` and renamed into place after its manifest,
so a reader never sees half of one. Unchanged counties of the previous snapshot are hard-linked
(copied where links are impossible), so an incremental snapshot costs the changed counties only.
Regions above county level sit under their first six digits (the province under `620000`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fupin.analytics.keys import ID_KEY_METHOD
from fupin.analytics.schema import COUNTY_TABLES, TABLES, conform

FORMAT = 1
MANIFEST = "manifest.json"
PART = "part.parquet"


def snapshot_id_for(taken_at: dt.datetime, registry_version: int) -> str:
    """Sortable by time: `20240105T083000123456Z-r1234` (UTC, registry version)."""
    return f"{taken_at.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}-r{registry_version}"


def part_path(root: Path, table: str, county: str) -> Path:
    return root / f"table={table}" / f"province={county[:2]}" / f"county={county}" / PART


@dataclass(frozen=True)
class Snapshot:
    """A finished snapshot: its folder and its manifest."""

    path: Path
    manifest: dict[str, Any]

    @classmethod
    def open(cls, path: Path | str) -> Snapshot:
        p = Path(path)
        return cls(p, json.loads((p / MANIFEST).read_text(encoding="utf-8")))

    @property
    def snapshot_id(self) -> str:
        return str(self.manifest["snapshot_id"])

    @property
    def registry_version(self) -> int:
        return int(self.manifest["registry_version"])

    @property
    def taken_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.manifest["taken_at"])

    @property
    def counties(self) -> dict[str, dict[str, Any]]:
        return dict(self.manifest["counties"])

    def files(self, table: str) -> list[Path]:
        """The table's part files, in county order."""
        return sorted((self.path / f"table={table}").glob(f"province=*/county=*/{PART}"))

    def read(self, table: str, counties: list[str] | None = None) -> pa.Table:
        """The whole table (or some counties') in memory, with the snapshot's schema."""
        files = self.files(table)
        if counties is not None:
            wanted = set(counties)
            files = [f for f in files if f.parent.name.removeprefix("county=") in wanted]
        parts = [pq.read_table(f, schema=TABLES[table]) for f in files]
        return pa.concat_tables(parts) if parts else TABLES[table].empty_table()


def snapshots(root: Path | str) -> list[Snapshot]:
    """Finished snapshots under root, oldest first."""
    base = Path(root)
    if not base.is_dir():
        return []
    found = [
        Snapshot.open(p)
        for p in base.iterdir()
        if not p.name.startswith(".") and (p / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda s: (s.taken_at, s.snapshot_id))


def latest(root: Path | str) -> Snapshot | None:
    found = snapshots(root)
    return found[-1] if found else None


def _sha256(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class SnapshotWriter:
    """Writes one snapshot county by county; `finish()` publishes it, leaving it aborts it.

    Use as a context manager: an exception removes the staging folder.
    """

    def __init__(
        self,
        root: Path | str,
        *,
        registry_version: int,
        taken_at: dt.datetime,
        previous: Snapshot | None = None,
    ) -> None:
        self.root = Path(root)
        self.registry_version = registry_version
        self.taken_at = taken_at.astimezone(dt.UTC)
        self.snapshot_id = snapshot_id_for(self.taken_at, registry_version)
        self.previous = previous
        self.staging = self.root / f".staging-{self.snapshot_id}"
        self.counties: dict[str, dict[str, Any]] = {}
        self.region_rows = 0

    def __enter__(self) -> SnapshotWriter:
        self.staging.mkdir(parents=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging)

    def write_county(self, county: str, tables: dict[str, pa.Table]) -> None:
        """Write a county's households, persons and events (absent tables are empty)."""
        rows: dict[str, int] = {}
        written = []
        for name in COUNTY_TABLES:
            table = tables.get(name)
            n = 0 if table is None else table.num_rows
            rows[name] = n
            if table is None or n == 0:
                continue
            path = part_path(self.staging, name, county)
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(conform(table, name), path, compression="zstd")
            written.append(path)
        if rows["households"] == 0 and not written:
            return  # a county without registry data has no partition
        self.counties[county] = {"rows": rows, "checksum": _sha256(written), "reused": False}

    def reuse_county(self, county: str) -> None:
        """Take the county's partitions unchanged from the previous snapshot."""
        assert self.previous is not None
        entry = self.previous.counties.get(county)
        if entry is None:
            return
        for name in COUNTY_TABLES:
            src = part_path(self.previous.path, name, county)
            if src.exists():
                _link_or_copy(src, part_path(self.staging, name, county))
        self.counties[county] = {**entry, "reused": True}

    def write_regions(self, regions: pa.Table) -> None:
        table = conform(regions, "regions")
        self.region_rows = table.num_rows
        prefixes = pa.compute.utf8_slice_codeunits(table.column("code"), 0, 6)
        for prefix in sorted(set(prefixes.to_pylist())):
            part = table.filter(pa.compute.equal(prefixes, prefix))
            path = part_path(self.staging, "regions", prefix)
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(part, path, compression="zstd")

    def finish(self, **extra: Any) -> Snapshot:
        totals = {
            name: sum(c["rows"][name] for c in self.counties.values()) for name in COUNTY_TABLES
        }
        manifest = {
            "format": FORMAT,
            "snapshot_id": self.snapshot_id,
            "registry_version": self.registry_version,
            "taken_at": self.taken_at.isoformat(),
            "previous": self.previous.snapshot_id if self.previous else None,
            "id_key": ID_KEY_METHOD,
            "rows": {**totals, "regions": self.region_rows},
            "counties": dict(sorted(self.counties.items())),
            **extra,
        }
        (self.staging / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        final = self.root / self.snapshot_id
        self.staging.rename(final)
        return Snapshot(final, manifest)


def iter_parts(snapshot: Snapshot) -> Iterator[Path]:
    """Every Parquet file of the snapshot."""
    yield from sorted(snapshot.path.rglob("*.parquet"))
