"""Gansu's regions for the shared fixtures (`gansu_village`, used by some 1 700 tests), at the cost
of a few bulk inserts (13 queries) instead of the loader's 362 per test.

The first time a process needs them, the real loader (`regions_load_poverty_counties`) runs and
the rows it wrote are recorded; later tests get the same rows, inserted in the same order (so the
ids follow the same sequence), with the same parents. The loader itself is tested in
fupin/regions/tests; here it only provides data. When the region table is not empty (a test
loaded other regions first), the loader runs as before, since it then merges.
"""

from __future__ import annotations

from typing import Any

from fupin.regions.models import Region
from fupin.regions.services import regions_load_poverty_counties

# frozenset of province names → the rows the loader wrote, in the order it wrote them.
_recorded: dict[frozenset[str], list[dict[str, Any]]] = {}


def regions_load_for_tests(provinces: set[str]) -> None:
    """What `regions_load_poverty_counties(provinces=provinces)` writes into an empty table."""
    key = frozenset(provinces)
    if Region.objects.exists():
        regions_load_poverty_counties(provinces=provinces)
        return
    rows = _recorded.get(key)
    if rows is None:
        regions_load_poverty_counties(provinces=provinces)
        codes = dict(Region.objects.values_list("id", "code"))
        _recorded[key] = [
            {**row, "parent_id": codes.get(row["parent_id"])}
            for row in Region.objects.order_by("id").values()
        ]
        return
    ids: dict[str, int] = {}
    batch: list[Region] = []

    def flush() -> None:
        for region in Region.objects.bulk_create(batch):
            ids[region.code] = region.pk
        batch.clear()

    for row in rows:
        parent = row["parent_id"]
        if parent is not None and parent not in ids:
            flush()  # the parent is in this batch: insert it first
        fields = {k: v for k, v in row.items() if k not in ("id", "parent_id")}
        batch.append(Region(**fields, parent_id=ids[parent] if parent is not None else None))
    flush()
