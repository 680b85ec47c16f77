"""Dashboard figures precomputed from a snapshot by the analytics layer (read back by
`fupin.registry.selectors.dashboard_from_aggregates`).

`aggregates_build` runs the Ibis expressions of fupin.analytics on DuckDB over a snapshot and
stores one `RegionAggregate` row per region (every level, province to village); the region
dashboard of a user who sees the whole region reads those rows instead of scanning the registry.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.db import transaction

from fupin.analytics.snapshot import Snapshot
from fupin.registry.models import AnalyticsSnapshot, RegionAggregate
from fupin.registry.selectors import COUNTS

# Aggregates of this many snapshots are kept (the newest); older ones are deleted on a build.
KEEP = 3


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
