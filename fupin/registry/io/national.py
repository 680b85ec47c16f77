"""Reading the national system's person lists (全国扶贫开发信息系统 贫困人口明细, 已脱贫人口名单) into
the records the registry import writes: region names resolved in the importer's scope, system
labels mapped onto fupin's codes, and what the list does not carry derived only where the rule is
certain.

Derived: sex and birth date from the ID number; the household's net income from per-capita
income × size (unless the list has 家庭纯收入); the identification year from 首次识别时间. The
status history the registry keeps as dated events is built from 首次识别时间, 脱贫年度 and
返贫年度, as precise as the list is: a month-only date is recorded on the month's first day and a
year-only exit or return on the year's last day, and each event's reason says so. Everything
else the list lacks stays empty (unknown), never invented.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from fupin.accounts.scoping import is_active, office_regions
from fupin.policy import idnumber
from fupin.regions.models import Level, Region
from fupin.registry.io.columns import Cell, CellError, _text, choice_labels
from fupin.registry.io.national_columns import (
    EXTRA_HOUSEHOLD_FIELDS,
    EXTRA_PERSON_FIELDS,
    HEADERS,
    HOUSEHOLD_KEYS,
    OWN_HEADERS,
    PARSERS,
    PERSON_KEYS,
    REQUIRED,
    When,
    is_national,
    normalize_header,
)
from fupin.registry.io.reading import Table
from fupin.registry.io.validation import (
    EventRecord,
    HouseholdRecord,
    ParsedFile,
    PersonRecord,
    Problem,
    _Collector,
    check_households,
)
from fupin.registry.models import EventKind, Sex, Status, StatusEvent

__all__ = [
    "import_prefixes",
    "is_national",
    "parse_national",
    "refuse_outside_scope",
    "resolve_places",
]

LOOKUP_CHUNK = 500
CANDIDATES_SHOWN = 10
SOURCE_NOTE = "据全国系统名单导入"
NO_OFFICE = "您没有任何扶贫办的职务，不能导入建档立卡数据"
# Household cells some lists give on the head's row only: an empty one on another row is no
# disagreement.
LENIENT = frozenset({"phone"})


# ---- region names ----

PlaceKey = tuple[str, str, str]  # (county, township, village) names as written, "" when absent


def import_prefixes(user: AbstractBaseUser | None) -> list[str] | None:
    """The region code prefixes a user may import into: their poverty offices' regions (None:
    everywhere, for a superuser or a command run without a user)."""
    if user is None or getattr(user, "is_superuser", False) and is_active(user):
        return None
    return [r.prefix for r in office_regions(user)]


def refuse_outside_scope(parsed: ParsedFile, prefixes: list[str] | None, *, table: str) -> None:
    """fupin's own layout names villages by code: with an importing user, every row of a
    household whose village is outside the user's offices is refused."""
    if prefixes is None:
        return
    for hno, rec in parsed.households.items():
        code = rec.fields.get("village_code")
        if not isinstance(code, str) or any(code.startswith(p) for p in prefixes):
            continue
        for m in rec.members:
            parsed.problems.append(
                Problem(
                    table,
                    m.row,
                    "行政区划代码",
                    code,
                    f"行政区划代码 {code} 不在您管辖的区域内，不能导入",
                    hno,
                )
            )
        parsed.bad.add(hno)


def _full_name(v: Region) -> str:
    t = v.parent
    c = t.parent if t is not None else None
    return "".join(r.name for r in (c, t, v) if r is not None)


def resolve_places(
    places: Iterable[PlaceKey], prefixes: list[str] | None
) -> dict[PlaceKey, tuple[str | None, str, str]]:
    """Each place → (village code, "", "") or (None, the column to blame, the reason)."""
    places = set(places)
    names = sorted({p[2] for p in places})
    villages: dict[str, list[Region]] = defaultdict(list)
    for i in range(0, len(names), LOOKUP_CHUNK):
        for v in Region.objects.filter(
            level=Level.VILLAGE, name__in=names[i : i + LOOKUP_CHUNK]
        ).select_related("parent__parent"):
            villages[v.name].append(v)

    def in_scope(code: str) -> bool:
        return prefixes is None or any(code.startswith(p) for p in prefixes)

    def matches(v: Region, county: str, township: str) -> bool:
        t = v.parent
        c = t.parent if t is not None else None
        return (not township or (t is not None and t.name == township)) and (
            not county or (c is not None and c.name == county)
        )

    out: dict[PlaceKey, tuple[str | None, str, str]] = {}
    for place in places:
        county, township, village = place
        if not village:
            out[place] = (None, "village", "行政村必须填写")
            continue
        found = [v for v in villages.get(village, []) if matches(v, county, township)]
        mine = [v for v in found if in_scope(v.code)]
        written = f"{county}{township}{village}"
        if len(mine) == 1:
            out[place] = (mine[0].code, "", "")
        elif len(mine) > 1:
            shown = "、".join(f"{_full_name(v)}（{v.code}）" for v in mine[:CANDIDATES_SHOWN])
            out[place] = (
                None,
                "village",
                f"行政村“{written}”不唯一，有 {len(mine)} 个同名的村：{shown}；"
                "请填写乡(镇)和县(市、区、旗)以区分",
            )
        elif found:
            out[place] = (
                None,
                "village",
                f"“{_full_name(found[0])}”不在您管辖的区域内，不能导入",
            )
        else:
            out[place] = (
                None,
                "village",
                _unknown(place, villages.get(village, []), in_scope, prefixes is not None),
            )
    return out


def _unknown(
    place: PlaceKey, same_name: list[Region], in_scope: Callable[[str], bool], scoped: bool
) -> str:
    county, township, village = place
    elsewhere = [v for v in same_name if in_scope(v.code)]
    if elsewhere:
        shown = "、".join(_full_name(v) for v in elsewhere[:CANDIDATES_SHOWN])
        return f"{county}{township}没有名为“{village}”的村；同名的村在：{shown}"
    if township:
        towns = Region.objects.filter(level=Level.TOWNSHIP, name=township)
        if county:
            towns = towns.filter(parent__name=county)
        for t in towns:
            if not in_scope(t.code):
                continue
            kids = list(t.children.order_by("code").values_list("name", flat=True))
            more = f" 等 {len(kids)} 个" if len(kids) > CANDIDATES_SHOWN else ""
            return (
                f"{county}{township}没有名为“{village}”的村；该乡(镇)的村有："
                f"{'、'.join(kids[:CANDIDATES_SHOWN])}{more}"
            )
    where = "（在您管辖的区域内）" if scoped else ""
    return f"没有名为“{county}{township}{village}”的村{where}；请核对村名或先导入区划"


# ---- the list read into household records ----


def _other_causes(values: list[Any], main: Any) -> str | None:
    """致贫原因2 and 3 as fupin's 其他致贫原因 (the main cause listed again is not another one)."""
    codes = [v for v in values if isinstance(v, str) and v != main]
    return ",".join(dict.fromkeys(codes)) or None


@dataclass
class _Row:
    row: int
    raw: dict[str, Cell]  # the cells as written, by canonical column name
    values: dict[str, Any]  # the cells read (None: empty or unreadable)
    failed: set[str] = field(default_factory=set)  # cells already reported as unreadable

    def missing(self, key: str) -> bool:
        """Empty (an unreadable cell is reported once, as unreadable)."""
        return self.values.get(key) is None and key not in self.failed


def _event_date(year: int, today: dt.date) -> dt.date:
    return min(dt.date(year, 12, 31), today)


def parse_national(
    table: Table,
    *,
    today: dt.date,
    strict: bool = False,
    user: AbstractBaseUser | None = None,
) -> ParsedFile:
    """Read a national-system person list into the records `importing` checks against the
    database and writes (the same path as fupin's own layout)."""
    out = _Collector(strict=strict)
    name = table.name
    index: dict[str, int] = {}
    header_of: dict[str, str] = {}
    for i, h in enumerate(table.headers):
        norm = normalize_header(h)
        for key, aliases in HEADERS.items():
            if norm in aliases and key not in index:
                index[key], header_of[key] = i, h.strip()
    for key in REQUIRED:
        if key not in index:
            out.problems.append(
                Problem(
                    name,
                    table.header_row,
                    HEADERS[key][0],
                    "",
                    f"缺少必填列“{'”或“'.join(HEADERS[key][:2])}”",
                )
            )
    prefixes = import_prefixes(user)
    if prefixes == [] and not out.problems:
        out.problems.append(Problem(name, 0, "", "", NO_OFFICE))
    if out.problems:
        return ParsedFile({}, out.problems, set(), len(table.rows), unusable=True)

    def column(key: str) -> str:
        return header_of.get(key, HEADERS[key][0])

    rows: list[_Row] = []
    for row_no, cells in table.rows:
        values: dict[str, Any] = {}
        failed: set[str] = set()
        raw = {key: cells[i] if i < len(cells) else None for key, i in index.items()}
        hno = _text(raw["household_no"])[:20]
        for key, cell in raw.items():
            parser = PARSERS.get(key)
            if parser is None:
                continue
            try:
                values[key] = parser(cell)
            except CellError as exc:
                values[key] = None
                failed.add(key)
                out.add(name, row_no, column(key), cell, str(exc), hno)
        if not values.get("household_no"):
            if not hno:
                out.add(
                    name, row_no, column("household_no"), "", "户编号不能为空；该行无法归入任何一户"
                )
            continue
        rows.append(_Row(row_no, raw, values, failed))

    places = {_place(r.values) for r in rows}
    resolved = resolve_places(places, prefixes)
    households: dict[str, HouseholdRecord] = {}
    first: dict[str, _Row] = {}
    for r in rows:
        v, hno = r.values, r.values["household_no"]
        code, _, reason = resolved[_place(v)]
        if code is None:
            out.add(name, r.row, column("village"), v.get("village") or "", reason, hno)
        person = _person(r, out, name, column, today=today)
        rec = households.get(hno)
        if rec is None:
            fields = _household_fields(r, out, name, column, today=today)
            fields["village_code"] = code
            rec = HouseholdRecord(hno, r.row, fields)
            events = _events(r, out, name, column, today=today)
            # A history that cannot be built is already reported: no second complaint about it.
            rec.events, rec.events_ok = events or [], events is not None
            households[hno] = rec
            first[hno] = r
        else:
            _same_household(first[hno], r, out, name, column)
            if rec.fields.get("phone") is None and r.values.get("phone"):
                rec.fields["phone"] = r.values["phone"]  # given on another member's row
        rec.members.append(PersonRecord(r.row, person))

    _drop_known_events(households)
    for rec in households.values():
        fields = rec.fields
        if fields.get("income_total") is None and isinstance(
            fields.get("income_per_capita"), float
        ):
            fields["income_total"] = round(fields["income_per_capita"] * rec.size, 2)
    mark = len(out.problems), len(out.warnings)
    check_households(households, out, table=name)
    columns = {own: column(key) for own, key in OWN_HEADERS.items()}
    out.problems[mark[0] :] = [_renamed(p, columns) for p in out.problems[mark[0] :]]
    out.warnings[mark[1] :] = [_renamed(p, columns) for p in out.warnings[mark[1] :]]
    orphans = len({p.row for p in out.problems if not p.household_no})
    return ParsedFile(
        households,
        out.problems,
        out.bad,
        len(table.rows),
        0,
        bad_rows_without_household=orphans,
        warnings=out.warnings,
        columns=columns,
    )


def _drop_known_events(households: dict[str, HouseholdRecord]) -> None:
    """Events the registry already holds (same kind and year, in order) are not added again: the
    list gives years and months where the registry may hold exact dates (a registry first loaded
    from fupin's own layout, or the same list imported again)."""
    nos = [hno for hno, rec in households.items() if rec.events]
    known: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for i in range(0, len(nos), LOOKUP_CHUNK):
        for hno, kind, year in (
            StatusEvent.objects.filter(household__household_no__in=nos[i : i + LOOKUP_CHUNK])
            .order_by("household_id", "date", "id")
            .values_list("household__household_no", "kind", "year")
        ):
            known[hno].append((kind, year))
    for hno, history in known.items():
        rec, pos, new = households[hno], 0, []
        for ev in rec.events:
            try:
                pos = history.index((ev.kind, ev.date.year), pos) + 1
            except ValueError:
                new.append(ev)
        rec.events = new


def _renamed(p: Problem, columns: dict[str, str]) -> Problem:
    return replace(p, column=columns.get(p.column, p.column))


def _place(values: dict[str, Any]) -> PlaceKey:
    return tuple(  # type: ignore[return-value]
        unicodedata.normalize("NFKC", values.get(k) or "").strip()
        for k in ("county", "township", "village")
    )


def _person(
    r: _Row, out: _Collector, name: str, column: Callable[[str], str], *, today: dt.date
) -> dict[str, Any]:
    v, hno = r.values, r.values["household_no"]
    fields: dict[str, Any] = {
        k: v.get(k) for k in PERSON_KEYS if k not in EXTRA_PERSON_FIELDS or k in v
    }
    fields["deceased"] = False  # the lists name living people
    for key in ("name", "id_number", "relation"):
        if r.missing(key):
            out.add(name, r.row, column(key), "", f"“{column(key)}”必须填写", hno)
    pid = v.get("id_number")
    if not isinstance(pid, str):
        return fields
    problems = idnumber.problems(pid, today=today)
    for p in problems:
        out.add(name, r.row, column("id_number"), pid, p.message, hno)
    if problems:
        return fields
    born, sex = idnumber.birth_date(pid), idnumber.sex(pid)
    for key, derived, shown in (
        ("sex", sex, choice_labels(Sex).get(sex, "")),
        ("birth_date", born, born.isoformat()),
    ):
        stated = v.get(key)
        if stated is None:
            fields[key] = derived
        elif stated != derived:
            out.warn(
                name,
                r.row,
                column(key),
                r.raw[key],
                f"{column(key)}与证件号码所示的“{shown}”不一致",
                hno,
            )
    return fields


def _household_fields(
    r: _Row, out: _Collector, name: str, column: Callable[[str], str], *, today: dt.date
) -> dict[str, Any]:
    v, hno = r.values, r.values["household_no"]
    when: When | None = v.get("identified")
    status = v.get("status")
    fields: dict[str, Any] = {
        "household_no": hno,
        "registered": True,
        "status": status,
        "identified_year": when.date.year if when else None,
        "exited_year": v.get("exited_year"),
        "attribute": v.get("attribute"),
        "main_cause": v.get("main_cause"),
        "other_causes": _other_causes([v.get("cause_2"), v.get("cause_3")], v.get("main_cause")),
        "income_per_capita": v.get("income_per_capita"),
        "income_total": v.get("income_total"),
        "at_risk_housing": v.get("at_risk_housing"),
        "water_ok": v.get("water_ok"),
        "size": v.get("size"),
    }
    # Only when the list has the column: a list without one leaves what is stored alone.
    fields.update({k: v.get(k) for k in EXTRA_HOUSEHOLD_FIELDS if k in v})
    for key in ("status", "income_per_capita", "identified"):
        if r.missing(key):
            out.add(name, r.row, column(key), "", f"“{column(key)}”必须填写", hno)
    return fields


def _events(
    r: _Row, out: _Collector, name: str, column: Callable[[str], str], *, today: dt.date
) -> list[EventRecord] | None:
    """The status history the list implies: identified, then exited, then returned (None when
    it cannot be built)."""
    v, hno = r.values, r.values["household_no"]
    when: When | None = v.get("identified")
    status, exited, returned = v.get("status"), v.get("exited_year"), v.get("returned_year")
    if when is None or status is None:
        return None
    problems = len(out.problems)
    if when.date > today:
        out.add(
            name, r.row, column("identified"), when.shown, f"首次识别时间 {when.shown} 在未来", hno
        )
    precision = {"day": "", "month": "（只到月，记为当月1日）", "year": "（只有年度，记为1月1日）"}
    events = [
        EventRecord(
            r.row,
            EventKind.IDENTIFIED,
            when.date,
            f"{SOURCE_NOTE}：首次识别时间 {when.shown}{precision[when.precision]}",
        )
    ]
    if status == Status.POOR:
        if exited is not None:
            out.add(
                name,
                r.row,
                column("exited_year"),
                exited,
                "脱贫属性为“未脱贫”，脱贫年度应为空",
                hno,
            )
        return events if len(out.problems) == problems else None
    label = choice_labels(Status)[status]
    if exited is None:
        out.add(
            name,
            r.row,
            column("exited_year"),
            "",
            f"脱贫属性为“{label}”，必须填写脱贫年度（脱贫记录需要日期）",
            hno,
        )
    elif exited > today.year:
        out.add(name, r.row, column("exited_year"), exited, f"脱贫年度 {exited} 在未来", hno)
    elif exited < when.date.year:
        out.add(
            name,
            r.row,
            column("exited_year"),
            exited,
            f"脱贫年度 {exited} 早于首次识别时间 {when.shown}",
            hno,
        )
    else:
        events.append(
            EventRecord(
                r.row,
                EventKind.EXITED,
                _event_date(exited, today),
                f"{SOURCE_NOTE}：脱贫年度 {exited}（只有年度，记为年末）",
            )
        )
    if status == Status.RETURNED:
        if returned is None:
            out.add(
                name,
                r.row,
                column("returned_year") if "returned_year" in r.raw else column("status"),
                "" if "returned_year" in r.raw else r.raw["status"],
                "脱贫属性为“返贫”，必须有“返贫年度”（返贫记录需要日期）",
                hno,
            )
        elif returned > today.year or (exited is not None and returned < exited):
            out.add(
                name,
                r.row,
                column("returned_year"),
                returned,
                f"返贫年度 {returned} 应不早于脱贫年度 {exited}，且不在未来",
                hno,
            )
        else:
            events.append(
                EventRecord(
                    r.row,
                    EventKind.RETURNED,
                    _event_date(returned, today),
                    f"{SOURCE_NOTE}：返贫年度 {returned}（只有年度，记为年末）",
                )
            )
    return events if len(out.problems) == problems else None


def _same_household(
    ref: _Row, r: _Row, out: _Collector, name: str, column: Callable[[str], str]
) -> None:
    """Household cells repeat on every member's row and must agree."""
    hno = r.values["household_no"]
    for key in HOUSEHOLD_KEYS:
        if key not in ref.values or key == "household_no":
            continue
        a, b = ref.values.get(key), r.values.get(key)
        if key in LENIENT and (a is None or b is None):
            continue
        if a != b and key not in r.failed and key not in ref.failed:
            out.add(
                name,
                r.row,
                column(key),
                r.raw[key],
                f"同一户的户信息应一致：与本户第 {ref.row} 行的“{_text(ref.raw[key])}”不同",
                hno,
            )
