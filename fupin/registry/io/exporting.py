"""The registry export: the same layout the import reads, ID numbers masked unless asked."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry
from fupin.files.sheets import CSV_ENCODINGS, MIN_WIDTH, Sheet, display_width, write_csv, write_xlsx
from fupin.policy import idnumber
from fupin.regions.models import Region
from fupin.registry.io.columns import (
    EVENT_COLUMNS,
    EVENT_HEADERS,
    EVENTS_TABLE,
    MEMBER_COLUMNS,
    MEMBER_HEADERS,
    MEMBERS_TABLE,
    Cell,
    Scope,
)
from fupin.registry.models import Household, Person, StatusEvent

FORMATS = ("xlsx", "csv")
CHUNK = 2000
# Columns whose content is wider than their header (characters; a CJK character counts as two).
_CONTENT_WIDTHS = {
    "行政区划代码": 14,
    "户编号": 18,
    "证件号码": 20,
    "其他致贫原因": 16,
    "乡镇": 12,
    "行政村": 12,
    "出生日期": 12,
    "日期": 12,
    "原因": 30,
}


def _widths(headers: tuple[str, ...]) -> list[int]:
    return [max(MIN_WIDTH, display_width(h) + 2, _CONTENT_WIDTHS.get(h, 0)) for h in headers]


_PLACE_DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


class ExportError(ValueError):
    """An export that cannot be made as asked; the message is for the user."""


@dataclass
class ExportResult:
    paths: list[Path]
    households: int = 0
    persons: int = 0
    events: int = 0
    full_ids: bool = False
    households_without_members: list[str] = field(default_factory=list)


def _place_code(code: str, level: str) -> str:
    digits = _PLACE_DIGITS[level]
    return code[:digits] + "0" * (12 - digits)


class _PlaceNames:
    """Names of a village's province, city, county and township, loaded once per code."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def load(self, village_codes: set[str]) -> None:
        wanted = {_place_code(c, lvl) for c in village_codes for lvl in _PLACE_DIGITS}
        wanted -= set(self.names)
        codes = sorted(wanted)
        for i in range(0, len(codes), 500):
            self.names.update(
                Region.objects.filter(code__in=codes[i : i + 500]).values_list("code", "name")
            )

    def get(self, village_code: str, level: str) -> str:
        return self.names.get(_place_code(village_code, level), "")


def _member_cells(
    h: Household, village_code: str, p: Person, places: _PlaceNames, full_ids: bool
) -> list[Cell]:
    row: list[Cell] = []
    for c in MEMBER_COLUMNS:
        if c.scope is Scope.PLACE:
            value: Any = places.get(village_code, c.field)
        elif c.field == "village_code":
            value = village_code
        elif c.scope is Scope.HOUSEHOLD:
            value = getattr(h, c.field)
        elif c.field == "id_number":
            value = p.id_number if full_ids else idnumber.mask(p.id_number)
        else:
            value = getattr(p, c.field)
        row.append(c.formatter(value))
    return row


def _member_rows(
    households: QuerySet[Household], result: ExportResult, *, full_ids: bool, progress: bool
) -> Iterator[list[Cell]]:
    ids = list(households.order_by("household_no").values_list("id", flat=True))
    places = _PlaceNames()
    bar: Any = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(ids), desc="导出", unit="户", file=sys.stderr, mininterval=0.2)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        rows = list(
            Household.objects.filter(pk__in=chunk)
            .select_related("village")
            .order_by("household_no")
        )
        places.load({h.village.code for h in rows})
        members: dict[int, list[Person]] = defaultdict(list)
        for p in Person.objects.filter(household_id__in=chunk).order_by("household_id", "id"):
            members[p.household_id].append(p)
        for h in rows:
            result.households += 1
            for p in members[h.pk]:
                result.persons += 1
                yield _member_cells(h, h.village.code, p, places, full_ids)
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()


def _event_rows(events: QuerySet[StatusEvent], result: ExportResult) -> Iterator[list[Cell]]:
    formatters = [c.formatter for c in EVENT_COLUMNS]
    rows = events.order_by("household__household_no", "date", "id").values_list(
        "household__household_no", "kind", "date", "reason"
    )
    for values in rows.iterator(chunk_size=CHUNK):
        result.events += 1
        yield [f(v) for f, v in zip(formatters, values, strict=True)]


def export_registry(
    *,
    path: Path,
    fmt: str | None = None,
    region_code: str | None = None,
    full_ids: bool = False,
    actor: str = "export",
    encoding: str = "utf-8-sig",
    progress: bool = False,
) -> ExportResult:
    """Write households (one row per member) and their status events to XLSX or a CSV folder.

    ID numbers are masked unless `full_ids`, which first records an AuditEntry (view_id). A masked
    export cannot be imported again.
    """
    path = Path(path)
    fmt = fmt or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    if fmt not in FORMATS:
        raise ExportError(f"不支持的格式 {fmt}；可用：{'、'.join(FORMATS)}")
    if fmt == "xlsx" and path.suffix.lower() != ".xlsx":
        raise ExportError("XLSX 导出的文件名应以 .xlsx 结尾")
    if fmt == "csv" and path.suffix:
        raise ExportError(
            "CSV 导出写入一个文件夹（家庭成员.csv 和 状态变更.csv），请给出文件夹路径"
        )
    if encoding not in CSV_ENCODINGS:
        raise ExportError(f"不支持的编码 {encoding}；可用：{'、'.join(CSV_ENCODINGS)}")
    households = Household.objects.all()
    persons_in_scope = Person.objects.all()
    events_in_scope = StatusEvent.objects.all()
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise ExportError(f"行政区划代码 {region_code} 不存在")
        households = households.filter(village__code__startswith=region.prefix)
        persons_in_scope = persons_in_scope.filter(
            household__village__code__startswith=region.prefix
        )
        events_in_scope = events_in_scope.filter(household__village__code__startswith=region.prefix)
    result = ExportResult(paths=[], full_ids=full_ids)
    # A household without members has no row to stand on; it is left out and listed. Persons and
    # events are filtered by joins and one correlated EXISTS each, never by `IN (households with
    # an EXISTS)`: PostgreSQL plans that nest, on freshly loaded tables, as persons × households ×
    # persons (a 1 500-household county ran for half an hour).
    has_members = Exists(Person.objects.filter(household=OuterRef("pk")))
    result.households_without_members = list(
        households.filter(~has_members).values_list("household_no", flat=True)
    )
    households = households.filter(has_members)
    events_in_scope = events_in_scope.filter(
        Exists(Person.objects.filter(household=OuterRef("household_id")))
    )
    if full_ids:
        with transaction.atomic():
            persons = persons_in_scope.count()  # every person's household has members
            audit_record(
                actor=None,
                actor_label=actor,
                action=AuditEntry.Action.VIEW_ID,
                obj=None,
                model="Export",
                key=region_code or "全部",
                after={
                    "file": str(path),
                    "format": fmt,
                    "region": region_code or "",
                    "persons": persons,
                },
                reason=f"导出完整身份证号（{persons} 人）到 {path.name}",
            )
    members = _member_rows(households, result, full_ids=full_ids, progress=progress)
    events = _event_rows(events_in_scope, result)
    if fmt == "xlsx":
        write_xlsx(
            path,
            [
                Sheet(MEMBERS_TABLE, MEMBER_HEADERS, members, _widths(MEMBER_HEADERS)),
                Sheet(EVENTS_TABLE, EVENT_HEADERS, events, _widths(EVENT_HEADERS)),
            ],
        )
        result.paths = [path]
    else:
        path.mkdir(parents=True, exist_ok=True)
        member_path, event_path = path / f"{MEMBERS_TABLE}.csv", path / f"{EVENTS_TABLE}.csv"
        write_csv(member_path, MEMBER_HEADERS, members, encoding=encoding)
        write_csv(event_path, EVENT_HEADERS, events, encoding=encoding)
        result.paths = [member_path, event_path]
    return result
