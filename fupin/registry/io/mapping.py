"""A column mapping for a file whose headers neither layout knows: the user names, for each of
the file's columns, the standard column it holds (fupin's own layout or the national system's)."""

from __future__ import annotations

from collections.abc import Mapping

from fupin.registry.io.columns import MEMBER_HEADERS
from fupin.registry.io.national_columns import HEADERS, normalize_header
from fupin.registry.io.reading import Table
from fupin.registry.io.validation import Problem

KEY_HEADER = "户编号"


def is_known(header: str) -> bool:
    """Whether `header` is a column of fupin's own layout or of the national system's lists."""
    norm = normalize_header(header)
    return header in MEMBER_HEADERS or any(norm in aliases for aliases in HEADERS.values())


def key_header(column_map: Mapping[str, str] | None) -> str:
    """The file's own name for 户编号, by which its header row is found below any title rows."""
    for source, target in (column_map or {}).items():
        if target == KEY_HEADER:
            return source
    return KEY_HEADER


def apply_column_map(table: Table, column_map: Mapping[str, str]) -> list[Problem]:
    """Rename the table's headers as mapped; every problem with the mapping at once (nothing
    renamed then)."""
    problems: list[Problem] = []
    present = [h.strip() for h in table.headers]
    for source, target in column_map.items():
        if source not in present:
            problems.append(
                Problem(table.name, table.header_row, source, "", f"文件中没有列“{source}”")
            )
        if not is_known(target):
            problems.append(
                Problem(
                    table.name,
                    table.header_row,
                    source,
                    target,
                    f"“{target}”不是本系统或全国系统人员名单的列名",
                )
            )
        elif target in present and target not in column_map:
            problems.append(
                Problem(
                    table.name,
                    table.header_row,
                    source,
                    target,
                    f"文件中已有列“{target}”，不能再把“{source}”当作它",
                )
            )
    targets = list(column_map.values())
    for target in sorted({t for t in targets if targets.count(t) > 1}):
        sources = "、".join(s for s, t in column_map.items() if t == target)
        problems.append(
            Problem(table.name, table.header_row, target, "", f"“{sources}”都映射到了“{target}”")
        )
    if not problems:
        table.headers = [column_map.get(h, h) for h in present]
    return problems
