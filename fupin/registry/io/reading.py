"""Reading registry tables from CSV (UTF-8 or GB18030, detected) and XLSX (python-calamine)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fupin.files.sheets import restore
from fupin.registry.io.columns import Cell, is_blank

ENCODINGS = ("auto", "utf-8", "gb18030")
XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
# How many leading rows may sit above the header (a title line, a blank line).
HEADER_SEARCH_ROWS = 10


class ReadError(Exception):
    """The file cannot be read as a table at all (wrong encoding, unknown format, missing sheet)."""

    def __init__(self, reason: str, *, row: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.row = row


@dataclass
class Table:
    """A sheet as the user sees it: the header row and the data rows, with their row numbers."""

    name: str
    source: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    encoding: str = ""

    def column_index(self) -> dict[str, int]:
        """Header → position; the first of two equal headers wins (duplicates are reported)."""
        out: dict[str, int] = {}
        for i, h in enumerate(self.headers):
            out.setdefault(h, i)
        return out


def decode_csv_bytes(data: bytes, *, encoding: str = "auto") -> tuple[str, str]:
    """Decode a CSV file's bytes; returns (text, encoding used) or raises ReadError naming the line.

    auto: UTF-8 (with or without BOM) first, then GB18030 (what Chinese Excel writes as "CSV"),
    each strictly: a file is accepted only when every byte decodes.
    """
    if encoding not in ENCODINGS:
        raise ReadError(f"不支持的编码 {encoding}；可用：{'、'.join(ENCODINGS)}")
    tried = (
        ["utf-8-sig", "gb18030"]
        if encoding == "auto"
        else ["utf-8-sig" if encoding == "utf-8" else encoding]
    )
    failures: list[UnicodeDecodeError] = []
    for enc in tried:
        try:
            return data.decode(enc), ("utf-8" if enc == "utf-8-sig" else enc)
        except UnicodeDecodeError as exc:
            failures.append(exc)
    # The encoding that got furthest is most likely the file's real one: name the line it broke on.
    worst = max(failures, key=lambda e: e.start)
    line = data.count(b"\n", 0, worst.start) + 1
    names = "、".join("UTF-8" if e.encoding.startswith("utf") else "GB18030" for e in failures)
    raise ReadError(
        f"文件编码错误：第 {line} 行有无法识别的字节（按 {names} 都不能解码）；"
        "请在 Excel 中“另存为 CSV UTF-8”后重新导入，或用 --encoding 指定编码",
        row=line,
    )


def _find_header(rows: Sequence[Sequence[Cell]], key_header: str) -> int:
    """Index of the header row: the first of the leading rows holding `key_header`, else the first
    non-empty row."""
    first_non_empty = None
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        texts = [str(c).strip() if c is not None else "" for c in row]
        if key_header in texts:
            return i
        if first_non_empty is None and any(texts):
            first_non_empty = i
    return first_non_empty if first_non_empty is not None else 0


def _table(
    name: str, source: str, raw_rows: list[list[Cell]], key_header: str, encoding: str = ""
) -> Table:
    if not raw_rows or all(all(is_blank(c) for c in r) for r in raw_rows):
        return Table(name=name, source=source, header_row=1, headers=[], rows=[], encoding=encoding)
    h = _find_header(raw_rows, key_header)
    headers = [str(c).strip() if c is not None else "" for c in raw_rows[h]]
    while headers and not headers[-1]:
        headers.pop()
    rows: list[tuple[int, list[Cell]]] = []
    width = len(headers)
    for i in range(h + 1, len(raw_rows)):
        row = list(raw_rows[i])
        if all(is_blank(c) for c in row):
            continue
        if len(row) < width:
            row.extend([None] * (width - len(row)))
        rows.append((i + 1, row))
    return Table(
        name=name, source=source, header_row=h + 1, headers=headers, rows=rows, encoding=encoding
    )


def read_csv(path: Path, *, name: str, key_header: str = "户编号", encoding: str = "auto") -> Table:
    text, used = decode_csv_bytes(path.read_bytes(), encoding=encoding)
    # Row numbers count records, as a spreadsheet shows them (a quoted cell may span lines).
    # A cell fupin neutralised on export ('=…, '-…) is read back as it was.
    raw_rows: list[list[Cell]] = [
        [restore(c) for c in r] for r in csv.reader(io.StringIO(text, newline=""))
    ]
    return _table(name, path.name, raw_rows, key_header, used)


def read_xlsx(
    path: Path, *, name: str, key_header: str = "户编号", required_sheet: bool = False
) -> Table | None:
    """The sheet called `name` (or the first sheet when `required_sheet` is False and none is
    called so and this is the member table); None when an optional sheet is absent."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise ReadError(f"无法读取 Excel 文件：{exc}") from None
    names = workbook.sheet_names
    if name in names:
        sheet = workbook.get_sheet_by_name(name)
    elif required_sheet:
        sheet = workbook.get_sheet_by_index(0)
    else:
        return None
    # iter_rows keeps the empty area above and left of the data, so indices are Excel row numbers.
    raw_rows = [list(r) for r in sheet.iter_rows()]
    return _table(name, f"{path.name}:{sheet.name}", raw_rows, key_header)


def read_table(
    path: Path,
    *,
    name: str,
    encoding: str = "auto",
    required_sheet: bool = True,
    key_header: str = "户编号",
) -> Table | None:
    """Read one table from a CSV or XLSX file; raises ReadError when it cannot be read."""
    if not path.exists():
        raise ReadError(f"文件不存在：{path}")
    if path.suffix.lower() in XLSX_SUFFIXES:
        return read_xlsx(path, name=name, key_header=key_header, required_sheet=required_sheet)
    if path.suffix.lower() in {".csv", ".txt"}:
        return read_csv(path, name=name, key_header=key_header, encoding=encoding)
    raise ReadError(f"不支持的文件类型 {path.suffix or '(无扩展名)'}；请使用 .xlsx 或 .csv")
