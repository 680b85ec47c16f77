"""Dashboard figures precomputed from a snapshot by the analytics layer, and read back.

`aggregates_build` runs the Ibis expressions of fupin.analytics on DuckDB over a snapshot and
stores one `RegionAggregate` row per region (every level, province to village); the region
dashboard of a user who sees the whole region reads those rows instead of scanning the registry.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from fupin.accounts import scoping
from fupin.analytics.snapshot import Snapshot
from fupin.regions.models import LEVEL_DIGITS, Level, Region
from fupin.registry.models import AnalyticsSnapshot, Cause, EventKind, RegionAggregate

# Aggregates of this many snapshots are kept (the newest); older ones are deleted on a build.
KEEP = 3
COUNTS = (
    "households",
    "registered_households",
    "poor",
    "exited",
    "removed",
    "people",
    "registered_people",
    "poor_people",
)


def aggregates_build(
    snapshot: Snapshot | Path | str, *, threads: int | None = None
) -> AnalyticsSnapshot:
    """Compute every region's figures from the snapshot with DuckDB and store them (replacing
    any earlier build of the same snapshot)."""
    from fupin.analytics import expressions as ex
    from fupin.analytics.engines import DuckDBEngine

    snap = snapshot if isinstance(snapshot, Snapshot) else Snapshot.open(snapshot)
    started = time.monotonic()
    engine = DuckDBEngine(snap, threads=threads)
    try:
        indicators = engine.to_pyarrow(ex.all_region_indicators()).to_pylist()
        events = engine.to_pyarrow(ex.all_events_by_year()).to_pylist()
        causes = engine.to_pyarrow(ex.all_causes()).to_pylist()
        duplicates = engine.to_pyarrow(ex.all_duplicates_by_region()).to_pylist()
    finally:
        engine.close()
    return aggregates_store(snap, indicators, events, causes, duplicates, started=started)


def aggregates_store(
    snap: Snapshot,
    indicators: list[dict[str, Any]],
    events: list[dict[str, Any]],
    causes: list[dict[str, Any]],
    duplicates_rows: list[dict[str, Any]],
    *,
    started: float | None = None,
) -> AnalyticsSnapshot:
    """Store the results of the expressions (`all_region_indicators`, `all_events_by_year`,
    `all_causes`, `all_duplicates_by_region`), however computed — here by DuckDB, or by
    `fupin analytics` on Spark — as the snapshot's RegionAggregate rows."""
    started = time.monotonic() if started is None else started
    duplicates = {r["code"]: r for r in duplicates_rows}
    by_year: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for e in events:
        by_year[e["code"]][str(e["year"])][e["kind"]] = e["events"]
    by_cause: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in causes:
        by_cause[c["code"]].append(
            {"cause": c["cause"], "households": c["households"], "people": c["people"] or 0}
        )
    with transaction.atomic():
        AnalyticsSnapshot.objects.filter(snapshot_id=snap.snapshot_id).delete()
        record: AnalyticsSnapshot = AnalyticsSnapshot.objects.create(
            snapshot_id=snap.snapshot_id,
            registry_version=snap.registry_version,
            taken_at=snap.taken_at,
            path=str(snap.path),
            rows={**snap.manifest["rows"], "build_seconds": 0.0},
        )
        RegionAggregate.objects.bulk_create(
            (
                RegionAggregate(
                    snapshot=record,
                    code=r["code"],
                    level=r["level"],
                    **{k: r[k] or 0 for k in COUNTS},
                    duplicated_people=duplicates.get(r["code"], {}).get("duplicated_people", 0),
                    duplicated_elsewhere=duplicates.get(r["code"], {}).get("elsewhere", 0),
                    events={y: dict(k) for y, k in sorted(by_year.get(r["code"], {}).items())},
                    causes=sorted(
                        by_cause.get(r["code"], []), key=lambda c: (-c["households"], c["cause"])
                    ),
                )
                for r in indicators
            ),
            batch_size=2000,
        )
        record.rows["build_seconds"] = round(time.monotonic() - started, 3)
        record.save(update_fields=["rows"])
        old = AnalyticsSnapshot.objects.order_by("-taken_at", "-id").values_list("id", flat=True)[
            KEEP:
        ]
        AnalyticsSnapshot.objects.filter(id__in=list(old)).delete()
    return record


def latest_aggregates() -> AnalyticsSnapshot | None:
    """The newest snapshot whose aggregates are built."""
    found: AnalyticsSnapshot | None = AnalyticsSnapshot.objects.order_by("-taken_at", "-id").first()
    return found


def _counts(row: RegionAggregate | None) -> dict[str, Any]:
    values = {k: getattr(row, k) if row is not None else 0 for k in COUNTS}
    people = values["people"]
    values["incidence"] = values["poor_people"] / people if people else None
    return values


CHILD_KEYS = ("households", "registered_households", "poor", "people", "poor_people", "incidence")
SUMMARY_KEYS = (
    "households",
    "registered_households",
    "poor",
    "exited",
    "people",
    "registered_people",
    "poor_people",
    "incidence",
)


def _events(data: dict[str, dict[str, int]]) -> dict[str, Any]:
    if not data:
        return {"years": [], "series": []}
    found = [int(y) for y in data]
    years = list(range(min(found), max(found) + 1))
    return {
        "years": years,
        "series": [
            {
                "kind": kind,
                "label": str(label),
                "counts": [data.get(str(y), {}).get(kind, 0) for y in years],
            }
            for kind, label in EventKind.choices
        ],
    }


def dashboard_from_aggregates(
    record: AnalyticsSnapshot, user: AbstractBaseUser | AnonymousUser, region: Region
) -> dict[str, Any]:
    """What `region_dashboard` returns, read from a snapshot's aggregates (for a user who sees
    the whole region): a handful of queries whatever the region's size."""
    from fupin.registry.selectors import CHILD_LEVEL, VillagePoints

    aggregates = RegionAggregate.objects.filter(snapshot=record)
    own = aggregates.filter(code=region.code).first()
    counts = _counts(own)
    summary: dict[str, Any] = {k: counts[k] for k in SUMMARY_KEYS}
    summary["duplicated_people"] = own.duplicated_people if own is not None else 0
    summary["duplicated_elsewhere"] = own.duplicated_elsewhere if own is not None else 0
    summary["as_of"] = record.taken_at
    summary["snapshot_id"] = record.snapshot_id

    children: list[dict[str, Any]] = []
    child_level = CHILD_LEVEL.get(Level(region.level))
    if child_level is not None:
        kids = list(scoping.regions_for(user).filter(parent=region).order_by("code"))
        rows = {a.code: a for a in aggregates.filter(code__in=[k.code for k in kids])}
        for kid in kids:
            c = _counts(rows.get(kid.code))
            children.append({"region": kid, **{k: c[k] for k in CHILD_KEYS}})

    villages = None
    if region.level != Level.VILLAGE:
        prefix = region.code[: LEVEL_DIGITS[Level(region.level)]]
        rows = {a.code: a for a in aggregates.filter(level="village", code__startswith=prefix)}
        placed: list[dict[str, Any]] = []
        unplaced: list[dict[str, Any]] = []
        for code, name, lon, lat, is_poor in (
            scoping.regions_for(user)
            .filter(level=Level.VILLAGE, code__startswith=prefix)
            .values_list("code", "name", "lon", "lat", "is_poor_village")
            .order_by("code")
        ):
            if (row := rows.get(code)) is None:
                continue
            point = {
                "code": code,
                "name": name,
                "lon": lon,
                "lat": lat,
                "is_poor_village": is_poor,
                "households": row.households,
                "registered_households": row.registered_households,
                "people": row.people,
                "poor_people": row.poor_people,
                "incidence": round(row.poor_people / row.people, 6) if row.people else None,
            }
            (placed if lon is not None and lat is not None else unplaced).append(point)
        villages = VillagePoints(placed=placed, unplaced=unplaced)

    labels = dict(Cause.choices)
    causes = [
        {
            "cause": c["cause"],
            "label": str(labels.get(c["cause"], c["cause"])),
            "households": c["households"],
            "people": c["people"],
        }
        for c in (own.causes if own is not None else [])
    ]
    return {
        "summary": summary,
        "children": children,
        "villages": villages,
        "events": _events(own.events if own is not None else {}),
        "causes": causes,
    }
