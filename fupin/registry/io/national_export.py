"""Writing the registry as the national system's person list (贫困人口明细): one row per living member
of a registered household, region names instead of codes, the system's labels; `national.py`
reads it back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import transaction

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry
from fupin.files.sheets import CSV_ENCODINGS, MIN_WIDTH, Sheet, display_width, write_csv, write_xlsx
from fupin.policy import idnumber
from fupin.regions.models import Region
from fupin.registry.io.columns import Cell, choice_labels, format_money, format_yes_no
from fupin.registry.io.exporting import ExportError, ExportResult, _PlaceNames
from fupin.registry.models import (
    REGISTERED_STATUSES,
    Attribute,
    Cause,
    Education,
    EventKind,
    Health,
    Household,
    LabourAbility,
    Person,
    Relation,
    SchoolStatus,
    Sex,
    StatusEvent,
)

SHEET = "贫困人口明细"
CHUNK = 2000
HEADERS = (
    "县（市、区、旗）",
    "乡（镇）",
    "行政村",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "性别",
    "出生日期",
    "文化程度",
    "在校生状况",
    "健康状况",
    "残疾等级",
    "劳动技能",
    "务工时间（月）",
    "城乡居民基本医疗保险",
    "贫困户属性",
    "致贫原因1",
    "致贫原因2",
    "致贫原因3",
    "脱贫属性",
    "脱贫年度",
    "返贫年度",
    "危房户",
    "是否解决安全饮用水",
    "家庭纯收入",
    "人均纯收入",
    "联系电话",
    "首次识别时间",
)
_WIDE = {
    "户编号": 18,
    "人编号": 20,
    "证件号码": 20,
    "行政村": 12,
    "乡（镇）": 12,
    "出生日期": 12,
    "联系电话": 14,
}
# fupin's relation and the member's sex → the system's label (之子 / 之女 …).
_RELATION = {
    Relation.HEAD: ("户主", "户主"),
    Relation.SPOUSE: ("配偶", "配偶"),
    Relation.CHILD: ("之子", "之女"),
    Relation.PARENT: ("之父", "之母"),
    Relation.GRANDCHILD: ("之孙子", "之孙女"),
    Relation.SIBLING: ("之兄弟姐妹", "之兄弟姐妹"),
    Relation.OTHER: ("其他", "其他"),
}
_HEALTH = {**choice_labels(Health), Health.SERIOUS: "患有大病"}
_STATUS = {"poor": "未脱贫", "exited": "已脱贫", "returned": "返贫"}


def _relation(p: Person) -> str:
    male, female = _RELATION.get(p.relation, ("其他", "其他"))
    return female if p.sex == Sex.FEMALE else male


def _label(choices: Any, value: str) -> str:
    return choice_labels(choices).get(value, "") if value else ""


def _row(
    h: Household,
    p: Person,
    places: _PlaceNames,
    history: list[tuple[str, Any]],
    full_ids: bool,
) -> list[Cell]:
    causes = [_label(Cause, h.main_cause), *(_label(Cause, c) for c in h.other_cause_list())]
    causes += [""] * (3 - len(causes))
    identified = next((d for k, d in history if k == EventKind.IDENTIFIED), None)
    returned = next((d for k, d in reversed(history) if k == EventKind.RETURNED), None)
    code = h.village.code
    return [
        places.get(code, "county"),
        places.get(code, "township"),
        places.get(code, "village"),
        h.natural_village,
        h.household_no,
        p.person_no,
        p.name,
        p.id_number if full_ids else idnumber.mask(p.id_number),
        h.size,
        _relation(p),
        p.ethnicity,
        _label(Sex, p.sex),
        p.birth_date.isoformat(),
        _label(Education, p.education),
        _label(SchoolStatus, p.school_status),
        _HEALTH.get(p.health, ""),
        p.disability_grade,
        _label(LabourAbility, p.labour_ability),
        p.months_away,
        format_yes_no(p.insured),
        _label(Attribute, h.attribute),
        *causes[:3],
        _STATUS.get(h.status, ""),
        h.exited_year or "",
        returned.year if returned is not None and h.status == "returned" else "",
        format_yes_no(h.at_risk_housing),
        format_yes_no(h.water_ok),
        format_money(h.income_total),
        format_money(h.income_per_capita),
        h.phone,
        identified.isoformat() if identified is not None else (h.identified_year or ""),
    ]


def _rows(households: list[int], result: ExportResult, *, full_ids: bool) -> Iterator[list[Cell]]:
    places = _PlaceNames()
    for i in range(0, len(households), CHUNK):
        chunk = households[i : i + CHUNK]
        rows = list(
            Household.objects.filter(pk__in=chunk)
            .select_related("village")
            .order_by("household_no")
        )
        places.load({h.village.code for h in rows})
        members: dict[int, list[Person]] = defaultdict(list)
        for p in Person.objects.filter(household_id__in=chunk, deceased=False).order_by(
            "household_id", "id"
        ):
            members[p.household_id].append(p)
        history: dict[int, list[tuple[str, Any]]] = defaultdict(list)
        for hid, kind, date in (
            StatusEvent.objects.filter(household_id__in=chunk)
            .order_by("household_id", "date", "id")
            .values_list("household_id", "kind", "date")
        ):
            history[hid].append((kind, date))
        for h in rows:
            if not members[h.pk]:
                result.households_without_members.append(h.household_no)
                continue
            result.households += 1
            for p in members[h.pk]:
                result.persons += 1
                yield _row(h, p, places, history[h.pk], full_ids)


def export_national(
    *,
    path: Path,
    region_code: str | None = None,
    full_ids: bool = False,
    actor: str = "export",
    encoding: str = "utf-8-sig",
) -> ExportResult:
    """Write the registered households (未脱贫, 已脱贫, 返贫) as one XLSX sheet or one CSV file in
    the national system's layout; living members only, ID numbers masked unless `full_ids`
    (audited first, as the own-layout export does)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".xlsx", ".csv"}:
        raise ExportError("全国系统格式导出的文件名应以 .xlsx 或 .csv 结尾")
    if encoding not in CSV_ENCODINGS:
        raise ExportError(f"不支持的编码 {encoding}；可用：{'、'.join(CSV_ENCODINGS)}")
    households = Household.objects.filter(registered=True, status__in=REGISTERED_STATUSES)
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            raise ExportError(f"行政区划代码 {region_code} 不存在")
        households = households.filter(village__code__startswith=region.prefix)
    ids = list(households.order_by("household_no").values_list("id", flat=True))
    result = ExportResult(paths=[path], full_ids=full_ids)
    if full_ids:
        with transaction.atomic():
            persons = Person.objects.filter(household_id__in=households, deceased=False).count()
            audit_record(
                actor=None,
                actor_label=actor,
                action=AuditEntry.Action.VIEW_ID,
                obj=None,
                model="Export",
                key=region_code or "全部",
                after={"file": str(path), "format": "national", "persons": persons},
                reason=f"导出完整身份证号（{persons} 人，全国系统格式）到 {path.name}",
            )
    rows = _rows(ids, result, full_ids=full_ids)
    if suffix == ".xlsx":
        widths = [max(MIN_WIDTH, display_width(h) + 2, _WIDE.get(h, 0)) for h in HEADERS]
        write_xlsx(path, [Sheet(SHEET, HEADERS, rows, widths)])
    else:
        write_csv(path, HEADERS, rows, encoding=encoding)
    return result
