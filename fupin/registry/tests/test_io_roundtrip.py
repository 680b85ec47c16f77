"""Export then import gives back identical records (XLSX; CSV in UTF-8, UTF-8 with BOM, GB18030)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.forms.models import model_to_dict

from fupin.accounts.models import AuditEntry
from fupin.policy import idnumber
from fupin.registry.io.exporting import export_registry
from fupin.registry.io.importing import import_file
from fupin.registry.models import Household, Person, StatusEvent
from fupin.registry.services import household_record_event
from fupin.registry.tests.conftest import Tree

pytestmark = pytest.mark.django_db


def _ids(birth: dt.date, seq: int) -> str:
    body = f"621126{birth:%Y%m%d}{seq:03d}"
    return body + idnumber.check_digit(body)


def seed_registry(tree: Tree) -> None:
    """Four households made through the ORM and services (not the importer), covering every choice."""
    specs: list[dict[str, Any]] = [
        dict(
            household_no="6211261010010001",
            village=tree.village_a,
            attribute="ordinary",
            standard="national",
            main_cause="illness",
            other_causes="skills,capital",
            income_year=2019,
            income_wages=5000,
            income_business=2100.5,
            income_property=0,
            income_transfers=2000,
            income_policy_transfers=1500,
            income_total=9100.5,
        ),
        dict(
            household_no="6211261010010002",
            village=tree.village_a,
            attribute="dibao",
            standard="provincial",
            main_cause="disability",
            other_causes="labour",
            income_year=2020,
            income_wages=0,
            income_business=1234.56,
            income_property=12.3,
            income_transfers=8000,
            income_policy_transfers=7999.99,
            income_total=9246.86,
            housing_ok=False,
            at_risk_housing=True,
            at_risk_dibao=True,
        ),
        dict(
            household_no="6211261010010003",
            village=tree.village_a,
            attribute="tekun",
            standard="city",
            main_cause="drive",
            other_causes="",
            income_year=None,
            income_total=3000,
            at_risk_illness=True,
            medical_ok=False,
        ),
        dict(
            household_no="6211261010020001",
            village=tree.village_b,
            registered=False,
            income_year=2020,
            income_wages=30000,
            income_total=36000,
            income_business=6000,
            food_ok=True,
            water_ok=False,
        ),
    ]
    people = [
        [
            (
                "head",
                "male",
                dt.date(1970, 5, 1),
                dict(education="junior", health="healthy", labour_ability="normal", months_away=8),
            ),
            (
                "spouse",
                "female",
                dt.date(1972, 8, 15),
                dict(education="primary", health="chronic", labour_ability="weak"),
            ),
            (
                "child",
                "male",
                dt.date(2008, 9, 1),
                dict(school_status="in_school", labour_ability="not_working_age"),
            ),
        ],
        [
            (
                "head",
                "female",
                dt.date(1950, 2, 2),
                dict(health="disabled", disability_grade=2, labour_ability="none", insured=False),
            ),
            ("spouse", "male", dt.date(1948, 3, 3), dict(deceased=True, health="serious")),
            (
                "grandchild",
                "male",
                dt.date(2012, 12, 12),
                dict(school_status="dropped_out", education="none"),
            ),
        ],
        [
            ("head", "male", dt.date(1940, 1, 1), dict(education="senior")),
            (
                "sibling",
                "male",
                dt.date(1944, 4, 4),
                dict(school_status="graduated", education="college"),
            ),
            ("other", "female", dt.date(1990, 6, 6), dict(school_status="not_school_age")),
        ],
        [
            ("head", "male", dt.date(1980, 10, 10), {}),
            ("parent", "female", dt.date(1955, 7, 7), {}),
        ],
    ]
    seq = 0
    for spec, members in zip(specs, people, strict=True):
        living = sum(1 for *_, extra in members if not extra.get("deceased"))
        h = Household.objects.create(
            size=living, income_per_capita=spec["income_total"] / living, **spec
        )
        for relation, sex, born, extra in members:
            seq += 2
            pid = _ids(born, seq + (1 if sex == "male" else 0))
            Person.objects.create(
                household=h,
                id_number=pid,
                name=f"成员{seq}",
                relation=relation,
                sex=sex,
                birth_date=born,
                **extra,
            )
    history = {
        "6211261010010001": [("identified", dt.date(2015, 3, 1), "精准识别")],
        "6211261010010002": [
            ("identified", dt.date(2014, 10, 1), ""),
            ("exited", dt.date(2017, 12, 1), "人均纯收入超过国家标准"),
        ],
        "6211261010010003": [
            ("identified", dt.date(2014, 10, 1), ""),
            ("exited", dt.date(2016, 12, 1), ""),
            ("returned", dt.date(2018, 5, 1), "因病返贫"),
            ("removed", dt.date(2019, 8, 1), "错评，家有财政供养人员"),
        ],
    }
    for hno, events in history.items():
        for kind, date, reason in events:
            household_record_event(
                household=Household.objects.get(household_no=hno),
                kind=kind,
                date=date,
                reason=reason,
                actor="seed",
            )


def dump_registry() -> dict[str, Any]:
    """Every field of every household, member and event, keyed by what the file keys them by."""
    out: dict[str, Any] = {}
    for h in Household.objects.order_by("household_no"):
        data = model_to_dict(h, exclude=["id", "updated_at"])
        data["members"] = [model_to_dict(p, exclude=["id", "household"]) for p in h.members.all()]
        data["events"] = [
            model_to_dict(e, exclude=["id", "household", "recorded_by", "recorded_at"])
            for e in h.events.all()
        ]
        out[h.household_no] = data
    return out


def wipe_registry() -> None:
    AuditEntry.objects.all().delete()
    StatusEvent.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()


@pytest.fixture
def seeded(tree: Tree) -> dict[str, Any]:
    seed_registry(tree)
    return dump_registry()


def _reimport(path: Path, expected: dict[str, Any], **kw: Any) -> None:
    wipe_registry()
    report = import_file(path=path, **kw)
    assert report.problems == [], report.problems
    assert report.households_new == 4 and report.persons_created == 11 and report.events_added == 7
    assert dump_registry() == expected


def test_xlsx_round_trip(seeded, tmp_path):
    path = tmp_path / "registry.xlsx"
    result = export_registry(path=path, full_ids=True, actor="tester")
    assert (result.households, result.persons, result.events) == (4, 11, 7)
    _reimport(path, seeded)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_round_trip(seeded, tmp_path, encoding):
    folder = tmp_path / "export"
    export_registry(
        path=folder,
        fmt="csv",
        full_ids=True,
        encoding="gb18030" if encoding == "gb18030" else "utf-8-sig",
    )
    members, events = folder / "家庭成员.csv", folder / "状态变更.csv"
    raw = members.read_bytes()
    if encoding == "utf-8":  # the plain UTF-8 a script would write: no BOM
        assert raw.startswith(b"\xef\xbb\xbf")
        members.write_bytes(raw[3:])
    elif encoding == "gb18030":
        assert "户编号".encode("gb18030") in raw
    _reimport(members, seeded, events_path=events)


def test_csv_folder_import(seeded, tmp_path):
    folder = tmp_path / "export"
    export_registry(path=folder, fmt="csv", full_ids=True)
    _reimport(folder, seeded)


def test_region_filter_exports_only_that_village(seeded, tmp_path, tree):
    path = tmp_path / "b.xlsx"
    result = export_registry(path=path, region_code=tree.village_b.code, full_ids=True)
    assert (result.households, result.persons, result.events) == (1, 2, 0)
    _reimport_partial = import_file(path=path, dry_run=True)
    assert _reimport_partial.households_unchanged == 1
