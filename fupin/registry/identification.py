"""New identification (精准识别) as the recorded 一核二看三比四评议五公示 procedure: open a case on a
household, take its steps through the one workflow mechanism (`fupin.accounts.workflow`), and on
the county's approval record the household's `identified` event (`household_record_event`).

Dates never go backwards (each step on or after the one before, none in the future); the public
notice lasts at least `workflows.NOTICE_DAYS` days and is recorded only once it has ended; an
objection is recorded with its handling, and one upheld ends the case; a household that was
清退 is identified again only with a reason (the case's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fupin.accounts.audit import audit_record
from fupin.accounts.models import OFFICE_LEVEL, AuditEntry, Role
from fupin.accounts.scoping import has_office, office_levels
from fupin.accounts.workflow import Move, Outcome, Workflow, moves_from, transition
from fupin.registry.models import (
    REGISTERED_STATUSES,
    EventKind,
    Household,
    IdentificationCase,
    IdentificationStep,
    Status,
)
from fupin.registry.selectors import households_for
from fupin.registry.services import (
    RegistryConflict,
    RegistryDenied,
    RegistryError,
    household_record_event,
    next_status,
)
from fupin.registry.workflows import (
    APPRAISAL,
    APPROVAL,
    NOTICE,
    NOTICE_DAYS,
    OPEN_ROLES,
    OPEN_STATUSES,
    TRANSITIONS,
    AppraisalResult,
    IdentificationStatus,
)

AnyUser = AbstractBaseUser | AnonymousUser


def _role_label(role: str) -> str:
    return str(Role(role).label)


def _refused(case: IdentificationCase, status: str, to: str) -> str:
    if case.is_closed:
        return f"该识别申请已“{IdentificationStatus(status).label}”，不能再办理"
    label = IdentificationStatus(to).label if to in IdentificationStatus.values else to
    return f"识别申请当前为“{IdentificationStatus(status).label}”，不能办理“{label}”"


def _denied(case: IdentificationCase, _to: str, move: Move, _user: object) -> str:
    roles = "或".join(_role_label(r) for r in sorted(move.roles, reverse=True))
    return f"“{move.label}”须由{case.household.village.name}所属的{roles}办理"


IDENTIFICATION_WORKFLOW: Workflow[IdentificationCase, IdentificationStep] = Workflow(
    table=TRANSITIONS,
    step_model=IdentificationStep,
    link="case",
    holds=lambda user, role, case, _for: has_office(user, case.household.village, role),
    refused=_refused,
    denied=_denied,
    error=RegistryConflict,
    denied_error=RegistryDenied,
    queryset=lambda: IdentificationCase.objects.select_related("household__village"),
    household=lambda case: case.household,
    audit_action=AuditEntry.Action.UPDATE,
)


def _day(date: dt.date | None) -> dt.date:
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise RegistryError(f"办理日期 {date.isoformat()} 在未来")
    return date


@transaction.atomic
def identification_open(
    *,
    household: Household,
    reason: str,
    user: AnyUser | None,
    date: dt.date | None = None,
) -> IdentificationCase:
    """Open a case on a household not in the registry (never registered, or 清退), by the township
    or county office over its village."""
    village = household.village
    if not any(has_office(user, village, r) for r in OPEN_ROLES):
        raise RegistryDenied(f"识别申请须由{village.name}所属的乡(镇)扶贫工作站或县扶贫办提出")
    reason = (reason or "").strip()
    if not reason:
        raise RegistryError("申请理由：请写明申请识别的理由（曾被清退的农户须写明重新识别的原因）")
    date = _day(date)
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.status in REGISTERED_STATUSES:
        raise RegistryConflict(
            f"该户当前为“{Status(household.status).label}”，已在建档立卡中"
            + ("；返贫请在农户页面记录返贫" if household.status == Status.EXITED else "")
        )
    if household.identification_cases.filter(status__in=OPEN_STATUSES).exists():
        raise RegistryConflict("该户已有一件正在办理的识别申请")
    last = household.events.order_by("-date", "-id").first()
    if last is not None and date < last.date:
        raise RegistryError(
            f"申请日期 {date.isoformat()} 早于该户上一条状态记录"
            f"（{last.get_kind_display()} {last.date.isoformat()}）"
        )
    case = IdentificationCase.objects.create(
        household=household,
        opened_on=date,
        reason=reason,
        opened_by=user if user is not None and user.is_authenticated else None,
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=case,
        household=household,
        after={"status": case.status, "opened_on": date, "reason": reason},
        reason=f"提出识别申请：{reason}",
    )
    return case


@transaction.atomic
def identification_transition(
    *,
    case: IdentificationCase,
    to: str,
    user: AnyUser | None,
    date: dt.date | None = None,
    opinion: str = "",
    evidence: Iterable[str] = (),
    appraisal_result: str = "",
    notice_start: dt.date | None = None,
    notice_end: dt.date | None = None,
    objection: str = "",
    objection_handling: str = "",
    objection_upheld: bool = False,
) -> IdentificationStep:
    """Take one step of the procedure (the table in workflows.py) as the office it belongs to;
    the county's approval records the household's `identified` event."""
    if to not in IdentificationStatus.values:
        raise RegistryError(f"未知的环节：{to}")
    date = _day(date)
    opinion = (opinion or "").strip()
    objection, objection_handling = objection.strip(), objection_handling.strip()

    def check(locked: IdentificationCase, move: Move) -> Outcome:
        if not opinion:
            what = (
                "不予识别的理由"
                if move.opinion_required
                else "办理情况（核实、查看、比较或评议的内容）"
            )
            raise RegistryError(f"“{move.label}”须写明{what}")
        previous = locked.steps.order_by("-date", "-id").first()
        floor = previous.date if previous is not None else locked.opened_on
        if date < floor:
            what = previous.action if previous is not None else "申请"
            raise RegistryError(
                f"办理日期 {date.isoformat()} 早于{what}的日期 {floor.isoformat()}：日期不能倒退"
            )
        step: dict[str, object] = {"action": move.label, "date": date}
        target: str | None = None
        if move.requires(APPRAISAL):
            if appraisal_result not in AppraisalResult.values:
                raise RegistryError("四评议：请选择评议结果（通过或未通过）")
            step["appraisal_result"] = appraisal_result
            if appraisal_result == AppraisalResult.FAILED:
                target = IdentificationStatus.REJECTED
        elif appraisal_result:
            raise RegistryError(f"“{move.label}”不是评议环节，不填评议结果")
        if move.requires(NOTICE):
            if notice_start is None or notice_end is None:
                raise RegistryError("五公示：请填写公示开始和结束日期")
            if notice_end < notice_start:
                raise RegistryError("五公示：公示结束日期早于开始日期")
            days = (notice_end - notice_start).days + 1
            if days < NOTICE_DAYS:
                raise RegistryError(f"五公示：公示期为 {days} 天，不得少于 {NOTICE_DAYS} 天")
            if notice_start < floor:
                raise RegistryError(
                    f"五公示：公示开始日期 {notice_start.isoformat()} 早于评议日期 {floor.isoformat()}"
                )
            if notice_end > date:
                raise RegistryConflict(
                    f"五公示：公示到 {notice_end.isoformat()} 结束，期满后才能记录公示结果"
                )
            if objection and not objection_handling:
                raise RegistryError("五公示：有异议的，须写明异议的核实处理情况")
            if objection_upheld and not objection:
                raise RegistryError("五公示：异议成立的，须写明异议内容")
            step.update(
                notice_start=notice_start,
                notice_end=notice_end,
                objection=objection,
                objection_handling=objection_handling,
            )
            if objection_upheld:
                target = IdentificationStatus.REJECTED
        elif notice_start or notice_end or objection or objection_handling or objection_upheld:
            raise RegistryError(f"“{move.label}”不是公示环节，不填公示日期和异议")
        if move.requires(APPROVAL):
            # Refused here, before anything is written, with the registry's own reason.
            next_status(locked.household.status or None, EventKind.IDENTIFIED)
        return Outcome(
            to=target,
            step=step,
            note=f"{move.label}：{locked.household.household_no} {opinion}".strip(),
        )

    row = transition(
        IDENTIFICATION_WORKFLOW,
        obj=case,
        action=to,
        user=user,
        check=check,
        opinion=opinion,
        evidence=[str(e).strip() for e in evidence if str(e).strip()],
    )
    if row.to_status == IdentificationStatus.APPROVED:
        household = row.case.household
        again = "重新识别（曾清退）" if household.status == Status.REMOVED else "新识别"
        household_record_event(
            household=household,
            kind=EventKind.IDENTIFIED,
            date=date,
            reason=f"{again}，一核二看三比四评议五公示，县级审批：{case.reason}"[:200],
            actor="",
            user=user,  # type: ignore[arg-type]
        )
    return row


def allowed_moves(case: IdentificationCase, user: AnyUser | None) -> list[tuple[str, Move]]:
    """The steps the user may take on the case now (the role check only; the service checks the
    rest and says why)."""
    if case.is_closed:
        return []
    levels = office_levels(user, case.household.village)
    return [
        (to, m)
        for to, m in moves_from(TRANSITIONS, case.status)
        if any(OFFICE_LEVEL[r] in levels for r in m.roles)
    ]


def identification_cases_for(user: AnyUser) -> QuerySet[IdentificationCase]:
    """The cases of the households the user may see (the registry's scope)."""
    return IdentificationCase.objects.filter(household__in=households_for(user).values("pk"))
