"""After a bulk write the planner knows the rows are there (PostgreSQL), within the same transaction.

Before: a VACUUM that autovacuum ran while a load's transaction was open recorded the table as
0 rows on many pages, and PostgreSQL planned every later query of that transaction for one-row
tables: the 10 000-household round trip took 504 s on PostgreSQL (16 s on SQLite), one export
query alone 157 s.
"""

from __future__ import annotations

import pytest
from django.db import connection

from fupin.registry.bulk import analyze_after_bulk_write
from fupin.registry.io import importing
from fupin.registry.io.exporting import export_registry
from fupin.registry.models import Household, Person, StatusEvent
from fupin.registry.tests.test_io_roundtrip import seed_registry, wipe_registry

pytestmark = pytest.mark.django_db


def _reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return float(cursor.fetchone()[0])


def test_a_bulk_write_is_analysed_in_its_own_transaction(tree) -> None:
    Household.objects.bulk_create(
        Household(
            household_no=f"62112610100{i:05d}",
            village=tree.village_a,
            size=1,
            income_total=3000,
            income_per_capita=3000,
        )
        for i in range(400)
    )
    analysed = analyze_after_bulk_write({Household: 400})
    if connection.vendor != "postgresql":
        assert analysed == []  # SQLite's planner needs no statistics for these queries
        return
    assert analysed == ["registry_household"]
    assert _reltuples("registry_household") >= 400  # counted though not yet committed
    # A small change afterwards is under PostgreSQL's own threshold: no second ANALYZE.
    assert analyze_after_bulk_write({Household: 20}) == []


def test_an_import_analyses_what_it_wrote_and_a_dry_run_does_not(tree, tmp_path, monkeypatch):
    calls: list[dict[type, int]] = []
    monkeypatch.setattr(importing, "analyze_after_bulk_write", calls.append)
    seed_registry(tree)
    path = tmp_path / "registry-csv"
    export_registry(path=path, full_ids=True)
    wipe_registry()
    assert importing.import_file(path=path, dry_run=True).households_new == 4
    assert calls == []
    assert importing.import_file(path=path).written
    assert calls == [{Household: 4, Person: 11, StatusEvent: 7}]
