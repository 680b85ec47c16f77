"""Other sources and what follows: department lists, unannounced findings, feedback lists, rectification."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Protocol

from django.db import transaction

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.roles import has_role, has_role_in
from fupin.accounts.workflow import Move, Outcome, Workflow, transition
from fupin.assessments.models import (
    Campaign,
    DepartmentReport,
    Evidence,
    EvidenceKind,
    FeedbackItem,
    FeedbackList,
    Rectification,
    RectificationStep,
    UnannouncedFinding,
)
from fupin.assessments.services.common import AssessmentError, User, role_label
from fupin.assessments.services.surveys import evidence_receive
from fupin.assessments.services.verification import problems_confirmed
from fupin.assessments.workflows import (
    RECTIFICATION_TRANSITIONS,
    CampaignStatus,
    RectificationAction,
    RectificationStatus,
)
from fupin.regions.models import Level, Region
from fupin.registry.models import Household


def _in_county(county: Region, household: Household | None) -> None:
    if county.level != Level.COUNTY:
        raise AssessmentError(f"{county.name}不是县")
    if household is not None and not household.village.code.startswith(county.prefix):
        raise AssessmentError(f"户 {household.household_no} 不在{county.name}")


@transaction.atomic
def department_report_record(
    *,
    campaign: Campaign,
    department: str,
    county: Region,
    description: str,
    household: Household | None = None,
    source_file: str = "",
    actor: str = "",
    user: User | None = None,
) -> DepartmentReport:
    """A problem a department lists (部门提供情况); verifying it is a separate problem_raise."""
    _in_county(county, household)
    if not department.strip() or not description.strip():
        raise AssessmentError("请填写提供部门和问题描述")
    report = DepartmentReport.objects.create(
        campaign=campaign,
        department=department.strip(),
        county=county,
        household=household,
        description=description.strip(),
        source_file=source_file,
        recorded_by=real_user(user),
    )
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=report,
        household=household,
        reason=f"部门提供情况：{report.department}",
    )
    return report


@transaction.atomic
def unannounced_finding_record(
    *,
    campaign: Campaign,
    county: Region,
    finding: str,
    household: Household | None = None,
    actor: str = "",
    user: User | None = None,
) -> UnannouncedFinding:
    _in_county(county, household)
    if not finding.strip():
        raise AssessmentError("请填写暗访发现的问题")
    row = UnannouncedFinding.objects.create(
        campaign=campaign,
        county=county,
        household=household,
        finding=finding.strip(),
        recorded_by=real_user(user),
    )
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=row,
        household=household,
        reason="暗访发现",
    )
    return row


@transaction.atomic
def feedback_list_build(
    *, campaign: Campaign, province: Region, actor: str = "", user: User | None = None
) -> FeedbackList:
    """The province's list of confirmed problems (only confirmed ones); adds any not yet listed."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in (CampaignStatus.DECIDED, CampaignStatus.FEEDBACK):
        raise AssessmentError("出结果后才能制作问题反馈清单")
    if province.level != Level.PROVINCE:
        raise AssessmentError(f"{province.name}不是省")
    if user is not None and not has_role(user, Role.WORKING_GROUP):
        raise AssessmentError("只有评估工作组成员可以制作问题反馈清单")
    fl, _ = FeedbackList.objects.get_or_create(
        campaign=campaign,
        province=province,
        defaults={"created_by": real_user(user), "actor": actor_name(user, actor)},
    )
    listed = set(fl.items.values_list("problem_id", flat=True))
    new = [
        FeedbackItem(
            feedback_list=fl,
            problem=p,
            text=f"{p.county.name} {p.get_kind_display()}：{p.description}",
        )
        for p in problems_confirmed(campaign)
        .filter(county__code__startswith=province.prefix)
        .select_related("county")
        if p.pk not in listed
    ]
    FeedbackItem.objects.bulk_create(new)
    if new:
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.CREATE,
            obj=fl,
            after={"items_added": len(new)},
            reason=f"问题反馈清单：{province.name}",
        )
    return fl


@transaction.atomic
def rectification_open(
    *, item: FeedbackItem, owner: str, deadline: dt.date, actor: str = "", user: User | None = None
) -> Rectification:
    if user is not None and not has_role(user, Role.WORKING_GROUP):
        raise AssessmentError("只有评估工作组成员可以下达整改事项")
    if not owner.strip():
        raise AssessmentError("请填写整改责任单位或责任人")
    if Rectification.objects.filter(item=item).exists():
        raise AssessmentError("该问题已下达整改")
    row = Rectification.objects.create(item=item, owner=owner.strip(), deadline=deadline)
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=row,
        household=item.problem.household,
        reason=f"整改时限 {deadline.isoformat()}",
    )
    return row


# --- proof files of a rectification (整改证明材料) ---------------------------------------------

PROOF_MAX_BYTES = 20 * 1024 * 1024
PROOF_MAX_FILES = 10
# What an office files as proof, by the name's ending and the bytes it starts with (a renamed file
# of another kind is refused): photos, PDF, Word (DOCX) and Excel (XLSX).
_ZIP = (b"PK\x03\x04",)
PROOF_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".jpg": (EvidenceKind.PHOTO, (b"\xff\xd8\xff",)),
    ".jpeg": (EvidenceKind.PHOTO, (b"\xff\xd8\xff",)),
    ".png": (EvidenceKind.PHOTO, (b"\x89PNG\r\n\x1a\n",)),
    ".gif": (EvidenceKind.PHOTO, (b"GIF87a", b"GIF89a")),
    ".webp": (EvidenceKind.PHOTO, (b"RIFF",)),
    ".pdf": (EvidenceKind.DOCUMENT, (b"%PDF-",)),
    ".docx": (EvidenceKind.DOCUMENT, _ZIP),
    ".xlsx": (EvidenceKind.DOCUMENT, _ZIP),
}
PROOF_TYPES_LABEL = "照片（JPG、PNG、GIF、WEBP）、PDF、Word（DOCX）或 Excel（XLSX）"
PROOF_OPEN = (RectificationStatus.OPEN, RectificationStatus.REOPENED)


class ProofUpload(Protocol):
    """An uploaded file as Django gives it (`UploadedFile`): its name, size and bytes."""

    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> bytes: ...


def _proof_content(upload: ProofUpload) -> tuple[str, str, bytes]:
    """(kind, name, bytes) of an acceptable proof file; refuses by name with the reason."""
    name = PurePath(upload.name or "").name
    shown = name or "未命名文件"
    if upload.size is not None and upload.size > PROOF_MAX_BYTES:
        raise AssessmentError(
            f"证明材料“{shown}”超过 {PROOF_MAX_BYTES // (1024 * 1024)} MB，未保存"
        )
    kind_magic = PROOF_TYPES.get(PurePath(name).suffix.lower())
    if kind_magic is None:
        raise AssessmentError(f"证明材料“{shown}”不是{PROOF_TYPES_LABEL}文件，未保存")
    data = upload.read()
    if len(data) > PROOF_MAX_BYTES:
        raise AssessmentError(
            f"证明材料“{shown}”超过 {PROOF_MAX_BYTES // (1024 * 1024)} MB，未保存"
        )
    if not data:
        raise AssessmentError(f"证明材料“{shown}”是空文件，未保存")
    kind, magic = kind_magic
    if not data.startswith(magic):
        raise AssessmentError(
            f"证明材料“{shown}”的内容与文件类型不符（不是{PurePath(name).suffix.lower()}文件），未保存"
        )
    return kind, name, data


def _may_attach(row: Rectification, user: User) -> None:
    county = row.item.problem.county
    if not has_role_in(user, Role.COUNTY_OFFICER, county.pk):
        raise AssessmentError(f"只有{county.name}的县级干部可以提交该县的整改证明材料")
    if row.status not in PROOF_OPEN:
        raise AssessmentError(
            f"整改事项当前为“{RectificationStatus(row.status).label}”，不能再补充证明材料"
        )


def _attach(
    row: Rectification, user: User, files: Sequence[ProofUpload], now: dt.datetime | None
) -> list[Evidence]:
    if len(files) > PROOF_MAX_FILES:
        raise AssessmentError(f"一次最多提交 {PROOF_MAX_FILES} 个证明材料")
    contents = [_proof_content(f) for f in files]  # every file checked before any is stored
    stored: list[Evidence] = []
    for kind, name, data in contents:
        evidence, created = evidence_receive(
            owner=row,
            kind=kind,
            content=data,
            sha256=hashlib.sha256(data).hexdigest(),
            filename=name,
            user=user,
            now=now,
        )
        if created:
            audit_record(
                actor=user,
                action=AuditEntry.Action.CREATE,
                obj=evidence,
                household=row.item.problem.household,
                after={"rectification": row.pk, "name": name, "sha256": evidence.sha256},
                reason=f"整改证明材料：整改事项 {row.pk} {name}",
                now=now,
            )
        stored.append(evidence)
    return stored


@transaction.atomic
def rectification_proof_attach(
    *,
    rectification: Rectification,
    user: User,
    files: Sequence[ProofUpload],
    now: dt.datetime | None = None,
) -> list[Evidence]:
    """The county officer of the problem's county attaches proof files (photos, PDF, DOCX, XLSX,
    each at most PROOF_MAX_BYTES) to a rectification that is open or sent back; stored as the
    rectification's evidence (`evidence_receive`), each new file audited. All or nothing: one bad
    file refuses them all, naming it. The same file again is stored once."""
    row = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("item__problem__county", "item__problem__household")
        .get(pk=rectification.pk)
    )
    _may_attach(row, user)
    if not files:
        raise AssessmentError("请选择要提交的证明材料文件")
    return _attach(row, user, files, now)


def rectification_proof_files(rectification: Rectification) -> list[Evidence]:
    """The rectification's proof files, oldest first (callers have scoped the rectification)."""
    return list(Evidence.objects.filter(rectification=rectification).order_by("received_at", "id"))


def _action_label(action: str) -> str:
    return str(RectificationAction(action).label)


# A rectification's workflow (its table: workflows.RECTIFICATION_TRANSITIONS).
RECTIFICATION_WORKFLOW: Workflow[Rectification, RectificationStep] = Workflow(
    table=RECTIFICATION_TRANSITIONS,
    step_model=RectificationStep,
    link="rectification",
    holds=lambda user, role, _row, _for: has_role(user, role),
    refused=lambda _row, status, action: (
        f"整改事项当前为“{RectificationStatus(status).label}”，不能“{_action_label(action)}”"
    ),
    denied=lambda _row, action, move, _user: (
        f"只有{role_label(move.role)}可以“{_action_label(action)}”"
    ),
    error=AssessmentError,
    queryset=lambda: Rectification.objects.select_related(
        "item__problem__county", "item__problem__household"
    ),
    household=lambda row: row.item.problem.household,
)


@transaction.atomic
def rectification_transition(
    *,
    rectification: Rectification,
    action: str,
    user: User,
    opinion: str = "",
    proof_text: str | None = None,
    files: Iterable[ProofUpload] = (),
) -> RectificationStep:
    """Submit proof (county officer of the problem's county), accept or reopen (working group).

    `files`: proof files submitted with the proof (submit only), attached in the same transaction
    as `rectification_proof_attach` attaches them: a refused submission keeps none of them."""
    if action not in RectificationAction.values:
        raise AssessmentError(f"未知的整改操作：{action}")
    uploads = list(files)
    if uploads:
        if action != RectificationAction.SUBMIT:
            raise AssessmentError("只有提交整改情况时才能附证明材料")
        rectification_proof_attach(rectification=rectification, user=user, files=uploads)

    def check(row: Rectification, move: Move) -> Outcome:
        county = row.item.problem.county
        if move.role == Role.COUNTY_OFFICER and not has_role_in(
            user, Role.COUNTY_OFFICER, county.pk
        ):
            raise AssessmentError(f"只有{county.name}的县级干部可以提交该县的整改情况")
        changes = {}
        if action == RectificationAction.SUBMIT:
            text = (proof_text if proof_text is not None else row.proof_text).strip()
            if not text and not row.proof_files.exists():
                raise AssessmentError("请提供整改情况说明或证明材料")
            changes["proof_text"] = text
        elif move.opinion_required and not opinion.strip():
            raise AssessmentError("退回须说明理由")
        return Outcome(step={"action": action}, changes=changes)

    return transition(
        RECTIFICATION_WORKFLOW,
        obj=rectification,
        action=action,
        user=user,
        check=check,
        opinion=opinion.strip(),
        note=_action_label(action),
    )
