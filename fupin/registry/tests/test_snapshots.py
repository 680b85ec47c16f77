"""Registry snapshots: consistent with the database, no plain ID numbers, incremental by county,
and the dashboard reading the aggregates built from them."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pyarrow.parquet as pq
import pytest
from django.core.cache import cache

from fupin.accounts.models import AuditEntry
from fupin.analytics.snapshot import iter_parts, part_path
from fupin.regions.models import Level, Region
from fupin.registry.aggregates import aggregates_build
from fupin.registry.models import (
    AnalyticsSnapshot,
    Household,
    Person,
    RegionAggregate,
    StatusEvent,
)
from fupin.registry.selectors import region_dashboard
from fupin.registry.services import household_record_event
from fupin.registry.snapshots import snapshot_write
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

DEMO_COUNTY = "620121"
MINXIAN = "621126"


@pytest.fixture
def registry(world: World, tmp_path) -> World:
    """The personas' world (岷县 and its neighbour) plus the demo county (永登县, 1 500 households)."""
    from fupin.demo.loading import registry_load_synth
    from fupin.synth import generate, preset

    registry_load_synth(batches=generate(preset("demo")), truth=tmp_path / "truth")
    household_record_event(
        household=world.household,
        kind="identified",
        date=dt.date(2016, 3, 1),
        actor="test",
        reason="户主身份证 621126198001010019 已核实",
    )
    return world


def test_manifest_counts_equal_the_database_and_its_version(registry, tmp_path):
    info = snapshot_write(directory=tmp_path / "snap")
    manifest = json.loads((info.path / "manifest.json").read_text())
    assert manifest["rows"] == {
        "households": Household.objects.count(),
        "persons": Person.objects.count(),
        "events": StatusEvent.objects.count(),
        "regions": Region.objects.count(),
    }
    assert manifest["registry_version"] == AuditEntry.objects.latest("id").id
    demo = manifest["counties"][DEMO_COUNTY]
    assert (
        demo["rows"]["households"]
        == Household.objects.filter(village__code__startswith=DEMO_COUNTY).count()
        == 1500
    )
    assert (
        pq.read_table(part_path(info.path, "persons", DEMO_COUNTY)).num_rows
        == Person.objects.filter(household__village__code__startswith=DEMO_COUNTY).count()
    )
    assert sorted(manifest["counties"]) == [DEMO_COUNTY, MINXIAN, "621223"]
    assert info.written == sorted(manifest["counties"]) and info.reused == []


def test_no_parquet_file_holds_an_id_number_in_plain_text(registry, tmp_path):
    info = snapshot_write(directory=tmp_path / "snap")
    numbers = set(Person.objects.values_list("id_number", flat=True)) | {"621126198001010019"}
    assert len(numbers) > 6000
    found_reason = False
    for part in iter_parts(info.snapshot):
        raw = part.read_bytes()
        table = pq.read_table(part)
        for name in table.column_names:
            if str(table.schema.field(name).type) != "string":
                continue
            values = {v for v in table.column(name).to_pylist() if v}
            assert not values & numbers, (part, name)
            assert not any(n in v for v in values for n in ("621126198001010019",)), (part, name)
            found_reason = found_reason or any("621126********0019" in v for v in values)
        assert not any(n.encode() in raw for n in list(numbers)[:500]), part
    assert found_reason  # the event's free-text reason kept, with the number masked


def test_an_incremental_snapshot_rewrites_only_the_changed_county(registry, tmp_path):
    root = tmp_path / "snap"
    first = snapshot_write(directory=root)
    household_record_event(
        household=registry.household, kind="exited", date=dt.date(2018, 10, 1), actor="test"
    )
    second = snapshot_write(directory=root)
    assert second.written == [MINXIAN]
    assert second.reused == [DEMO_COUNTY, "621223"]
    for table in ("households", "persons", "events"):
        old, new = (
            part_path(first.path, table, DEMO_COUNTY),
            part_path(second.path, table, DEMO_COUNTY),
        )
        assert new.read_bytes() == old.read_bytes()
        assert new.stat().st_ino == old.stat().st_ino  # hard-linked, not copied
    households = pq.read_table(part_path(second.path, "households", MINXIAN)).to_pylist()
    assert {h["household_no"]: h["status"] for h in households}[
        registry.household.household_no
    ] == "exited"
    before = pq.read_table(part_path(first.path, "households", MINXIAN)).to_pylist()
    assert {h["household_no"]: h["status"] for h in before}[
        registry.household.household_no
    ] == "poor"
    assert second.snapshot.manifest["previous"] == first.snapshot_id
    assert second.rows == {**first.rows, "events": first.rows["events"] + 1}


def test_nothing_changed_means_every_county_is_reused(registry, tmp_path):
    root = tmp_path / "snap"
    snapshot_write(directory=root)
    again = snapshot_write(directory=root)
    assert again.written == [] and len(again.reused) == 3


def test_a_change_naming_no_household_or_county_rewrites_everything(registry, tmp_path):
    root = tmp_path / "snap"
    snapshot_write(directory=root)
    AuditEntry.objects.create(
        actor="test", action=AuditEntry.Action.UPDATE, model="Something", object_key="1"
    )
    AuditEntry.objects.create(
        actor="test", action=AuditEntry.Action.VIEW_ID, model="Export", object_key="全部"
    )
    assert len(snapshot_write(directory=root).written) == 3


def test_a_county_load_or_delete_marks_that_county_changed(registry, tmp_path):
    root = tmp_path / "snap"
    snapshot_write(directory=root)
    AuditEntry.objects.create(
        actor="synth",
        action=AuditEntry.Action.DELETE,
        model="County",
        object_key=DEMO_COUNTY,
        note="test",
    )
    assert snapshot_write(directory=root).written == [DEMO_COUNTY]
    full = snapshot_write(directory=root, incremental=False)
    assert len(full.written) == 3 and full.reused == []


def test_reading_full_id_numbers_is_no_change(registry, tmp_path):
    root = tmp_path / "snap"
    snapshot_write(directory=root)
    AuditEntry.objects.create(
        actor="test", action=AuditEntry.Action.VIEW_ID, model="Export", object_key="全部"
    )
    assert snapshot_write(directory=root).written == []


def _plain(data):
    """The dashboard data with Region objects as codes and empty sums as zeros, for comparing
    (without what only a snapshot has: its time and id, the duplicates across the registry)."""
    only_snapshot = {"as_of", "snapshot_id", "duplicated_people", "duplicated_elsewhere"}
    summary = {k: v or 0 for k, v in data["summary"].items() if k not in only_snapshot}
    children = [
        {**{k: v or 0 for k, v in c.items() if k != "region"}, "region": c["region"].code}
        for c in data["children"]
    ]
    return {**data, "summary": summary, "children": children}


@pytest.mark.parametrize(
    "code",
    [
        "620000000000",
        "620100000000",
        "620121000000",
        "621126000000",
        "621126100000",
        "621126100001",
    ],
)
def test_aggregates_give_the_dashboard_the_live_figures(registry, system_admin, tmp_path, code):
    region = Region.objects.get(code=code)
    live = region_dashboard(system_admin, region)
    assert "as_of" not in live["summary"]
    info = snapshot_write(directory=tmp_path / "snap")
    record = aggregates_build(info.snapshot)
    cache.clear()
    read = region_dashboard(system_admin, region)
    assert read["summary"]["as_of"] == info.taken_at == record.taken_at
    assert _plain(read) == _plain(live)


def test_the_dashboard_shows_the_snapshots_time_and_numbers(registry, client, tmp_path):
    officer = registry.users["county_officer"]
    client.force_login(officer)
    url = f"/regions/{MINXIAN}000000/"
    live_page = client.get(url).content.decode()
    assert "数据截至" not in live_page and "身份证号重复登记" not in live_page
    info = snapshot_write(directory=tmp_path / "snap")
    aggregates_build(info.snapshot)
    household_record_event(
        household=registry.household, kind="exited", date=dt.date(2018, 10, 1), actor="test"
    )
    response = client.get(url)
    page = response.content.decode()
    local = dt.datetime.fromisoformat(info.snapshot.manifest["taken_at"])
    from django.utils import timezone

    assert f"数据截至 {timezone.localtime(local):%Y-%m-%d %H:%M}" in page
    summary = response.context["summary"]
    assert (summary["poor"], summary["exited"]) == (1, 0)  # the snapshot's, not the live registry's
    # A helping cadre sees one household: computed live, no snapshot time shown.
    client.force_login(registry.users["cadre"])
    village = client.get(f"/regions/{registry.household.village.code}/")
    assert "数据截至" not in village.content.decode()
    assert village.context["summary"]["exited"] == 1
    # The next snapshot brings the exit.
    aggregates_build(snapshot_write(directory=tmp_path / "snap").snapshot)
    client.force_login(officer)
    summary = client.get(url).context["summary"]
    assert (summary["poor"], summary["exited"]) == (0, 1)


def test_aggregates_cover_every_level_and_old_builds_are_pruned(registry, tmp_path):
    root = tmp_path / "snap"
    for _ in range(4):
        aggregates_build(snapshot_write(directory=root).snapshot)
    assert AnalyticsSnapshot.objects.count() == 3
    latest = AnalyticsSnapshot.objects.first()
    levels = set(RegionAggregate.objects.filter(snapshot=latest).values_list("level", flat=True))
    assert levels == {"province", "city", "county", "township", "village"}
    villages = RegionAggregate.objects.filter(snapshot=latest, level="village").count()
    assert (
        villages
        == Region.objects.filter(level=Level.VILLAGE, households__isnull=False).distinct().count()
    )


def test_the_snapshot_command_writes_and_aggregates(registry, tmp_path, capsys):
    from fupin.cli import main

    assert main(["snapshot", "--dir", str(tmp_path / "snap")]) == 0
    out = capsys.readouterr().out
    assert "1503 户" in out and "重写 3 县" in out and "汇总" in out
    assert main(["snapshot", "--dir", str(tmp_path / "snap"), "--no-aggregates"]) == 0
    assert "沿用 3 县" in capsys.readouterr().out
    assert AnalyticsSnapshot.objects.count() == 1


def test_aggregates_count_id_numbers_registered_twice_and_the_dashboard_shows_them(
    registry, client, tmp_path
):
    on_roll = Person.objects.filter(
        household__registered=True, household__status__in=["poor", "exited", "returned"]
    )
    demo = on_roll.filter(household__village__code__startswith=DEMO_COUNTY).order_by("id")
    first = demo.first()
    same_county = demo.exclude(household=first.household).first()
    elsewhere = on_roll.filter(household__village__code__startswith=MINXIAN).first()
    assert first and same_county and elsewhere
    taken = first.id_number
    Person.objects.filter(pk__in=[same_county.pk, elsewhere.pk]).update(id_number=taken)
    # Counted here in Python: the same as one GROUP BY, without leaving the plan of a subquery
    # over tables the test just filled (no statistics yet) to PostgreSQL.
    registrations = list(on_roll.values_list("id_number", "household__village__code"))
    times = Counter(i for i, _ in registrations)
    expected = [code for i, code in registrations if times[i] > 1]
    record = aggregates_build(snapshot_write(directory=tmp_path / "snap").snapshot)
    rows = {a.code: a for a in RegionAggregate.objects.filter(snapshot=record)}
    province = rows["620000000000"]
    assert province.duplicated_people == len(expected) >= 3
    assert province.duplicated_elsewhere == 3  # the taken number is in 永登县 twice and 岷县 once
    assert rows[f"{MINXIAN}000000"].duplicated_elsewhere == 1
    demo_row = rows[f"{DEMO_COUNTY}000000"]
    assert demo_row.duplicated_people == sum(c.startswith(DEMO_COUNTY) for c in expected)
    client.force_login(registry.users["county_officer"])
    page = client.get(f"/regions/{MINXIAN}000000/").content.decode()
    assert "身份证号重复登记" in page and "其中 1 人在外县也有登记" in page
