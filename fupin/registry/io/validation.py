"""Every check on an imported registry file: cells, rows, households, status histories."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fupin.policy import idnumber
from fupin.registry.io.columns import (
    EVENT_COLUMNS,
    EVENTS_TABLE,
    MEMBER_COLUMNS,
    MEMBERS_TABLE,
    REGISTERED_ONLY_FIELDS,
    CellError,
    Column,
    Scope,
    _text,
    choice_labels,
)
from fupin.registry.io.reading import Table
from fupin.registry.models import (
    REGISTERED_STATUSES,
    EventKind,
    Household,
    Person,
    Relation,
    Status,
)
from fupin.registry.services import RegistryError, next_status

# Per-capita income may differ from total ÷ size by rounding: up to 1 yuan, or 0.5% of the
# quotient when that is more (files round per-capita income to whole yuan or to tens).
PER_CAPITA_TOLERANCE_YUAN = 1.0
PER_CAPITA_TOLERANCE_SHARE = 0.005

_ERROR = object()  # a cell that could not be read (its problem is already reported)
_MODEL_DEFAULTS: dict[str, Any] = {}


def _model_default(name: str) -> Any:
    if not _MODEL_DEFAULTS:
        for model in (Household, Person):
            for f in model._meta.concrete_fields:
                if f.has_default():
                    _MODEL_DEFAULTS[f.name] = f.get_default()
                elif f.blank and f.get_internal_type() == "CharField":
                    _MODEL_DEFAULTS[f.name] = ""
    return _MODEL_DEFAULTS.get(name)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: where (table, row as Excel shows it, column) and why."""

    table: str
    row: int
    column: str
    value: str
    reason: str
    household_no: str = ""


@dataclass
class PersonRecord:
    row: int
    fields: dict[str, Any]


@dataclass
class EventRecord:
    row: int
    kind: str
    date: dt.date
    reason: str


@dataclass
class HouseholdRecord:
    household_no: str
    first_row: int
    fields: dict[str, Any]
    members: list[PersonRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    new_events: list[EventRecord] = field(default_factory=list)
    events_ok: bool = True  # False once any of its 状态变更 rows has a problem

    @property
    def living(self) -> int:
        """Living members (已故 members stay on file but are not counted in 家庭人口)."""
        return sum(1 for m in self.members if not m.fields.get("deceased"))

    @property
    def size(self) -> int:
        """家庭人口 as the file states it; counted from the living members when not stated."""
        stated = self.fields.get("size")
        return stated if isinstance(stated, int) else self.living


@dataclass
class ParsedFile:
    households: dict[str, HouseholdRecord]
    problems: list[Problem]
    bad: set[str]
    rows_read: int = 0
    event_rows_read: int = 0
    unusable: bool = False  # the file cannot be imported at all (missing columns, no rows)
    bad_rows_without_household: int = 0
    warnings: list[Problem] = field(default_factory=list)
    # fupin's own column names → the file's, for problems found after parsing (another layout).
    columns: dict[str, str] = field(default_factory=dict)


class _Collector:
    """Problems (the household is not imported) and warnings (imported, shown on the report).

    `strict`: warnings are problems too."""

    def __init__(self, *, strict: bool = False) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.bad: set[str] = set()
        self.strict = strict

    def add(
        self, table: str, row: int, column: str, value: Any, reason: str, household_no: str = ""
    ) -> None:
        self.problems.append(
            Problem(table, row, column, _shown(column, value), reason, household_no)
        )
        if household_no:
            self.bad.add(household_no)

    def warn(
        self, table: str, row: int, column: str, value: Any, reason: str, household_no: str
    ) -> None:
        """A value that is readable but inconsistent with another: what the registry checks
        (`fupin check`) exist to find. Imported as it is, unless strict."""
        if self.strict:
            self.add(table, row, column, value, f"{reason}（严格模式不导入此户）", household_no)
        else:
            self.warnings.append(
                Problem(
                    table,
                    row,
                    column,
                    _shown(column, value),
                    f"{reason}；已按文件所填导入，数据核查会标出",
                    household_no,
                )
            )


def _yuan(value: float) -> str:
    """An amount as written in the file: up to two decimals, none when whole (11087.27, 9100)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _shown(column: str, value: Any) -> str:
    """The cell as shown in a report: ID numbers masked, long text cut."""
    text = _text(value) if value is not _ERROR else ""
    if column == "证件号码" and text:
        return idnumber.mask(text) if "*" not in text else text
    return text if len(text) <= 60 else text[:57] + "…"


def check_headers(table: Table, columns: tuple[Column, ...]) -> list[Problem]:
    """All missing required headers (and duplicated ones) at once, before any row is read."""
    out: list[Problem] = []
    present = set(table.headers)
    for c in columns:
        if c.required and c.header not in present:
            out.append(
                Problem(table.name, table.header_row, c.header, "", f"缺少必填列“{c.header}”")
            )
    seen: set[str] = set()
    known = {c.header for c in columns}
    for h in table.headers:
        if h in known and h in seen:
            out.append(Problem(table.name, table.header_row, h, "", f"列“{h}”出现了两次"))
        seen.add(h)
    return out


def _parse_row(
    cells: list[Any],
    index: dict[str, int],
    columns: tuple[Column, ...],
    cache: dict[str, tuple[Any, Any, str]] | None = None,
) -> tuple[dict[str, Any], list[tuple[Column, Any, str]]]:
    """Parse a row's cells. `cache` holds a household's already-parsed household cells: members
    repeat them, so an identical cell reuses the first parse (and its error, reported again)."""
    values: dict[str, Any] = {}
    errors: list[tuple[Column, Any, str]] = []
    for c in columns:
        i = index.get(c.header)
        if i is None:
            continue
        cell = cells[i] if i < len(cells) else None
        if cache is not None and c.scope is Scope.HOUSEHOLD:
            hit = cache.get(c.field)
            if hit is not None and hit[0] == cell:
                values[c.field] = hit[1]
                if hit[2]:
                    errors.append((c, cell, hit[2]))
                continue
        reason = ""
        try:
            value = c.parser(cell)
        except CellError as exc:
            value, reason = _ERROR, str(exc)
            errors.append((c, cell, reason))
        values[c.field] = value
        if cache is not None and c.scope is Scope.HOUSEHOLD:
            cache[c.field] = (cell, value, reason)
    return values, errors


def _year_label(today: dt.date) -> str:
    return f"今年（{today.year}）"


def parse_members(table: Table, out: _Collector, *, today: dt.date) -> dict[str, HouseholdRecord]:
    """Read and check every member row; group rows into households (file order kept)."""
    index = table.column_index()
    present = [c for c in MEMBER_COLUMNS if c.header in index]
    households: dict[str, HouseholdRecord] = {}
    first_values: dict[str, tuple[int, dict[str, Any], list[Any]]] = {}
    name = table.name
    caches: dict[str, dict[str, tuple[Any, Any, str]]] = defaultdict(dict)
    hno_index = index["户编号"]
    for row_no, cells in table.rows:
        cache = caches[_text(cells[hno_index]) if hno_index < len(cells) else ""]
        values, errors = _parse_row(cells, index, MEMBER_COLUMNS, cache)
        hno = values.get("household_no")
        hno = hno if isinstance(hno, str) else ""
        for c, cell, reason in errors:
            out.add(name, row_no, c.header, cell, reason, hno)
        if not hno:
            if values.get("household_no") is None:
                out.add(name, row_no, "户编号", "", "户编号不能为空；该行无法归入任何一户")
            continue

        registered = values.get("registered")
        # 是否建档立卡=否 is a household never registered (no status, no history) or one removed
        # from the registry (已清退: its status and history stay).
        never_registered = registered is False and values.get("status") is None
        _check_registered_status(values, cells, index, row_no, name, hno, out)
        for c in present:
            v = values.get(c.field)
            if v is _ERROR or c.scope is Scope.PLACE:
                continue
            if v is None and c.mandatory == "always" and c.field != "household_no":
                out.add(name, row_no, c.header, "", f"“{c.header}”必须填写", hno)
            elif v is None and c.mandatory == "registered" and registered is True:
                out.add(name, row_no, c.header, "", f"建档立卡户必须填写“{c.header}”", hno)
            elif v is not None and never_registered and c.field in REGISTERED_ONLY_FIELDS:
                out.add(
                    name,
                    row_no,
                    c.header,
                    cells[index[c.header]],
                    "未建档立卡的农户（是否建档立卡=否，脱贫状态为空）此列应为空",
                    hno,
                )

        _check_person_cells(values, cells, index, row_no, name, hno, out, today=today)
        _check_household_cells(values, cells, index, row_no, name, hno, out, today=today)

        rec = households.get(hno)
        if rec is None:
            rec = HouseholdRecord(
                hno,
                row_no,
                {c.field: values.get(c.field) for c in present if c.scope is Scope.HOUSEHOLD},
            )
            households[hno] = rec
            first_values[hno] = (row_no, values, cells)
        else:
            first_row, ref, ref_cells = first_values[hno]
            for c in present:
                if c.scope is not Scope.HOUSEHOLD:
                    continue
                a, b = ref.get(c.field), values.get(c.field)
                if a is _ERROR or b is _ERROR or a == b:
                    continue
                out.add(
                    name,
                    row_no,
                    c.header,
                    cells[index[c.header]],
                    f"同一户的户信息应一致：与本户第 {first_row} 行的“{_text(ref_cells[index[c.header]])}”不同",
                    hno,
                )
        rec.members.append(
            PersonRecord(
                row_no, {c.field: values.get(c.field) for c in present if c.scope is Scope.PERSON}
            )
        )
    return households


def _check_registered_status(
    values: dict[str, Any],
    cells: list[Any],
    index: dict[str, int],
    row_no: int,
    name: str,
    hno: str,
    out: _Collector,
) -> None:
    """是否建档立卡 follows the status: 是 for 未脱贫/已脱贫/返贫, 否 for 已清退 or no status."""
    registered, status = values.get("registered"), values.get("status")
    if registered is _ERROR or status is _ERROR or registered is None or status is None:
        return
    expected = status in REGISTERED_STATUSES
    if registered != expected:
        label = choice_labels(Status)[status]
        out.add(
            name,
            row_no,
            "是否建档立卡",
            cells[index["是否建档立卡"]],
            f"脱贫状态为“{label}”的农户，是否建档立卡应为“{'是' if expected else '否'}”",
            hno,
        )


def _check_person_cells(
    values: dict[str, Any],
    cells: list[Any],
    index: dict[str, int],
    row_no: int,
    name: str,
    hno: str,
    out: _Collector,
    *,
    today: dt.date,
) -> None:
    id_number = values.get("id_number")
    id_birth: dt.date | None = None
    if isinstance(id_number, str):
        for p in idnumber.problems(id_number, today=today):
            out.add(name, row_no, "证件号码", id_number, p.message, hno)
        try:
            id_birth = idnumber.birth_date(id_number)
        except ValueError:
            id_birth = None
    born = values.get("birth_date")
    if isinstance(born, dt.date):
        if born > today:
            out.add(name, row_no, "出生日期", born, f"出生日期 {born.isoformat()} 在未来", hno)
        elif born.year < 1890:
            out.add(name, row_no, "出生日期", born, f"出生日期 {born.isoformat()} 不可能", hno)
        elif id_birth is not None and id_birth != born:
            out.add(
                name,
                row_no,
                "出生日期",
                born,
                f"出生日期 {born.isoformat()} 与身份证号中的出生日期 {id_birth.isoformat()} 不一致",
                hno,
            )


def _check_household_cells(
    values: dict[str, Any],
    cells: list[Any],
    index: dict[str, int],
    row_no: int,
    name: str,
    hno: str,
    out: _Collector,
    *,
    today: dt.date,
) -> None:
    for fname, header in (
        ("identified_year", "识别年度"),
        ("exited_year", "脱贫年度"),
        ("income_year", "收入年度"),
    ):
        year = values.get(fname)
        if isinstance(year, int) and year > today.year:
            out.add(name, row_no, header, year, f"{header} {year} 晚于{_year_label(today)}", hno)
    transfers, policy = values.get("income_transfers"), values.get("income_policy_transfers")
    if isinstance(transfers, float) and isinstance(policy, float) and policy > transfers + 0.005:
        out.add(
            name,
            row_no,
            "其中政策性收入",
            policy,
            f"其中政策性收入 {_yuan(policy)} 大于转移性收入 {_yuan(transfers)}",
            hno,
        )
    main, others = values.get("main_cause"), values.get("other_causes")
    if isinstance(main, str) and isinstance(others, str) and main in others.split(","):
        out.add(
            name,
            row_no,
            "其他致贫原因",
            cells[index["其他致贫原因"]],
            "其他致贫原因不能与主要致贫原因相同",
            hno,
        )


def check_households(
    households: dict[str, HouseholdRecord], out: _Collector, *, table: str = MEMBERS_TABLE
) -> None:
    """Rules over a household's members, and ID numbers across the whole file."""
    seen_ids: dict[str, tuple[int, str]] = {}
    for hno, rec in households.items():
        heads = [m for m in rec.members if m.fields.get("relation") == Relation.HEAD]
        relation_known = all(m.fields.get("relation") is not _ERROR for m in rec.members)
        if not heads and relation_known:
            out.add(
                table,
                rec.first_row,
                "与户主关系",
                "",
                f"该户（户编号 {hno}）没有户主：每户必须有且只有一个“户主”",
                hno,
            )
        for extra in heads[1:]:
            out.add(
                table,
                extra.row,
                "与户主关系",
                "户主",
                f"该户有两个户主（另见第 {heads[0].row} 行）：每户只能有一个户主",
                hno,
            )
        in_household: dict[str, int] = {}
        for m in rec.members:
            pid = m.fields.get("id_number")
            if not isinstance(pid, str):
                continue
            if pid in in_household:
                out.warn(
                    table,
                    m.row,
                    "证件号码",
                    pid,
                    f"同一户内证件号码重复（与第 {in_household[pid]} 行相同）",
                    hno,
                )
                continue
            in_household[pid] = m.row
            if pid in seen_ids:
                other_row, other_hno = seen_ids[pid]
                out.add(
                    table,
                    m.row,
                    "证件号码",
                    pid,
                    f"证件号码与第 {other_row} 行（户编号 {other_hno}）重复：一人不能属于两户",
                    hno,
                )
                out.add(
                    table,
                    other_row,
                    "证件号码",
                    pid,
                    f"证件号码在第 {m.row} 行（户编号 {hno}）也出现：一人不能属于两户",
                    other_hno,
                )
            else:
                seen_ids[pid] = (m.row, hno)
        stated = rec.fields.get("size")
        if isinstance(stated, int) and stated != rec.living:
            out.warn(
                table,
                rec.first_row,
                "家庭人口",
                stated,
                f"家庭人口 {stated} 与在世成员 {rec.living} 人不符（已故成员不计入）",
                hno,
            )
        total, per_capita = rec.fields.get("income_total"), rec.fields.get("income_per_capita")
        size = rec.size
        if isinstance(total, float) and isinstance(per_capita, float) and size > 0:
            expected = total / size
            tolerance = max(PER_CAPITA_TOLERANCE_YUAN, PER_CAPITA_TOLERANCE_SHARE * expected)
            if abs(per_capita - expected) > tolerance:
                out.warn(
                    table,
                    rec.first_row,
                    "人均纯收入",
                    per_capita,
                    f"人均纯收入 {_yuan(per_capita)} 与家庭纯收入 {_yuan(total)} ÷ 家庭人口 {size} = "
                    f"{expected:.2f} 不符（允许误差 1 元或 0.5%）",
                    hno,
                )


def _never_registered(rec: HouseholdRecord) -> bool:
    return rec.fields.get("registered") is False and rec.fields.get("status") is None


def parse_events(
    table: Table, households: dict[str, HouseholdRecord], out: _Collector, *, today: dt.date
) -> int:
    """Read the 状态变更 rows into their households; returns the rows read."""
    index = table.column_index()
    name = table.name
    last: dict[str, EventRecord] = {}
    keys: dict[str, dict[tuple[str, dt.date], int]] = defaultdict(dict)
    labels = choice_labels(EventKind)
    for row_no, cells in table.rows:
        problems_before = len(out.problems)
        values, errors = _parse_row(cells, index, EVENT_COLUMNS)
        hno = values.get("household_no")
        hno = hno if isinstance(hno, str) else ""
        for c, cell, why in errors:
            out.add(name, row_no, c.header, cell, why, hno)
        kind, date, reason = values.get("kind"), values.get("date"), values.get("reason") or ""
        for c in EVENT_COLUMNS:
            if c.mandatory == "always" and values.get(c.field) is None:
                out.add(name, row_no, c.header, "", f"“{c.header}”必须填写", hno)
        rec = households.get(hno) if hno else None
        if hno and rec is None:
            out.add(name, row_no, "户编号", hno, f"户编号 {hno} 不在家庭成员表中", hno)
        elif rec is not None and _never_registered(rec):
            out.add(
                name,
                row_no,
                "户编号",
                hno,
                "未建档立卡的农户（是否建档立卡=否）不能有状态变更记录",
                hno,
            )
        elif rec is not None and isinstance(kind, str) and isinstance(date, dt.date):
            if date > today:
                out.add(name, row_no, "日期", date, f"日期 {date.isoformat()} 在未来", hno)
            if kind == EventKind.REMOVED and not str(reason).strip():
                out.add(name, row_no, "原因", "", "清退必须填写原因", hno)
            prev = last.get(hno)
            if (kind, date) in keys[hno]:
                out.add(
                    name,
                    row_no,
                    "事件",
                    labels[kind],
                    f"重复的状态变更记录（与第 {keys[hno][(kind, date)]} 行相同）",
                    hno,
                )
            elif prev is not None and date < prev.date:
                out.add(
                    name,
                    row_no,
                    "日期",
                    date,
                    f"状态变更顺序错误：日期 {date.isoformat()} 早于本户上一条记录（第 {prev.row} 行 "
                    f"{labels[prev.kind]} {prev.date.isoformat()}）；请按日期先后排列",
                    hno,
                )
            else:
                keys[hno][(kind, date)] = row_no
                last[hno] = EventRecord(row_no, kind, date, str(reason))
                rec.events.append(last[hno])
        if rec is not None and len(out.problems) > problems_before:
            rec.events_ok = False
    return len(table.rows)


def parse_files(
    members: Table, events: Table | None, *, today: dt.date, strict: bool = False
) -> ParsedFile:
    """Everything that can be checked without the database."""
    out = _Collector(strict=strict)
    out.problems.extend(check_headers(members, MEMBER_COLUMNS))
    if events is not None:
        out.problems.extend(check_headers(events, EVENT_COLUMNS))
    if out.problems:
        return ParsedFile(
            {},
            out.problems,
            set(),
            len(members.rows),
            len(events.rows) if events else 0,
            unusable=True,
        )
    households = parse_members(members, out, today=today)
    check_households(households, out, table=members.name)
    event_rows = parse_events(events, households, out, today=today) if events is not None else 0
    orphans = len({p.row for p in out.problems if not p.household_no and p.table == members.name})
    return ParsedFile(
        households,
        out.problems,
        out.bad,
        len(members.rows),
        event_rows,
        bad_rows_without_household=orphans,
        warnings=out.warnings,
    )


@dataclass(frozen=True)
class ExistingEvent:
    kind: str
    date: dt.date
    reason: str


def check_history(
    rec: HouseholdRecord,
    existing: list[ExistingEvent],
    out: _Collector,
    *,
    events_table: str = EVENTS_TABLE,
    members_table: str = MEMBERS_TABLE,
) -> None:
    """Merge the file's events with the database's (append only) and check the status replay.

    Sets rec.new_events to the events to append. Events already in the database (same kind and
    date) are matched, never edited; new ones must come after the last one in the database.
    """
    hno = rec.household_no
    labels = choice_labels(EventKind)
    status_labels = choice_labels(Status)
    if _never_registered(rec):
        if existing:
            out.add(
                members_table,
                rec.first_row,
                "是否建档立卡",
                "否",
                "数据库中该户已有状态变更记录，不能改为从未建档立卡（脱贫状态为空）",
                hno,
            )
        rec.new_events = []
        return
    by_key = {(e.kind, e.date): e for e in existing}
    last_db = existing[-1] if existing else None
    new: list[EventRecord] = []
    problems_before = len(out.problems)
    for ev in rec.events:
        old = by_key.get((ev.kind, ev.date))
        if old is not None:
            if new:
                out.add(
                    events_table,
                    ev.row,
                    "事件",
                    labels[ev.kind],
                    "该记录在数据库中已有，但文件把它排在新记录之后，与数据库中的历史不符",
                    hno,
                )
            if old.reason.strip() != ev.reason.strip():
                out.add(
                    events_table,
                    ev.row,
                    "原因",
                    ev.reason,
                    f"与数据库中已有记录的原因“{old.reason}”不同；已有的状态变更不能修改",
                    hno,
                )
            continue
        if last_db is not None and ev.date < last_db.date:
            out.add(
                events_table,
                ev.row,
                "日期",
                ev.date,
                f"与数据库中的历史不符：日期 {ev.date.isoformat()} 早于该户已有的最后一条记录"
                f"（{labels[last_db.kind]} {last_db.date.isoformat()}），不能插入到已有历史之前",
                hno,
            )
            continue
        new.append(ev)
    rec.new_events = new
    status: str | None = None
    try:
        for e in existing:
            status = next_status(status, e.kind)
    except RegistryError as exc:
        out.add(
            members_table, rec.first_row, "户编号", hno, f"数据库中该户的状态历史无效：{exc}", hno
        )
        return
    for ev in new:
        try:
            status = next_status(status, ev.kind)
        except RegistryError as exc:
            out.add(events_table, ev.row, "事件", labels[ev.kind], f"状态变更不合规：{exc}", hno)
            return
    if len(out.problems) > problems_before or not rec.events_ok:
        return  # the history itself is wrong: comparing the status with it would only add noise
    replay = status or ""
    stated = rec.fields.get("status")
    if stated is not _ERROR and (stated or "") != replay:
        shown = status_labels.get(stated or "", "（空）")
        why = f"“{status_labels[replay]}”" if replay else "空（该户没有状态变更记录）"
        out.add(
            members_table,
            rec.first_row,
            "脱贫状态",
            shown,
            f"脱贫状态“{shown}”与状态变更记录推算的结果{why}不一致",
            hno,
        )
    history = [(e.kind, e.date) for e in existing] + [(e.kind, e.date) for e in new]
    identified = next((d.year for k, d in history if k == EventKind.IDENTIFIED), None)
    exited = next((d.year for k, d in reversed(history) if k == EventKind.EXITED), None)
    for fname, header, expected in (
        ("identified_year", "识别年度", identified),
        ("exited_year", "脱贫年度", exited),
    ):
        stated_year = rec.fields.get(fname)
        if stated_year is _ERROR or fname not in rec.fields:
            continue
        if stated_year != expected:
            want = str(expected) if expected else "空"
            out.add(
                members_table,
                rec.first_row,
                header,
                stated_year,
                f"{header}应与状态变更记录一致：按记录应为 {want}",
                hno,
            )


def household_values(rec: HouseholdRecord) -> dict[str, Any]:
    """Model field values for a household (defaults for absent or empty optional cells)."""
    out: dict[str, Any] = {}
    for c in MEMBER_COLUMNS:
        if c.scope is not Scope.HOUSEHOLD or c.field in {"household_no", "village_code"}:
            continue
        v = rec.fields.get(c.field)
        out[c.field] = _model_default(c.field) if v is None else v
    out["size"] = rec.size
    return out


def person_values(member: PersonRecord) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in MEMBER_COLUMNS:
        if c.scope is not Scope.PERSON:
            continue
        v = member.fields.get(c.field)
        out[c.field] = _model_default(c.field) if v is None else v
    return out
