"""Loading a synthetic county into the registry: counts, consistency, truth kept apart."""

import datetime as dt
import subprocess
import sys
from collections import defaultdict

import pyarrow.parquet as pq
import pytest
from django.db import connection

from fupin import synth
from fupin.accounts.models import AuditEntry
from fupin.demo.loading import registry_load_synth
from fupin.policy import idnumber
from fupin.regions.models import Level, Region
from fupin.regions.services import regions_load_poverty_counties
from fupin.registry.models import REGISTERED_STATUSES, Household, Person, StatusEvent
from fupin.registry.services import household_record_event, status_from_events


@pytest.fixture
def loaded(db, tmp_path):
    regions_load_poverty_counties(provinces={"甘肃省"})
    config = synth.preset("demo", seed=7)
    totals = registry_load_synth(batches=synth.generate(config), truth=tmp_path)
    return config, totals, tmp_path


def test_counts_match_what_was_generated(loaded):
    config, totals, _ = loaded
    assert totals["counties"] == 1
    assert Household.objects.count() == totals["households"] == 600 + 900
    assert Household.objects.filter(registered=True).count() == 600
    assert Person.objects.count() == totals["persons"]
    assert StatusEvent.objects.count() == totals["events"]
    assert Region.objects.filter(level=Level.VILLAGE).count() == totals["villages"] == 20
    assert AuditEntry.objects.filter(action="import", model="County").count() == 1


def test_every_household_status_is_the_replay_of_its_events(loaded):
    events = defaultdict(list)
    for no, kind in StatusEvent.objects.order_by("date", "id").values_list(
        "household__household_no", "kind"
    ):
        events[no].append(kind)
    for h in Household.objects.only("household_no", "status", "registered"):
        assert status_from_events(events[h.household_no]) == h.status
        assert h.registered == (h.status in REGISTERED_STATUSES)


def test_members_have_valid_ids_and_sizes_agree(loaded):
    for p in Person.objects.all()[:500]:
        assert idnumber.problems(p.id_number, known_prefix=p.household.village.code[:6]) == []
    for h in Household.objects.all()[:200]:
        assert h.members.count() == h.size


def test_truth_is_written_apart_and_not_in_the_database(loaded):
    _, totals, truth = loaded
    files = list(truth.glob("*.parquet"))
    assert len(files) == 1
    table = pq.read_table(files[0])
    assert table.num_rows == totals["households"]
    assert "truly_poor" in table.column_names
    tables = connection.introspection.table_names()
    assert not [t for t in tables if "truth" in t]


def test_new_records_can_follow_a_bulk_load(loaded):
    # Explicit ids were inserted; the id sequences (PostgreSQL) must have moved past them.
    village = Region.objects.filter(level=Level.VILLAGE).first()
    h = Household.objects.create(household_no=village.code + "9999", village=village)
    household_record_event(household=h, kind="identified", date=dt.date(2016, 5, 1), actor="t")
    township = Region.objects.filter(level=Level.TOWNSHIP).first()
    Region.objects.create(
        code=township.code[:9] + "999", name="新村", level=Level.VILLAGE, parent=township
    )


@pytest.mark.slow
def test_the_synth_command_refuses_to_overwrite_without_replace(tmp_path, set_up_data_folder):
    # A data folder `fupin setup` has built (once per session: fupin/testing/datafolder.py).
    env = set_up_data_folder
    first = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "synth"], env=env, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    again = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "synth"], env=env, capture_output=True, text=True
    )
    assert again.returncode == 2
    assert "--replace" in again.stderr
    no_yes = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "synth", "--replace"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert no_yes.returncode == 2 and "--yes" in no_yes.stderr
    rebuilt = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "synth", "--replace", "--yes"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "f.sqlite3") as db:
        assert db.execute("select count(*) from registry_household").fetchone()[0] == 1500
