"""Two of the other checks of 五抽五查五看 (seed 004) for a county of a campaign: (1) the exit
procedure's documents, a checklist pre-filled from fupin's own exit records; (5) the interviews
and meetings with county, township and village cadres (座谈访谈).

Recorded by the campaign's working group and by a lead expert assigned to the county; read by
those and by the leading group (on the 综合研判 page). Exits sits above assessments, so the exit
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
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.roles import has_role
from fupin.assessments.models import (
    Campaign,
    Interview,
    ProcedureDocument,
    ProcedureFinding,
    ProcedureItem,
    evidence_storage,
)
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.assessments.services.evaluators import assessed_counties, expert_user_assigned
from fupin.assessments.services.judgement import in_leading_group
from fupin.assessments.workflows import CampaignStatus
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


def may_record(user: User | None, campaign: Campaign, county: Region) -> bool:
    """The campaign's working group, or a lead expert assigned to the county."""
    if in_working_group(user, campaign):
        return True
    return (
        user is not None
        and has_role(user, Role.LEAD_EXPERT)
        and expert_user_assigned(campaign, user.pk, county)
    )


def may_read(user: User | None, campaign: Campaign, county: Region) -> bool:
    return may_record(user, campaign, county) or in_leading_group(user, campaign)


def _refuse_unless_may_record(user: User | None, campaign: Campaign, county: Region) -> None:
    if county.pk not in {c.pk for c in assessed_counties(campaign)}:
        raise AssessmentError("“县”须为本任务评估的县")
    if not may_record(user, campaign, county):
        raise AssessmentError("只有本任务的评估工作组或该县的带队专家可以记录")
    if campaign.status == CampaignStatus.CLOSED:
        raise AssessmentError("任务已结束，不能再记录")


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
    _refuse_unless_may_record(user, campaign, county)
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
        if i.content:
            digest = hashlib.sha256(i.content).hexdigest()
            suffix = PurePath(i.filename).suffix.lower()[:10] if i.filename else ""
            name = f"{digest[:2]}/{digest}{suffix}"
            if not evidence_storage.exists(name):
                name = evidence_storage.save(name, ContentFile(i.content))
            row.file.name = name
            row.sha256 = digest
            row.original_name = PurePath(i.filename).name[:200] if i.filename else ""
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
    _refuse_unless_may_record(user, campaign, county)
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


@dataclass
class OtherChecks:
    """What the 综合研判 page shows of these checks."""

    checklist: list[ChecklistLine]
    interviews: list[Interview] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        return any(line.current for line in self.checklist)

    @property
    def empty(self) -> bool:
        return not self.checked and not self.interviews


def other_checks_of(campaign: Campaign, county: Region) -> OtherChecks:
    return OtherChecks(procedure_checklist(campaign, county), interviews_of(campaign, county))
