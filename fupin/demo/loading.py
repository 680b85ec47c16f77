"""Bulk loading of synthetic counties into the registry, and their ground truth kept apart.

The generator (`fupin.synth`) yields one county at a time as Arrow tables. Rows go in through
`fupin.registry.bulk` (executemany, explicit primary keys), because the ORM's per-object path is far too
slow for a province of ten million people. The ground truth is written to Parquet files under
`<FUPIN_DATA_DIR>/truth/`, never to the database: assessment code must not be able to read it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry
from fupin.regions.models import Level, Region
from fupin.registry.bulk import analyze_after_bulk_write, bulk_insert
from fupin.registry.models import Household, Person, StatusEvent
from fupin.synth import CountyBatch

CHUNK = 20_000


def truth_dir() -> Path:
    return Path(settings.DATA_DIR) / "truth"


def _insert(model: type[models.Model], fields: Sequence[str], columns: Sequence[list[Any]]) -> None:
    """INSERT many rows given column-wise (as Arrow hands them over)."""
    if columns and columns[0]:
        bulk_insert(model, fields, list(zip(*columns, strict=True)), batch=CHUNK)


def _next_id(model: type[models.Model]) -> int:
    return int(model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1


def _col(table: pa.Table, name: str) -> list[Any]:
    return table.column(name).to_pylist()


def _coordinates(regions: pa.Table) -> list[list[Any]]:
    """Longitude and latitude columns (empty for batches written before regions had them)."""
    return [
        _col(regions, c) if c in regions.column_names else [None] * regions.num_rows
        for c in ("lon", "lat")
    ]


HOUSEHOLD_FIELDS = [
    "household_no",
    "registered",
    "status",
    "identified_year",
    "exited_year",
    "attribute",
    "standard",
    "main_cause",
    "other_causes",
    "income_year",
    "income_wages",
    "income_business",
    "income_property",
    "income_transfers",
    "income_policy_transfers",
    "income_total",
    "income_per_capita",
    "food_ok",
    "clothing_ok",
    "education_ok",
    "medical_ok",
    "housing_ok",
    "water_ok",
    "at_risk_dibao",
    "at_risk_illness",
    "at_risk_housing",
    "size",
]
PERSON_FIELDS = [
    "id_number",
    "name",
    "relation",
    "sex",
    "birth_date",
    "education",
    "school_status",
    "health",
    "disability_grade",
    "labour_ability",
    "months_away",
    "insured",
    "deceased",
]
EVENT_FIELDS = ["kind", "date", "year", "reason"]


def load_county(batch: CountyBatch, *, actor: str = "synth") -> dict[str, int]:
    """Write one generated county (regions, households, members, events); returns counts."""
    regions: pa.Table = batch.regions
    known = dict(
        Region.objects.filter(
            level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE],
            code__in=_col(regions, "parent_code"),
        ).values_list("code", "id")
    )
    # Townships first, then villages, so that every parent id exists.
    region_id = _next_id(Region)
    for level in (Level.TOWNSHIP, Level.VILLAGE):
        part = regions.filter(pa.compute.equal(regions.column("level"), level.value))
        codes = _col(part, "code")
        ids = list(range(region_id, region_id + len(codes)))
        region_id += len(codes)
        parents = [known[c] for c in _col(part, "parent_code")]
        _insert(
            Region,
            [
                "id",
                "code",
                "name",
                "level",
                "parent",
                "zone",
                "is_poor_county",
                "exit_year",
                "is_poor_village",
                "poor_named_year",
                "poor_exit_year",
                "deeply_poor",
                "lon",
                "lat",
            ],
            [
                ids,
                codes,
                _col(part, "name"),
                [level.value] * len(codes),
                parents,
                [""] * len(codes),
                [False] * len(codes),
                [None] * len(codes),
                _col(part, "is_poor_village"),
                _col(part, "poor_named_year"),
                _col(part, "poor_exit_year"),
                _col(part, "deeply_poor"),
                *_coordinates(part),
            ],
        )
        known.update(zip(codes, ids, strict=True))

    households: pa.Table = batch.households
    nos = _col(households, "household_no")
    first = _next_id(Household)
    hh_ids = list(range(first, first + len(nos)))
    hh_id_of = dict(zip(nos, hh_ids, strict=True))
    now = dt.datetime.now(dt.UTC)
    _insert(
        Household,
        ["id", "village", "updated_at", *HOUSEHOLD_FIELDS],
        [hh_ids, [known[c] for c in _col(households, "village_code")], [now] * len(nos)]
        + [_col(households, f) for f in HOUSEHOLD_FIELDS],
    )
    persons: pa.Table = batch.persons
    _insert(
        Person,
        ["household", *PERSON_FIELDS],
        [[hh_id_of[n] for n in _col(persons, "household_no")]]
        + [_col(persons, f) for f in PERSON_FIELDS],
    )
    events: pa.Table = batch.events
    _insert(
        StatusEvent,
        ["household", "recorded_at", "removal_kind", *EVENT_FIELDS],
        [
            [hh_id_of[n] for n in _col(events, "household_no")],
            [now] * events.num_rows,
            [""] * events.num_rows,  # imported removals carry no 减少类型
        ]
        + [_col(events, f) for f in EVENT_FIELDS],
    )
    counts = {
        "villages": sum(1 for lv in _col(regions, "level") if lv == Level.VILLAGE),
        "households": households.num_rows,
        "persons": persons.num_rows,
        "events": events.num_rows,
    }
    audit_record(
        actor=None,
        actor_label=actor,
        action=AuditEntry.Action.IMPORT,
        obj=None,
        model="County",
        key=batch.county.code,
        after=counts,
        reason="合成数据批量生成（每县一条审计记录）",
    )
    return counts


def write_truth(batch: CountyBatch, directory: Path) -> None:
    """The county's ground truth, one Parquet file per county, kept out of the database."""
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(batch.truth_households, directory / f"households-{batch.county.code}.parquet")


def reset_sequences() -> None:
    """After explicit-id inserts, PostgreSQL's sequences must move past the new ids."""
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Region, Household, Person, StatusEvent]
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def registry_load_synth(
    *,
    batches: Iterable[CountyBatch],
    truth: Path | None = None,
    actor: str = "synth",
    progress: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, int]:
    """Load every generated county in one transaction; returns the totals.

    All or nothing: an interrupted load leaves the database as it was. The truth files are
    written to a staging folder and moved into place only after the commit.
    """
    totals = {"counties": 0, "villages": 0, "households": 0, "persons": 0, "events": 0}
    truth = truth or truth_dir()
    truth.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=truth, prefix=".staging-") as staging:
        with transaction.atomic():
            for batch in batches:
                counts = load_county(batch, actor=actor)
                write_truth(batch, Path(staging))
                totals["counties"] += 1
                for k, v in counts.items():
                    totals[k] += v
                if progress:
                    progress(counts)
            reset_sequences()
            analyze_after_bulk_write(
                {
                    Region: totals["villages"],
                    Household: totals["households"],
                    Person: totals["persons"],
                    StatusEvent: totals["events"],
                }
            )
        for f in Path(staging).iterdir():
            f.replace(truth / f.name)
    return totals
