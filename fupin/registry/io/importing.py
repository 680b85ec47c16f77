"""The registry import: read, check everything, then write all of it (or the good households) in one transaction."""

from __future__ import annotations

import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from fupin.accounts.audit import jsonable
from fupin.accounts.models import AuditEntry
from fupin.regions.models import Level, Region
from fupin.registry.bulk import analyze_after_bulk_write, bulk_insert
from fupin.registry.io import mapping, national
from fupin.registry.io.columns import EVENTS_TABLE, MEMBERS_TABLE, PERSON_COLUMNS
from fupin.registry.io.national_columns import EXTRA_HOUSEHOLD_FIELDS, EXTRA_PERSON_FIELDS
from fupin.registry.io.reading import ReadError, Table, read_table
from fupin.registry.io.validation import (
    ExistingEvent,
    HouseholdRecord,
    ParsedFile,
    Problem,
    _Collector,
    check_history,
    household_values,
    parse_files,
    person_values,
)
from fupin.registry.models import Household, Person, StatusEvent
from fupin.registry.services import snapshot

BATCH = 500
LOOKUP_CHUNK = 500
EXIT_WRITTEN, EXIT_PARTIAL, EXIT_REJECTED = 0, 1, 2
PERSON_FIELDS = tuple(c.field for c in PERSON_COLUMNS)
# Household fields an import may set; compared field by field to find real changes.
HOUSEHOLD_FIELDS = (
    "village_id",
    "registered",
    "status",
    "identified_year",
    "exited_year",
    "attribute",
    "standard",
    "main_cause",
    "other_causes",
    "income_year",
    "income_wages",
    "income_business",
    "income_property",
    "income_transfers",
    "income_policy_transfers",
    "income_total",
    "income_per_capita",
    "food_ok",
    "clothing_ok",
    "education_ok",
    "medical_ok",
    "housing_ok",
    "water_ok",
    "at_risk_dibao",
    "at_risk_illness",
    "at_risk_housing",
    "size",
)

T = TypeVar("T")


@dataclass
class ImportReport:
    """What an import read, wrote and refused; `problems` lists every bad cell or row."""

    source: str
    events_source: str = ""
    layout: str = "fupin"  # "national": a national-system person list (fupin.registry.io.national)
    rows_read: int = 0
    event_rows_read: int = 0
    households_in_file: int = 0
    households_new: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    households_skipped: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    persons_removed: int = 0
    events_added: int = 0
    rows_skipped: int = 0
    keep_good: bool = False
    dry_run: bool = False
    strict: bool = False
    written: bool = False
    skipped_household_nos: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Readable but inconsistent values, imported as they are (refused when `strict`).
    warnings: list[Problem] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """written: everything valid and saved; partial: good households saved, bad skipped;
        rejected: nothing saved. A dry run reports what the real run would do."""
        done = self.written or (
            self.dry_run
            and self.households_new + self.households_updated + self.households_unchanged > 0
        )
        if not done:
            return "rejected"
        return "partial" if self.problems else "written"

    @property
    def exit_code(self) -> int:
        return {"written": EXIT_WRITTEN, "partial": EXIT_PARTIAL, "rejected": EXIT_REJECTED}[
            self.outcome
        ]


class _DryRun(Exception):
    """Raised inside the transaction to roll back a dry run after counting what it would do."""


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _default_actor(path: Path) -> str:
    return f"import:{path.name}"[:64]


def resolve_sources(path: Path, events_path: Path | None) -> tuple[Path, Path | None]:
    """A folder written by `fupin export --format csv` holds 家庭成员.csv and 状态变更.csv."""
    if path.is_dir():
        members = path / f"{MEMBERS_TABLE}.csv"
        if not members.exists():
            raise ReadError(f"文件夹 {path} 中没有 {MEMBERS_TABLE}.csv")
        if events_path is None and (path / f"{EVENTS_TABLE}.csv").exists():
            events_path = path / f"{EVENTS_TABLE}.csv"
        return members, events_path
    return path, events_path


def read_events(path: Path, events_path: Path | None, *, encoding: str) -> Table | None:
    """The 状态变更 table: from `events_path`, else the XLSX's second sheet, else none."""
    events: Table | None
    if events_path is not None:
        events = read_table(events_path, name=EVENTS_TABLE, encoding=encoding, required_sheet=True)
    elif path.suffix.lower() != ".csv":
        events = read_table(path, name=EVENTS_TABLE, required_sheet=False)
    else:
        events = None
    if events is not None:
        events.name = EVENTS_TABLE
    return events


def import_file(
    *,
    path: Path,
    events_path: Path | None = None,
    keep_good: bool = False,
    dry_run: bool = False,
    strict: bool = False,
    actor: str | None = None,
    encoding: str = "auto",
    today: dt.date | None = None,
    progress: bool | Callable[[int, int], None] = False,
    user: AbstractBaseUser | None = None,
    column_map: dict[str, str] | None = None,
) -> ImportReport:
    """Import a registry file (XLSX with sheets 家庭成员 and 状态变更, or CSV plus `events_path`).

    Nothing is written when any row is bad, unless `keep_good`: then households with a bad row
    are skipped whole and the rest written. A value that is readable but inconsistent with
    another (per-capita income against total ÷ size, an ID number twice in one household) is a
    warning: imported as it is and listed, for the registry checks to flag; `strict` refuses it
    instead. All writes happen in one transaction.

    A national-system person list (全国扶贫开发信息系统 贫困人口明细) is recognised from its headers
    and read by `national.parse_national`, its region names resolved within `user`'s poverty
    offices (everywhere when no user is given); it has no 状态变更 table. `column_map` renames
    the file's headers (file's name → a column of either layout) before the layout is recognised.
    """
    path = Path(path)
    report = ImportReport(source=str(path), keep_good=keep_good, dry_run=dry_run, strict=strict)
    table = MEMBERS_TABLE
    try:
        path, events_path = resolve_sources(path, Path(events_path) if events_path else None)
        report.events_source = str(events_path or "")
        members = read_table(
            path,
            name=MEMBERS_TABLE,
            encoding=encoding,
            required_sheet=True,
            key_header=mapping.key_header(column_map),
        )
        assert members is not None
        table = EVENTS_TABLE
        events = read_events(path, events_path, encoding=encoding)
    except ReadError as exc:
        report.problems.append(Problem(table, exc.row or 0, "", "", exc.reason))
        return report
    members.name = MEMBERS_TABLE
    if column_map:
        report.problems = mapping.apply_column_map(members, column_map)
        if report.problems:
            return report
    if events is not None and not report.events_source:
        report.events_source = f"{path}:{EVENTS_TABLE}"
    today = today or timezone.localdate()
    actor = actor or (user.get_username()[:64] if user is not None else _default_actor(path))
    if progress is True:
        print(
            f"读取 {len(members.rows)} 行家庭成员、{len(events.rows) if events else 0} 行状态变更，"
            "正在校验…",
            file=sys.stderr,
            flush=True,
        )
    if national.is_national(members.headers):
        report.layout = "national"
        if events is not None:
            report.problems.append(
                Problem(
                    EVENTS_TABLE,
                    0,
                    "",
                    "",
                    "全国系统人员名单不带状态变更表，请不要另给状态变更文件",
                )
            )
            return report
        parsed = national.parse_national(members, today=today, strict=strict, user=user)
    else:
        parsed = parse_files(members, events, today=today, strict=strict)
        if user is not None:
            prefixes = national.import_prefixes(user)
            if prefixes == []:
                report.problems = [Problem(MEMBERS_TABLE, 0, "", "", national.NO_OFFICE)]
                return report
            national.refuse_outside_scope(parsed, prefixes, table=MEMBERS_TABLE)
    report.warnings = parsed.warnings
    report.rows_read, report.event_rows_read = parsed.rows_read, parsed.event_rows_read
    report.households_in_file = len(parsed.households)
    if parsed.unusable:
        report.problems = parsed.problems
        return report
    if not parsed.households and not parsed.problems:
        report.problems = [Problem(MEMBERS_TABLE, members.header_row, "", "", "文件中没有数据行")]
        return report
    try:
        with transaction.atomic():
            _import_parsed(parsed, report, actor=actor, note=f"导入 {path.name}", progress=progress)
            if dry_run:
                raise _DryRun
    except _DryRun:
        report.written = False
    return report


def _import_parsed(
    parsed: ParsedFile,
    report: ImportReport,
    *,
    actor: str,
    note: str,
    progress: bool | Callable[[int, int], None],
) -> None:
    out = _Collector()
    out.problems, out.bad = parsed.problems, parsed.bad
    households = parsed.households
    ctx = _load_context(households)
    _check_against_registry(households, ctx, out)
    _spread_badness(households, out, ctx)
    renamed = [
        replace(p, column=parsed.columns.get(p.column, p.column)) if parsed.columns else p
        for p in out.problems
    ]
    report.problems = sorted(renamed, key=lambda p: (p.table != MEMBERS_TABLE, p.row, p.column))
    report.rows_skipped = parsed.bad_rows_without_household
    good = [r for r in households.values() if r.household_no not in out.bad]
    report.skipped_household_nos = [h for h in households if h in out.bad]
    report.households_skipped = len(report.skipped_household_nos)
    if report.problems and not report.keep_good:
        return
    if not good:
        return
    _write(good, ctx, report, actor=actor, note=note, progress=progress)
    report.written = not report.dry_run


@dataclass
class _Context:
    villages: dict[str, int]
    existing: dict[str, Household]
    persons: dict[
        str, Person
    ]  # by id_number: file persons found in the DB and members of existing households
    person_home: dict[str, str]  # id_number -> household_no in the DB
    events: dict[str, list[ExistingEvent]]
    members_of: dict[int, list[Person]] = field(
        default_factory=dict
    )  # existing households' members
    moves: list[tuple[str, str]] = field(default_factory=list)  # (to household, from household)


def _load_context(households: dict[str, HouseholdRecord]) -> _Context:
    codes = sorted(
        {
            r.fields["village_code"]
            for r in households.values()
            if isinstance(r.fields.get("village_code"), str)
        }
    )
    villages: dict[str, int] = {}
    for chunk in _chunks(codes, LOOKUP_CHUNK):
        villages.update(
            Region.objects.filter(code__in=chunk, level=Level.VILLAGE).values_list("code", "id")
        )
    nos = list(households)
    existing: dict[str, Household] = {}
    for chunk in _chunks(nos, LOOKUP_CHUNK):
        existing.update(
            (h.household_no, h) for h in Household.objects.filter(household_no__in=chunk)
        )
    by_pk = {h.pk: h for h in existing.values()}
    pks = list(by_pk)
    persons: dict[str, Person] = {}
    homes: dict[int, str] = {h.pk: no for no, h in existing.items()}
    members_of: dict[int, list[Person]] = defaultdict(list)
    for chunk in _chunks(pks, LOOKUP_CHUNK):
        for p in Person.objects.filter(household_id__in=chunk):
            persons[p.id_number] = p
            members_of[p.household_id].append(p)
    # People in the file who are not members of a household being re-imported: are they
    # members of some other household?
    ids = sorted(
        {
            m.fields["id_number"]
            for r in households.values()
            for m in r.members
            if isinstance(m.fields.get("id_number"), str)
        }
        - set(persons)
    )
    for chunk in _chunks(ids, LOOKUP_CHUNK):
        for p in Person.objects.filter(id_number__in=chunk).select_related("household"):
            persons[p.id_number] = p
            homes[p.household_id] = p.household.household_no
    person_home = {pid: homes[p.household_id] for pid, p in persons.items()}
    events: dict[str, list[ExistingEvent]] = defaultdict(list)
    for chunk in _chunks(pks, LOOKUP_CHUNK):
        for hid, kind, date, reason in (
            StatusEvent.objects.filter(household_id__in=chunk)
            .order_by("household_id", "date", "id")
            .values_list("household_id", "kind", "date", "reason")
        ):
            events[by_pk[hid].household_no].append(ExistingEvent(kind, date, reason))
    return _Context(villages, existing, persons, person_home, events, members_of)


def _check_against_registry(
    households: dict[str, HouseholdRecord], ctx: _Context, out: _Collector
) -> None:
    """The checks that need the database: villages, people already in other households, history."""
    for hno, rec in households.items():
        code = rec.fields.get("village_code")
        if isinstance(code, str) and code not in ctx.villages:
            out.add(
                MEMBERS_TABLE,
                rec.first_row,
                "行政区划代码",
                code,
                f"行政区划代码 {code} 不是已有的村（请先导入或创建该村）",
                hno,
            )
        for m in rec.members:
            pid = m.fields.get("id_number")
            if not isinstance(pid, str):
                continue
            home = ctx.person_home.get(pid)
            if home is None or home == hno:
                continue
            if home in households:
                ctx.moves.append((hno, home))  # the other household is re-imported without them
                continue
            out.add(
                MEMBERS_TABLE,
                m.row,
                "证件号码",
                pid,
                f"该证件号码在数据库中已是户 {home} 的成员：一人不能属于两户"
                f"（如需迁户，请在同一文件中一并导入户 {home}）",
                hno,
            )
        check_history(rec, ctx.events.get(hno, []), out)


def _spread_badness(households: dict[str, HouseholdRecord], out: _Collector, ctx: _Context) -> None:
    """A member moving between two households in the file ties them: both are kept or neither."""
    changed = True
    while changed:
        changed = False
        for to_no, from_no in ctx.moves:
            for a, b in ((to_no, from_no), (from_no, to_no)):
                if b in out.bad and a not in out.bad:
                    out.add(
                        MEMBERS_TABLE,
                        households[a].first_row,
                        "户编号",
                        a,
                        f"该户与户 {b} 之间有成员迁移，而户 {b} 有错误未导入，故本户也不导入",
                        a,
                    )
                    changed = True


def _differences(
    obj: Any, values: dict[str, Any], fields: Iterable[str]
) -> dict[str, tuple[Any, Any]]:
    diff: dict[str, tuple[Any, Any]] = {}
    for f in fields:
        old, new = getattr(obj, f), values[f]
        if old != new:
            diff[f] = (old, new)
    return diff


class _Progress:
    """A terminal bar (`enabled` True), or a callback told (done, total) after each batch (the
    web upload's progress)."""

    def __init__(self, total: int, enabled: bool | Callable[[int, int], None]) -> None:
        self.bar: Any = None
        self.total, self.done = total, 0
        self.report = enabled if callable(enabled) else None
        if self.report is not None:
            self.report(0, total)
        elif enabled:
            from tqdm import tqdm

            print(f"正在写入数据库（共 {total} 条记录）…", file=sys.stderr, flush=True)
            self.bar = tqdm(total=total, desc="写入", unit="条", file=sys.stderr, mininterval=0.2)

    def update(self, n: int) -> None:
        self.done += n
        if self.report is not None:
            self.report(min(self.done, self.total), self.total)
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _insert(
    model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], bar: _Progress
) -> None:
    bulk_insert(model, fields, rows, batch=BATCH, on_batch=bar.update)


NEW_HOUSEHOLD_FIELDS = ("household_no", *HOUSEHOLD_FIELDS, *EXTRA_HOUSEHOLD_FIELDS, "updated_at")
NEW_PERSON_FIELDS = ("household_id", *PERSON_FIELDS, *EXTRA_PERSON_FIELDS)


def _extras(values: dict[str, Any], fields: dict[str, Any], names: Sequence[str]) -> None:
    """The national lists' own fields (自然村, 联系电话, 人编号, 民族), only where the file has
    the column: a file without it leaves what is stored alone."""
    values.update({f: fields[f] or "" for f in names if f in fields})


def _person_row(hid: int, pv: dict[str, Any]) -> tuple[Any, ...]:
    return (
        hid,
        *(pv[f] for f in PERSON_FIELDS),
        *(pv.get(f, "") for f in EXTRA_PERSON_FIELDS),
    )


# removal_kind: blank on imported removals (the file does not say 清退 from natural decrease).
NEW_EVENT_FIELDS = (
    "household_id",
    "kind",
    "date",
    "year",
    "reason",
    "removal_kind",
    "recorded_at",
)
AUDIT_FIELDS = (
    "at",
    "actor",
    "action",
    "model",
    "object_key",
    "household_id",
    "before",
    "after",
    "note",
)


def _event_text(e: Any) -> str:
    return f"{e.kind} {e.date.isoformat()} {e.reason}".strip()


def _match_members(
    recs: list[HouseholdRecord],
    ctx: _Context,
) -> tuple[dict[str, list[Person | None]], set[int]]:
    """The database person each member row of an existing household updates (None: a new person),
    and the ids of every person kept.

    Rows match by ID number within the household first, in order, so a member listed twice
    matches two persons; then a member moving in from another household of the file. Members
    of these households not matched are removed.
    """
    kept: set[int] = set()
    matches: dict[str, list[Person | None]] = {}
    for rec in recs:
        h = ctx.existing[rec.household_no]
        pool: dict[str, list[Person]] = defaultdict(list)
        for member in ctx.members_of.get(h.pk, ()):
            pool[member.id_number].append(member)
        found: list[Person | None] = []
        for m in rec.members:
            pid = m.fields["id_number"]
            match = pool[pid].pop(0) if pool.get(pid) else None
            if match is None:
                other = ctx.persons.get(pid)
                if other is not None and other.household_id != h.pk and other.pk not in kept:
                    match = other
            if match is not None:
                kept.add(match.pk)
            found.append(match)
        matches[rec.household_no] = found
    return matches, kept


def _write(
    good: list[HouseholdRecord],
    ctx: _Context,
    report: ImportReport,
    *,
    actor: str,
    note: str,
    progress: bool | Callable[[int, int], None],
) -> None:
    now = timezone.now()
    note = note[:200]
    new_recs = [r for r in good if r.household_no not in ctx.existing]
    old_recs = [r for r in good if r.household_no in ctx.existing]
    total = len(good) * 2 + sum(len(r.members) + len(r.new_events) for r in good)
    bar = _Progress(total, progress)
    audits: list[tuple[Any, ...]] = []
    person_rows: list[tuple[Any, ...]] = []
    event_rows: list[tuple[Any, ...]] = []

    def household_fields(rec: HouseholdRecord) -> dict[str, Any]:
        values = household_values(rec)
        values["village_id"] = ctx.villages[rec.fields["village_code"]]
        _extras(values, rec.fields, EXTRA_HOUSEHOLD_FIELDS)
        return values

    def member_fields(m: Any) -> dict[str, Any]:
        values = person_values(m)
        _extras(values, m.fields, EXTRA_PERSON_FIELDS)
        return values

    # New households: insert, read their keys back, then their members, events and audit.
    new_values = {r.household_no: household_fields(r) for r in new_recs}
    _insert(
        Household,
        NEW_HOUSEHOLD_FIELDS,
        [
            (
                hno,
                *(v[f] for f in HOUSEHOLD_FIELDS),
                *(v.get(f, "") for f in EXTRA_HOUSEHOLD_FIELDS),
                now,
            )
            for hno, v in new_values.items()
        ],
        bar,
    )
    pks: dict[str, int] = {}
    for chunk in _chunks(list(new_values), LOOKUP_CHUNK):
        pks.update(
            Household.objects.filter(household_no__in=chunk).values_list("household_no", "id")
        )
    for rec in new_recs:
        hid = pks[rec.household_no]
        members = [member_fields(m) for m in rec.members]
        person_rows.extend(_person_row(hid, pv) for pv in members)
        event_rows.extend(
            (hid, e.kind, e.date, e.date.year, e.reason, "", now) for e in rec.new_events
        )
        after = jsonable({"household_no": rec.household_no, **new_values[rec.household_no]})
        after["members"] = [jsonable(pv) for pv in members]
        after["events"] = [_event_text(e) for e in rec.new_events]
        audits.append(
            (
                now,
                actor,
                AuditEntry.Action.IMPORT,
                "Household",
                rec.household_no,
                hid,
                None,
                after,
                note,
            )
        )
    report.households_new = len(new_recs)
    report.persons_created = len(person_rows)

    # Existing households: change only what differs; members matched by ID number.
    changed_households: list[Household] = []
    changed_fields: set[str] = set()
    changed_persons: list[Person] = []
    removed_pks: list[int] = []
    # Audit values are keyed by the person's internal id, never the ID number (issue #18);
    # members new to an existing household get theirs once inserted (see below).
    newcomers: list[tuple[dict[str, Any], dict[str, Any], str, int, str]] = []
    matches, kept = _match_members(old_recs, ctx)
    for rec in old_recs:
        h = ctx.existing[rec.household_no]
        values = household_fields(rec)
        diff = _differences(
            h, values, [*HOUSEHOLD_FIELDS, *(f for f in EXTRA_HOUSEHOLD_FIELDS if f in values)]
        )
        member_before: dict[str, Any] = {}
        member_after: dict[str, Any] = {}
        for m, p in zip(rec.members, matches[rec.household_no], strict=True):
            pv = member_fields(m)
            if p is None:
                person_rows.append(_person_row(h.pk, pv))
                report.persons_created += 1
                key = f"new-{len(newcomers)}"
                member_before[key] = None
                member_after[key] = jsonable(pv)
                newcomers.append((member_before, member_after, key, h.pk, pv["id_number"]))
                continue
            pv["household_id"] = h.pk
            extras = [f for f in EXTRA_PERSON_FIELDS if f in pv]
            pdiff = _differences(p, pv, (*PERSON_FIELDS, *extras, "household_id"))
            if pdiff:
                for f, (_, new) in pdiff.items():
                    setattr(p, f, new)
                changed_persons.append(p)
                member_before[str(p.pk)] = jsonable({f: o for f, (o, _) in pdiff.items()})
                member_after[str(p.pk)] = jsonable({f: n for f, (_, n) in pdiff.items()})
        for p in ctx.members_of.get(h.pk, ()):
            if p.pk not in kept:
                removed_pks.append(p.pk)
                member_before[str(p.pk)] = snapshot(p)
                member_after[str(p.pk)] = None
        event_rows.extend(
            (h.pk, e.kind, e.date, e.date.year, e.reason, "", now) for e in rec.new_events
        )
        if not diff and not member_before and not rec.new_events:
            report.households_unchanged += 1
            bar.update(2 + len(rec.members))
            continue
        for f, (_, new) in diff.items():
            setattr(h, f, new)
        h.updated_at = now
        changed_households.append(h)
        changed_fields.update(diff)
        before = jsonable({f: o for f, (o, _) in diff.items()})
        after = jsonable({f: n for f, (_, n) in diff.items()})
        if member_before:
            before["members"], after["members"] = member_before, member_after
        if rec.new_events:
            after["events"] = [_event_text(e) for e in rec.new_events]
        audits.append(
            (
                now,
                actor,
                AuditEntry.Action.UPDATE,
                "Household",
                rec.household_no,
                h.pk,
                before,
                after,
                note,
            )
        )
    report.households_updated = len(changed_households)

    for chunk in _chunks(changed_households, BATCH):
        Household.objects.bulk_update(
            chunk, [*sorted(changed_fields), "updated_at"], batch_size=BATCH
        )
        bar.update(len(chunk))
    for pk_chunk in _chunks(removed_pks, BATCH):
        Person.objects.filter(pk__in=pk_chunk).delete()
    report.persons_removed = len(removed_pks)
    for chunk in _chunks(changed_persons, BATCH):
        Person.objects.bulk_update(
            chunk, [*PERSON_FIELDS, *EXTRA_PERSON_FIELDS, "household_id"], batch_size=BATCH
        )
        bar.update(len(chunk))
    report.persons_updated = len(changed_persons)
    _insert(Person, NEW_PERSON_FIELDS, person_rows, bar)
    # The newcomers' ids: the persons of their households that were not there before, in
    # insertion order (a member listed twice gets two).
    new_pks: dict[tuple[int, str], list[int]] = defaultdict(list)
    for hids in _chunks(sorted({hid for *_, hid, _ in newcomers}), LOOKUP_CHUNK):
        for pk, hid, number in (
            Person.objects.filter(household_id__in=hids)
            .order_by("id")
            .values_list("id", "household_id", "id_number")
        ):
            if pk not in kept:
                new_pks[(hid, number)].append(pk)
    for before_members, after_members, key, hid, number in newcomers:
        pk = str(new_pks[(hid, number)].pop(0))
        before_members[pk] = before_members.pop(key)
        after_members[pk] = after_members.pop(key)
    _insert(StatusEvent, NEW_EVENT_FIELDS, event_rows, bar)
    report.events_added = len(event_rows)
    _insert(AuditEntry, AUDIT_FIELDS, audits, bar)
    bar.close()
    if report.dry_run:  # rolled back: nothing to plan for
        return
    analyze_after_bulk_write(
        {
            Household: report.households_new + report.households_updated,
            Person: report.persons_created + report.persons_updated + report.persons_removed,
            StatusEvent: report.events_added,
        }
    )
