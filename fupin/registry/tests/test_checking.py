"""The registry checks on the database: a tiny registry read into the pure input, and the XLSX."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from fupin.policy import idnumber
from fupin.registry.checking import CheckError, load_check_data, registry_check, write_check_xlsx
from fupin.registry.models import Household, Person, StatusEvent
from fupin.registry.tests.conftest import VILLAGE_A

pytestmark = pytest.mark.django_db


def _id(serial: int) -> str:
    first17 = f"621126198001{serial:02d}0{serial:02d}"[:17]
    return first17 + idnumber.check_digit(first17)


def _household(
    village,
    no: str,
    *,
    status: str = "poor",
    main_cause: str = "capital",
    per_capita: float = 2000.0,
    members: int = 2,
    **fields,
) -> Household:  # type: ignore[no-untyped-def]
    total = per_capita * members
    h = Household.objects.create(
        household_no=no,
        village=village,
        registered=True,
        status=status,
        identified_year=2014,
        main_cause=main_cause,
        income_year=2019,
        income_wages=total,
        income_total=total,
        income_per_capita=per_capita,
        size=members,
        **fields,
    )
    StatusEvent.objects.create(household=h, kind="identified", date=dt.date(2014, 5, 1), year=2014)
    return h


def _member(h: Household, serial: int, relation: str = "head", **fields) -> Person:  # type: ignore[no-untyped-def]
    return Person.objects.create(
        household=h,
        id_number=_id(serial),
        name=f"成员{serial}",
        relation=relation,
        sex="male",
        birth_date=dt.date(1980, 1, serial),
        health=fields.pop("health", "healthy"),
        **fields,
    )


@pytest.fixture
def registry(tree):  # type: ignore[no-untyped-def]
    ill = _household(tree.village_a, "6211261010010001", main_cause="illness")
    _member(ill, 1)
    _member(ill, 2, "spouse")
    good = _household(tree.village_a, "6211261010010002")
    _member(good, 3)
    _member(good, 4, "spouse")
    other = _household(tree.village_b, "6211261010020001")
    _member(other, 5)
    _member(other, 6, "spouse", deceased=True)
    return tree


def test_a_village_reads_only_its_households_and_members(registry) -> None:  # type: ignore[no-untyped-def]
    region, data, ids = load_check_data(region_code=VILLAGE_A)
    assert region is not None and region.code == VILLAGE_A
    assert len(data.households) == 2 and len(data.persons) == 4 and len(ids) == 2
    assert data.year == 2019
    assert data.events is not None and len(data.events.household) == 2
    assert data.plans is None and data.visits is None


def test_the_county_check_flags_each_household_with_its_reason(registry) -> None:  # type: ignore[no-untyped-def]
    check = registry_check(region_code=VILLAGE_A[:6] + "000000")
    counts = check.result.counts()
    assert counts["causes.illness_no_sick"] == 1
    assert counts["members.deceased"] == 1
    assert counts["ledgers.no_visit_this_year"] is None
    assert check.result.households_flagged == 2
    flagged = {row[0]: row[1] for row in check.result.rows()}
    assert flagged == {
        "6211261010010001": "causes.illness_no_sick",
        "6211261010020001": "members.deceased",
    }


def test_an_unknown_region_is_an_error(registry) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckError):
        load_check_data(region_code="999999999999")


def test_the_xlsx_has_the_counts_and_the_households_with_masked_ids(registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "checks.xlsx"
    write_check_xlsx(path, registry_check(region_code=VILLAGE_A[:6] + "000000"))
    wb = load_workbook(path, read_only=True)
    assert wb.sheetnames == ["规则汇总", "问题户"]
    summary = [r for r in wb["规则汇总"].iter_rows(values_only=True)]
    by_id = {r[0]: r[3] for r in summary[1:]}
    assert by_id["causes.illness_no_sick"] == 1 and by_id["ledgers.no_plan"] == "未运行"
    detail = [r for r in wb["问题户"].iter_rows(values_only=True)]
    assert len(detail) == 3
    text = repr(detail)
    for pid in Person.objects.values_list("id_number", flat=True):
        assert pid not in text
    heads = {r[0]: r[4] for r in detail[1:]}
    assert heads["6211261010010001"] == idnumber.mask(_id(1))
    reason = {r[0]: r[7] for r in detail[1:]}["6211261010020001"]
    assert idnumber.mask(_id(6)) in reason
