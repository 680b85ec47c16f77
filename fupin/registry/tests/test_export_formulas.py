"""Formula injection (issue #18 item 2): text that looks like a formula is never exported as one,
by any writer, and the registry's own export imports back to the same values."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fupin.registry.checking import registry_check, write_check_xlsx
from fupin.registry.io.exporting import export_registry
from fupin.registry.io.importing import import_file
from fupin.registry.io.reporting import write_problems
from fupin.registry.io.validation import Problem
from fupin.registry.models import Household, Person, StatusEvent
from fupin.registry.tests.conftest import COUNTY, Tree
from fupin.registry.tests.test_io_roundtrip import dump_registry, seed_registry, wipe_registry

pytestmark = pytest.mark.django_db

NAMES = ['=HYPERLINK("http://e.cn","看")', "+1", "-2+3", "@SUM(A1)", "-"]
REASON = "=cmd|' /C calc'!A0"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def planted(tree: Tree) -> dict[str, Any]:
    """The seeded registry with formula-looking names and an event reason."""
    seed_registry(tree)
    for person, name in zip(Person.objects.order_by("pk"), NAMES, strict=False):
        Person.objects.filter(pk=person.pk).update(name=name)
    StatusEvent.objects.filter(kind="returned").update(reason=REASON)
    return dump_registry()


def _xlsx_cells(path: Path) -> list[Any]:
    book = load_workbook(path)
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row]


def test_xlsx_export_writes_text_never_a_formula_and_imports_back(planted, tmp_path) -> None:
    path = tmp_path / "registry.xlsx"
    export_registry(path=path, full_ids=True)
    cells = _xlsx_cells(path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if c.data_type == "s"}
    assert set(NAMES) | {REASON} <= texts
    assert all(c.quotePrefix for c in cells if c.value in set(NAMES) | {REASON})
    wipe_registry()
    report = import_file(path=path)
    assert report.problems == [] and report.written
    assert dump_registry() == planted


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_export_neutralises_every_formula_cell_and_imports_back(
    planted, tmp_path, encoding
) -> None:
    folder = tmp_path / "export"
    export_registry(path=folder, fmt="csv", full_ids=True, encoding=encoding)
    cells = []
    for name in ("家庭成员.csv", "状态变更.csv"):
        with (folder / name).open(encoding=encoding, newline="") as fh:
            cells += [c for row in csv.reader(fh) for c in row]
    assert [c for c in cells if c.startswith(FORMULA_START)] == []
    assert {"'" + n for n in NAMES} | {"'" + REASON} <= set(cells)
    wipe_registry()
    report = import_file(path=folder)
    assert report.problems == [] and report.written
    assert dump_registry() == planted


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_problem_file_quotes_the_bad_values_it_repeats(tmp_path, suffix) -> None:
    problems = [
        Problem("家庭成员", 2, "姓名", NAMES[0], "示例", "=1+1"),
        Problem("家庭成员", 3, "务工时间", "-2+3", "“-2+3”不是月数", ""),
    ]
    path = tmp_path / f"problems{suffix}"
    write_problems(path, problems)
    if suffix == ".xlsx":
        cells = _xlsx_cells(path)
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert {NAMES[0], "=1+1", "-2+3"} <= {c.value for c in cells}
    else:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert [c for c in cells if c.startswith(FORMULA_START)] == []
        assert {"'" + NAMES[0], "'=1+1", "'-2+3"} <= set(cells)


def test_the_checks_download_writes_a_head_named_like_a_formula_as_text(planted, tmp_path) -> None:
    # A household the checks flag (a deceased member still listed), headed by "=HYPERLINK(…)".
    h = Household.objects.get(household_no="6211261010010002")
    h.members.filter(relation="head").update(name=NAMES[0])
    path = tmp_path / "checks.xlsx"
    write_check_xlsx(path, registry_check(region_code=COUNTY))
    cells = _xlsx_cells(path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert NAMES[0] in {c.value for c in cells}


def test_dates_and_numbers_keep_their_types_in_the_xlsx(planted, tmp_path) -> None:
    path = tmp_path / "registry.xlsx"
    export_registry(path=path, full_ids=True)
    ws = load_workbook(path)["家庭成员"]
    header = [c.value for c in ws[1]]
    row = [c.value for c in ws[2]]
    assert isinstance(row[header.index("家庭纯收入")], int | float)
    assert isinstance(row[header.index("出生日期")], dt.date)
    assert ws.freeze_panes == "A2" and ws.page_setup.paperSize == 9
