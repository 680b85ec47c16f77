"""Point-in-time exports of the registry to Parquet for the analytics layer (fupin.analytics).

One read transaction covers the whole export (REPEATABLE READ, READ ONLY on PostgreSQL; a
deferred read transaction on SQLite, whose WAL keeps its view fixed while imports go on), so a
snapshot is the registry as of one registry version. Incremental snapshots reuse the previous
snapshot's partitions of counties that no audit row since then touches.

ID numbers never leave the database in plain text: persons carry a keyed hash (HMAC-SHA256 with
FUPIN_SECRET_KEY) of the normalised 18-digit number, which matching against other departments'
lists uses as its key, and the masked number for display. Free text (event reasons) has any
ID-shaped number masked. Names are left out: no registry-wide computation needs them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from fupin.accounts.models import AuditEntry
from fupin.analytics.keys import id_keys
from fupin.analytics.schema import EVENTS, HOUSEHOLDS, PERSONS, REGIONS
from fupin.analytics.snapshot import FORMAT, Snapshot, SnapshotWriter, latest
from fupin.policy import idnumber
from fupin.regions.models import Level, Region
from fupin.registry.models import Household, Person, StatusEvent
from fupin.registry.selectors import registry_version
from fupin.registry.standards import current_versions

# How far back (in audit ids) to look for rows not yet visible when a snapshot is taken: on
# PostgreSQL an id is drawn at insert, so a slow transaction can commit a lower id after a
# faster one's higher id; the next incremental snapshot looks at those ids again.
GAP_WINDOW = 10_000

# Snapshot column → ORM path, per table.
HOUSEHOLD_COLUMNS = {f.name: f.name for f in HOUSEHOLDS} | {
    "household_id": "id",
    "village_code": "village__code",
}
PERSON_COLUMNS = {f.name: f.name for f in PERSONS if f.name not in {"id_key", "id_masked"}} | {
    "person_id": "id",
    "household_no": "household__household_no",
    "village_code": "household__village__code",
}
EVENT_COLUMNS = {f.name: f.name for f in EVENTS} | {
    "event_id": "id",
    "household_no": "household__household_no",
    "village_code": "household__village__code",
}
REGION_COLUMNS = {f.name: f.name for f in REGIONS} | {"parent_code": "parent__code"}


@dataclass(frozen=True)
class SnapshotInfo:
    """What `snapshot_write` wrote: the snapshot, which counties it rewrote and which it reused."""

    snapshot: Snapshot
    written: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def snapshot_id(self) -> str:
        return self.snapshot.snapshot_id

    @property
    def path(self) -> Path:
        return self.snapshot.path

    @property
    def registry_version(self) -> int:
        return self.snapshot.registry_version

    @property
    def taken_at(self) -> dt.datetime:
        return self.snapshot.taken_at

    @property
    def rows(self) -> dict[str, int]:
        return dict(self.snapshot.manifest["rows"])


def default_directory() -> Path:
    return Path(settings.DATA_DIR) / "snapshots"


def secret_check() -> str:
    """A fingerprint of the key the ID hashes use: a snapshot under another key is not reused."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"fupin-snapshot-id-key", hashlib.sha256
    ).hexdigest()[:16]


@contextmanager
def consistent_read() -> Iterator[None]:
    """Every query inside sees the database as of one moment."""
    if connection.in_atomic_block:  # already inside a transaction (tests): it is the snapshot
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # Not transaction.atomic(): the settings make it BEGIN IMMEDIATE, which would hold the
        # write lock for the whole export. A deferred transaction only reads.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic():
        yield


def _table(rows: list[tuple[Any, ...]], names: list[str], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pa.table(
        {n: pa.array(list(c), schema.field(n).type) for n, c in zip(names, columns, strict=True)}
    )


def county_tables(county: str) -> dict[str, pa.Table]:
    """A county's households, persons and events as snapshot tables (ID numbers hashed)."""
    h_names = list(HOUSEHOLD_COLUMNS)
    households = _table(
        list(
            Household.objects.filter(village__code__startswith=county)
            .order_by("id")
            .values_list(*HOUSEHOLD_COLUMNS.values())
        ),
        h_names,
        HOUSEHOLDS,
    )

    p_names = list(PERSON_COLUMNS)
    rows = list(
        Person.objects.filter(household__village__code__startswith=county)
        .order_by("id")
        .values_list(*PERSON_COLUMNS.values(), "id_number")
    )
    raw = [r[-1] for r in rows]
    persons = _table([r[:-1] for r in rows], p_names, PERSONS)
    persons = persons.append_column("id_key", pa.array(id_keys(raw, settings.SECRET_KEY)))
    persons = persons.append_column("id_masked", pa.array([idnumber.mask(r) for r in raw]))

    e_names = list(EVENT_COLUMNS)
    reason = e_names.index("reason")
    events = _table(
        [
            (*r[:reason], idnumber.mask_all(r[reason]), *r[reason + 1 :])
            for r in StatusEvent.objects.filter(household__village__code__startswith=county)
            .order_by("id")
            .values_list(*EVENT_COLUMNS.values())
        ],
        e_names,
        EVENTS,
    )
    return {"households": households, "persons": persons, "events": events}


def regions_table() -> pa.Table:
    names = list(REGION_COLUMNS)
    return _table(
        list(Region.objects.order_by("code").values_list(*REGION_COLUMNS.values())), names, REGIONS
    )


def audit_gaps(version: int) -> list[int]:
    """Audit ids at or below `version` (within the window) not visible in this transaction."""
    low = max(0, version - GAP_WINDOW)
    present = set(
        AuditEntry.objects.filter(id__gt=low, id__lte=version).values_list("id", flat=True)
    )
    return [i for i in range(low + 1, version + 1) if i not in present]


def changed_counties(since: int, until: int, gaps: list[int]) -> set[str] | None:
    """Six-digit codes of the counties audit rows after `since` (or in `gaps`) touch; None when
    some row may touch anything (a change with neither a household nor a county named)."""
    rows = (
        AuditEntry.objects.filter(Q(id__gt=since, id__lte=until) | Q(id__in=gaps))
        .exclude(action=AuditEntry.Action.VIEW_ID)  # reading full ID numbers changes nothing
        .values_list("model", "action", "object_key", "household_id", "household__village__code")
    )
    counties: set[str] = set()
    moved = False
    for model, action, key, household_id, village_code in rows.iterator(chunk_size=5000):
        if model == "County":
            counties.add(key[:6])
        elif household_id is not None:
            counties.add(village_code[:6])
            moved = moved or (model == "Household" and action == AuditEntry.Action.UPDATE)
        else:
            return None
    if moved:  # a household may have moved village: its old county changed too
        village_ids: set[int] = set()
        for before, after in AuditEntry.objects.filter(
            Q(id__gt=since, id__lte=until) | Q(id__in=gaps), model="Household", action="update"
        ).values_list("before__village", "after__village"):
            village_ids.update(v for v in (before, after) if isinstance(v, int))
        counties.update(
            c[:6] for c in Region.objects.filter(id__in=village_ids).values_list("code", flat=True)
        )
    return counties


def snapshot_write(
    *,
    directory: Path | str | None = None,
    incremental: bool = True,
    progress: Callable[[str, str], None] | None = None,
) -> SnapshotInfo:
    """Export the registry to a new snapshot under `directory` (default <FUPIN_DATA_DIR>/snapshots).

    With `incremental`, counties unchanged since the latest snapshot there are reused from it.
    `progress(county, "written" | "reused")` is called per county.
    """
    started = time.monotonic()
    root = Path(directory) if directory is not None else default_directory()
    root.mkdir(parents=True, exist_ok=True)
    previous = latest(root) if incremental else None
    if previous is not None and (
        previous.manifest.get("format") != FORMAT
        or previous.manifest.get("secret_check") != secret_check()
    ):
        previous = None  # another layout, or ID keys under another secret: nothing to reuse
    written: list[str] = []
    reused: list[str] = []
    with consistent_read():
        version = registry_version()
        taken_at = dt.datetime.now(dt.UTC)
        gaps = audit_gaps(version)
        current = {
            c[:6] for c in Region.objects.filter(level=Level.VILLAGE).values_list("code", flat=True)
        }
        changed: set[str] | None = None
        if previous is not None:
            changed = changed_counties(
                previous.registry_version, version, list(previous.manifest.get("audit_gaps", []))
            )
        with SnapshotWriter(
            root, registry_version=version, taken_at=taken_at, previous=previous
        ) as writer:
            for county in sorted(current | set(previous.counties if previous else ())):
                if (
                    previous is not None
                    and changed is not None
                    and county not in changed
                    and county in current
                    and county in previous.counties
                ):
                    writer.reuse_county(county)
                    reused.append(county)
                    kind = "reused"
                else:
                    writer.write_county(county, county_tables(county))
                    written.append(county)
                    kind = "written"
                if progress:
                    progress(county, kind)
            writer.write_regions(regions_table())
            snap = writer.finish(
                # The relative standards recorded by the province offices, so that the checks
                # on an engine judge each household by its own standard (analytics.jobs).
                standards=[v.as_standard().as_dict() for v in current_versions()],
                secret_check=secret_check(),
                audit_gaps=gaps,
                database=connection.vendor,
                written=written,
                reused=reused,
            )
    return SnapshotInfo(snap, written, reused, time.monotonic() - started)
