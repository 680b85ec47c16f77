"""Export then import gives back identical records for the registries fupin generates itself
(issue #18 item 6): the demo county, and a synthetic county of 10 000 households.

Before: the demo county's export was refused with 9 problems (7 per-capita incomes not matching
total ÷ size, 2 ID numbers listed twice in a household), all planted recording errors that the
registry checks exist to find; and 家庭人口 was not exported, so a household keeping a deceased
member on its roster came back one person smaller.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fupin import synth
from fupin.demo.loading import registry_load_synth
from fupin.regions.services import regions_load_poverty_counties
from fupin.registry.checking import registry_check
from fupin.registry.io.exporting import export_registry
from fupin.registry.io.importing import import_file
from fupin.registry.models import Household, Person, StatusEvent
from fupin.registry.tests.test_io_roundtrip import wipe_registry

pytestmark = pytest.mark.django_db

HOUSEHOLD_SKIP = {"id", "updated_at"}
PERSON_SKIP = {"id", "household"}
EVENT_SKIP = {"id", "household", "recorded_at", "recorded_by"}


def _fields(model: Any, skip: set[str]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.name not in skip]


def dump_registry() -> dict[str, Any]:
    """Every stored field of every household, member (in order) and event, by household number."""
    hf = _fields(Household, HOUSEHOLD_SKIP)
    out: dict[str, Any] = {}
    numbers: dict[int, str] = {}
    for pk, *values in Household.objects.order_by("household_no").values_list("id", *hf):
        row = dict(zip(hf, values, strict=True))
        numbers[pk] = row["household_no"]
        out[row["household_no"]] = {**row, "members": [], "events": []}
    pf = _fields(Person, PERSON_SKIP)
    for hid, *values in Person.objects.order_by("household_id", "id").values_list(
        "household_id", *pf
    ):
        out[numbers[hid]]["members"].append(dict(zip(pf, values, strict=True)))
    ef = _fields(StatusEvent, EVENT_SKIP)
    for hid, *values in StatusEvent.objects.order_by("household_id", "date", "id").values_list(
        "household_id", *ef
    ):
        out[numbers[hid]]["events"].append(dict(zip(ef, values, strict=True)))
    return out


def _county(tmp_path: Path, **overrides: Any) -> str:
    regions_load_poverty_counties(provinces={"甘肃省"})
    config = synth.preset("demo", **overrides)
    registry_load_synth(batches=synth.generate(config), truth=tmp_path / "truth")
    return config.counties[0].code + "000000"


def _round_trip(path: Path, **export: Any) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    export_registry(path=path, full_ids=True, **export)
    before = dump_registry()
    wipe_registry()
    report = import_file(path=path)
    return report, before, dump_registry()


@pytest.fixture
def demo_county(tmp_path: Path) -> str:
    """`fupin synth --preset demo`: one county, 1 500 households with planted recording errors."""
    return _county(tmp_path)


@pytest.mark.parametrize("name", ["demo.xlsx", "demo-csv"])
def test_the_demo_county_comes_back_identical(demo_county, tmp_path, name) -> None:
    report, before, after = _round_trip(tmp_path / name)
    assert report.problems == [] and report.outcome == "written"
    assert report.households_new == len(before) == 1500
    assert after == before
    # The planted inconsistencies came through as warnings, and the checks flag each of them.
    kinds = {w.column for w in report.warnings}
    assert {"人均纯收入", "证件号码"} <= kinds <= {"人均纯收入", "证件号码", "家庭人口"}
    flagged = {row[0] for row in registry_check(region_code=demo_county).result.rows()}
    assert {w.household_no for w in report.warnings} <= flagged


def test_the_demo_county_is_refused_where_inconsistent_when_strict(demo_county, tmp_path) -> None:
    path = tmp_path / "demo-csv"
    export_registry(path=path, full_ids=True)
    report = import_file(path=path, strict=True, dry_run=True)
    assert report.outcome == "rejected" and report.warnings == []
    assert len(report.problems) >= 9
    assert all("严格模式不导入此户" in p.reason for p in report.problems)


def test_reimporting_the_same_export_changes_nothing(demo_county, tmp_path) -> None:
    """Members listed twice match their own rows again instead of being merged or duplicated."""
    path = tmp_path / "demo-csv"
    export_registry(path=path, full_ids=True)
    before = dump_registry()
    report = import_file(path=path)
    assert report.problems == []
    assert report.households_unchanged == 1500 and report.households_updated == 0
    assert (report.persons_created, report.persons_removed, report.events_added) == (0, 0, 0)
    assert dump_registry() == before


@pytest.mark.slow
def test_a_county_of_ten_thousand_households_comes_back_identical(tmp_path) -> None:
    _county(
        tmp_path,
        registered_households=4000,
        registered_persons=16_500,
        nonregistered_households=6000,
        poor_villages=40,
        nonpoor_villages=30,
        villages_per_township=14.0,
    )
    report, before, after = _round_trip(tmp_path / "county-csv")
    assert report.problems == [] and report.outcome == "written"
    assert len(before) == 10_000 and len(report.warnings) > 0
    assert after == before
