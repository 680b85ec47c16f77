"""The one writer of every XLSX and CSV fupin produces: formula-looking text neutralised, one layout."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# A text cell starting with one of these is taken for a formula by Excel, LibreOffice or WPS when
# the file is opened (=, +, -, @) or after the leading tab/CR is trimmed (OWASP "CSV Injection").
FORMULA_PREFIXES = frozenset("=+-@\t\r")
QUOTE = "'"
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
MIN_WIDTH, MAX_WIDTH = 8, 60  # column widths, in characters (a CJK character counts as two)


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could evaluate `text`, also behind leading apostrophes (so that
    neutralising and restoring stay exact inverses)."""
    return text.lstrip(QUOTE)[:1] in FORMULA_PREFIXES and text.lstrip(QUOTE) != ""


def neutralise(value: Any) -> Any:
    """A cell for CSV: formula-looking text gets a leading apostrophe; anything else unchanged.

    Numbers stay numbers (a negative amount is not text and is written as is)."""
    if isinstance(value, str) and looks_like_formula(value):
        return QUOTE + value
    return value


def restore(value: Any) -> Any:
    """The inverse of `neutralise`, for importers reading a CSV: `'-2+3` gives back `-2+3`;
    any other value (`'abc`, `2`) is returned unchanged."""
    if isinstance(value, str) and value.startswith(QUOTE) and looks_like_formula(value):
        return value[1:]
    return value


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass
class Sheet:
    """One worksheet: a title, a header row and the data rows (any iterable, read once).

    `widths` are column widths in characters; by default each fits its header."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] | None = None


def _widths(sheet: Sheet) -> list[float]:
    if sheet.widths is not None:
        return [float(w) for w in sheet.widths]
    return [float(min(MAX_WIDTH, max(MIN_WIDTH, display_width(str(h)) + 2))) for h in sheet.headers]


def _save_atomically(target: Path, save: Any) -> None:
    """Write to FILE.part and rename, so a killed export never leaves half a file under the name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    try:
        save(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def write_xlsx(target: Path | IO[bytes], sheets: Iterable[Sheet]) -> None:
    """Write `sheets` to an XLSX file (a path, or a binary stream such as an HTTP response).

    Every text cell is written as a string cell (never a formula); formula-looking text also
    carries Excel's quote prefix, so editing the cell keeps it text. Each sheet has a bold,
    frozen header row repeated on every printed page, fitted column widths and A4 landscape
    pages one page wide. Rows are streamed (openpyxl's write-only mode).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        for i, width in enumerate(_widths(sheet), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        ws.print_title_rows = "1:1"
        ws.page_setup.paperSize = "9"  # A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

        header = []
        for h in sheet.headers:
            cell = WriteOnlyCell(ws, value=str(h))
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([_xlsx_cell(ws, WriteOnlyCell, v) for v in row])
    if isinstance(target, str | Path):
        _save_atomically(Path(target), wb.save)
    else:
        wb.save(target)


def _xlsx_cell(ws: Any, cell_type: Any, value: Any) -> Any:
    if not isinstance(value, str) or not looks_like_formula(value):
        return value
    # openpyxl turns any string starting with "=" into a formula: set the type back to text.
    cell = cell_type(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def write_csv(
    target: Path,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    encoding: str = "utf-8-sig",
) -> None:
    """Write a CSV file (UTF-8 with BOM, which Excel opens directly, or GB18030), formula-looking
    text neutralised with a leading apostrophe (`restore` undoes it on import)."""
    if encoding not in CSV_ENCODINGS:
        raise ValueError(f"不支持的编码 {encoding}；可用：{'、'.join(CSV_ENCODINGS)}")

    def save(tmp: Path) -> None:
        with tmp.open("w", encoding=encoding, newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([neutralise(str(h)) for h in headers])
            writer.writerows([neutralise(v) for v in row] for row in rows)

    _save_atomically(Path(target), save)
