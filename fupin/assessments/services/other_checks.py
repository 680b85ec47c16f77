"""The other checks of 五抽五查五看 (seed 004) for a county of a campaign: (1) the exit procedure's
documents, a checklist pre-filled from fupin's own exit records; (2) the province's assessment
plan checked item by item for a raised or lowered standard (拔高或降低标准), the income line and
the incidence threshold pre-filled from fupin's policy tables; (5) the interviews and meetings
with county, township and village cadres (座谈访谈); and what the 综合研判 page shows of all of them
with (3), the re-check of the province's questionnaires (questionnaire_recheck.py).

Recorded by the campaign's working group and by a lead expert assigned to the county; read by
those and by the leading group (on the 综合研判 page): check_access.py. Exits sits above assessments, so the exit
records come in through a reader the exits app registers (`procedure_record_source`), the way
`people_source` gives the accounts app what it needs the other way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import AuditEntry
from fupin.assessments.models import (
    Campaign,
    Interview,
    ProcedureDocument,
    ProcedureFinding,
    ProcedureItem,
    StandardCheckItem,
    StandardFinding,
    StandardItem,
    evidence_storage,
)
from fupin.assessments.services.check_access import may_read as may_read
from fupin.assessments.services.check_access import may_record as may_record
from fupin.assessments.services.check_access import refuse_unless_may_record
from fupin.assessments.services.common import AssessmentError, User
from fupin.assessments.services.questionnaire_recheck import Recheck, recheck_of
from fupin.policy import PolicyError
from fupin.policy.lines import DEFAULT_LINES
from fupin.policy.standards import StandardKind, standards_in_force
from fupin.policy.text import text_problem
from fupin.policy.zones import Figure, zone_for_province
from fupin.regions.models import Region

MAX_FILE_BYTES = 20 * 1024 * 1024

# What the exits app knows of a county's exit procedure: document code → what its record says
# (e.g. "市级初审 2019-03-02 张三：同意"); documents it has no record of are absent.
ProcedureRecords = Callable[[Region], dict[str, str]]
_sources: list[ProcedureRecords] = []


def procedure_record_source(reader: ProcedureRecords) -> None:
    """Register the reader of exit records (called by ExitsConfig.ready())."""
    if reader not in _sources:
        _sources.append(reader)


def procedure_records(county: Region) -> dict[str, str]:
    """Every registered reader's records of the county's exit procedure, merged."""
    found: dict[str, str] = {}
    for reader in _sources:
        found.update(reader(county))
    return found


def _attach(row: ProcedureItem | StandardCheckItem, content: bytes | None, filename: str) -> None:
    """Store an attached file under its SHA-256 (the same file stored once) and name it on the row."""
    if not content:
        return
    digest = hashlib.sha256(content).hexdigest()
    suffix = PurePath(filename).suffix.lower()[:10] if filename else ""
    name = f"{digest[:2]}/{digest}{suffix}"
    if not evidence_storage.exists(name):
        name = evidence_storage.save(name, ContentFile(content))
    row.file.name = name
    row.sha256 = digest
    row.original_name = PurePath(filename).name[:200] if filename else ""


@dataclass
class ChecklistLine:
    """One document of the checklist: the record in force (if any) and what fupin's exit records
    say (the pre-fill)."""

    document: str
    label: str
    current: ProcedureItem | None
    exit_record: str

    @property
    def suggested(self) -> str:
        if self.current is not None:
            return self.current.finding
        return ProcedureFinding.PRESENT.value if self.exit_record else ""


def procedure_checklist(campaign: Campaign, county: Region) -> list[ChecklistLine]:
    """The five documents in procedure order, each with its record in force and the exit record."""
    latest: dict[str, ProcedureItem] = {}
    for item in ProcedureItem.objects.filter(campaign=campaign, county=county).order_by(
        "-at", "-id"
    ):
        latest.setdefault(item.document, item)
    records = procedure_records(county)
    return [
        ChecklistLine(d.value, str(d.label), latest.get(d.value), records.get(d.value, ""))
        for d in ProcedureDocument
    ]


@dataclass(frozen=True)
class ItemInput:
    """One document as checked: its finding, note and an optional file."""

    document: str
    finding: str
    note: str = ""
    content: bytes | None = None
    filename: str = ""


@transaction.atomic
def procedure_check_record(
    *,
    campaign: Campaign,
    county: Region,
    user: User,
    items: list[ItemInput],
    now: dt.datetime | None = None,
) -> list[ProcedureItem]:
    """Record the checked documents of the county's exit procedure (each supersedes the earlier
    record of that document). One transaction, audited."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    refuse_unless_may_record(user, campaign, county)
    if not items:
        raise AssessmentError("请至少检查一项退出材料")
    errors = []
    for i in items:
        label = (
            str(ProcedureDocument(i.document).label)
            if i.document in ProcedureDocument.values
            else i.document
        )
        if i.document not in ProcedureDocument.values:
            errors.append(f"未知的退出材料：{i.document}")
        elif i.finding not in ProcedureFinding.values:
            errors.append(f"“{label}”：请选择检查结果（齐全规范、缺失或不规范）")
        elif i.finding != ProcedureFinding.PRESENT and not i.note.strip():
            errors.append(f"“{label}”：缺失或不规范时须填写证据说明")
        problem = text_problem(i.note, max_length=4000, multiline=True, field="证据说明")
        if problem:
            errors.append(f"“{label}”：{problem}")
        if i.content is not None and len(i.content) > MAX_FILE_BYTES:
            errors.append(f"“{label}”：附件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if errors:
        raise AssessmentError("；".join(errors))
    now = now or timezone.now()
    records = procedure_records(county)
    written = []
    for i in items:
        row = ProcedureItem(
            campaign=campaign,
            county=county,
            document=i.document,
            finding=i.finding,
            note=i.note.strip(),
            exit_record=records.get(i.document, "")[:400],
            user=real_user(user),
            actor=actor_name(user),
            at=now,
        )
        _attach(row, i.content, i.filename)
        row.save()
        written.append(row)
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=campaign,
        after={
            "county": county.code,
            "items": {r.get_document_display(): r.get_finding_display() for r in written},
        },
        reason=f"退出程序检查：{county.name}",
        now=now,
    )
    return written


@transaction.atomic
def interview_record(
    *,
    campaign: Campaign,
    county: Region,
    user: User,
    date: dt.date,
    place: str,
    participants: str,
    notes: str,
    issues: str = "",
    now: dt.datetime | None = None,
) -> Interview:
    """Record one interview or meeting with the county's cadres. One transaction, audited."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    refuse_unless_may_record(user, campaign, county)
    missing = [
        name
        for name, value in (("地点", place), ("参加人员", participants), ("座谈访谈记录", notes))
        if not value.strip()
    ]
    if missing:
        raise AssessmentError("请填写" + "、".join(f"“{m}”" for m in missing))
    now = now or timezone.now()
    if date > now.date():
        raise AssessmentError("“日期”不能晚于今天")
    interview = Interview.objects.create(
        campaign=campaign,
        county=county,
        date=date,
        place=place.strip(),
        participants=participants.strip(),
        notes=notes.strip(),
        issues=issues.strip(),
        user=real_user(user),
        actor=actor_name(user),
        at=now,
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=interview,
        after={"county": county.code, "date": date.isoformat(), "place": interview.place},
        reason=f"座谈访谈：{county.name}",
        now=now,
    )
    return interview


def interviews_of(campaign: Campaign, county: Region) -> list[Interview]:
    return list(Interview.objects.filter(campaign=campaign, county=county).order_by("date", "id"))


# ---------------------------------------------------------------------------------------------
# (2) The standard: the province's assessment plan, item by item (拔高或降低标准)


def standard_references(campaign: Campaign, county: Region) -> dict[str, str]:
    """What fupin's policy tables say the standard is, for the items they cover: the income line
    of the campaign's year (the national line, and the province's own standard if it has one in
    force) and the county's incidence threshold (the campaign's own copy of the thresholds)."""
    found: dict[str, str] = {}
    year = campaign.year
    parts = []
    try:
        line = DEFAULT_LINES.line(year)
        parts.append(f"{line.label}（{line.income_measure.label}）")
    except PolicyError:
        parts.append(f"政策表中没有 {year} 年的国家扶贫标准")
    for s in standards_in_force(county.code, year):
        if s.kind is not StandardKind.NATIONAL:
            describe = getattr(s.household_rule, "describe", None)
            parts.append(f"{s.name}：{describe() if describe else s.kind.label}")
    found[StandardItem.INCOME.value] = "；".join(parts)
    try:
        zone = zone_for_province(county.code)
        t = campaign.threshold_table().threshold(Figure.INCIDENCE, zone)
        found[StandardItem.INCIDENCE.value] = (
            f"综合贫困发生率低于 {t.limit * 100:g}%（{zone.label}）"
        )
    except PolicyError:
        pass
    return found


@dataclass
class StandardLine:
    """One item of the plan: the record in force (if any) and fupin's reference (the pre-fill)."""

    item: str
    label: str
    current: StandardCheckItem | None
    reference: str

    @property
    def standard(self) -> str:
        """What the page pre-fills as the standard: the record in force, else the reference."""
        return self.current.standard if self.current is not None else self.reference


def standard_checklist(campaign: Campaign, county: Region) -> list[StandardLine]:
    """The items of the plan in their fixed order, each with its record in force."""
    latest: dict[str, StandardCheckItem] = {}
    for row in StandardCheckItem.objects.filter(campaign=campaign, county=county).order_by(
        "-at", "-id"
    ):
        latest.setdefault(row.item, row)
    refs = standard_references(campaign, county)
    return [
        StandardLine(i.value, str(i.label), latest.get(i.value), refs.get(i.value, ""))
        for i in StandardItem
    ]


@dataclass(frozen=True)
class StandardInput:
    """One item as checked: the finding, what the plan says, the standard, a note, a file."""

    item: str
    finding: str
    plan_says: str = ""
    standard: str = ""
    note: str = ""
    content: bytes | None = None
    filename: str = ""


@transaction.atomic
def standard_check_record(
    *,
    campaign: Campaign,
    county: Region,
    user: User,
    items: list[StandardInput],
    now: dt.datetime | None = None,
) -> list[StandardCheckItem]:
    """Record checked items of the province's assessment plan (each supersedes the earlier record
    of that item). A raised or lowered standard needs what the plan says; anything but 符合 needs a
    note. One transaction, audited."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    refuse_unless_may_record(user, campaign, county)
    if not items:
        raise AssessmentError("请至少检查一项标准")
    errors = []
    seen: set[str] = set()
    for i in items:
        if i.item not in StandardItem.values:
            errors.append(f"未知的检查项：{i.item}")
            continue
        label = str(StandardItem(i.item).label)
        if i.item in seen:
            errors.append(f"“{label}”重复")
        seen.add(i.item)
        if i.finding not in StandardFinding.values:
            errors.append(f"“{label}”：请选择检查结果（符合、拔高、降低或无法判断）")
        elif i.finding in (StandardFinding.RAISED, StandardFinding.LOWERED) and not (
            i.plan_says.strip()
        ):
            errors.append(f"“{label}”：拔高或降低时须填写“省级方案的表述”")
        elif i.finding != StandardFinding.CONFORMS and not i.note.strip():
            errors.append(f"“{label}”：不符合或无法判断时须填写“说明”")
        for name, value in (
            ("省级方案的表述", i.plan_says),
            ("应执行的标准", i.standard),
            ("说明", i.note),
        ):
            problem = text_problem(value, max_length=4000, multiline=True, field=name)
            if problem:
                errors.append(f"“{label}”：{problem}")
        if i.content is not None and len(i.content) > MAX_FILE_BYTES:
            errors.append(f"“{label}”：附件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if errors:
        raise AssessmentError("；".join(errors))
    now = now or timezone.now()
    refs = standard_references(campaign, county)
    written = []
    for i in items:
        reference = refs.get(i.item, "")
        row = StandardCheckItem(
            campaign=campaign,
            county=county,
            item=i.item,
            finding=i.finding,
            plan_says=i.plan_says.strip(),
            standard=i.standard.strip() or reference,
            note=i.note.strip(),
            reference=reference[:400],
            user=real_user(user),
            actor=actor_name(user),
            at=now,
        )
        _attach(row, i.content, i.filename)
        row.save()
        written.append(row)
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=campaign,
        after={
            "county": county.code,
            "items": {r.get_item_display(): r.get_finding_display() for r in written},
        },
        reason=f"标准准确性检查：{county.name}",
        now=now,
    )
    return written


@dataclass
class OtherChecks:
    """What the 综合研判 page shows of these checks."""

    checklist: list[ChecklistLine]
    interviews: list[Interview] = field(default_factory=list)
    standard: list[StandardLine] = field(default_factory=list)
    recheck: Recheck | None = None

    @property
    def checked(self) -> bool:
        return any(line.current for line in self.checklist)

    @property
    def standard_checked(self) -> bool:
        return any(line.current for line in self.standard)

    @property
    def empty(self) -> bool:
        return (
            not self.checked
            and not self.interviews
            and not self.standard_checked
            and self.recheck is None
        )


def other_checks_of(campaign: Campaign, county: Region) -> OtherChecks:
    return OtherChecks(
        procedure_checklist(campaign, county),
        interviews_of(campaign, county),
        standard_checklist(campaign, county),
        recheck_of(campaign, county),
    )
