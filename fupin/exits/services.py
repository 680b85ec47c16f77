"""Exit operations: open a case, move it along its procedure, record objections, change its data.

One transition service reads the tables in workflows.py, checks the actor's office, writes an
append-only ExitStep and moves the status; every action is audited (fupin.accounts.audit).
The 3342 sign-off lives in signoff.py and the criteria in criteria.py; both are re-exported here
so that views and the API import services only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import OFFICE_LEVEL, AuditEntry, Role
from fupin.accounts.scoping import has_office, office_levels
from fupin.accounts.workflow import Move, Outcome, Workflow, transition
from fupin.assessments.models import CountyDecision
from fupin.exits.assessment import candidate_label, case_result, link_problem
from fupin.exits.common import ExitError, User
from fupin.exits.criteria import (
    FACT_LABELS,
    HOUSEHOLD_FACTS,
    SUPPLIED_KEYS,
    Criterion,
    case_facts,
    exit_criteria_check,
    exit_criteria_evaluate,
    explain,
)
from fupin.exits.models import ExitCase, ExitStep, Objection, ObjectionResolution
from fupin.exits.signoff import (
    signature_add,
    signature_revoke,
    signatures_refresh,
    signoff_evaluate,
    signoff_is_final,
    signoff_missing,
)
from fupin.exits.workflows import (
    CLOSES_NOTICE,
    FINAL,
    FINAL_STATUSES,
    LEVEL_ORDER,
    LINKS_ASSESSMENT,
    NOTICE_DAYS,
    OPEN_MOVES,
    OPENS_NOTICE,
    TRANSITIONS,
    ExitKind,
    ExitStatus,
    terminate_move,
)
from fupin.regions.models import Level, Region
from fupin.registry.models import EventKind, Household, Status, StatusEvent
from fupin.registry.services import RegistryError, household_record_event, household_update

__all__ = [
    "Criterion",
    "ExitError",
    "case_facts",
    "exit_case_data_change",
    "exit_case_open",
    "exit_case_transition",
    "exit_criteria_check",
    "exit_criteria_evaluate",
    "exit_objection_record",
    "exit_objection_resolve",
    "objections_blocking",
    "signature_add",
    "signature_revoke",
    "signatures_refresh",
    "signoff_evaluate",
    "signoff_is_final",
    "signoff_missing",
]


def _role_label(role: str) -> str:
    return str(Role(role).label)


def _status_label(status: str) -> str:
    return str(ExitStatus(status).label) if status else "未提出"


def _today(date: dt.date | None) -> dt.date:
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise ExitError(f"日期 {date.isoformat()} 在未来")
    return date


def _evidence(evidence: Iterable[str]) -> list[str]:
    return [str(e).strip() for e in evidence if str(e).strip()]


def _lock(case: ExitCase) -> ExitCase:
    return (
        ExitCase.objects.select_for_update(of=("self",))  # the joined rows may be NULL
        .select_related("region", "household")
        .get(pk=case.pk)
    )


def _open_case_exists(kind: str, household: Household | None, region: Region) -> bool:
    qs = ExitCase.objects.filter(kind=kind).exclude(status__in=FINAL_STATUSES[kind])
    qs = qs.filter(household=household) if household is not None else qs.filter(region=region)
    return qs.exists()


def _supplied_refusal(kind: str, keys: Iterable[str]) -> str:
    if kind == ExitKind.COUNTY:
        return (
            "贫困县的三率一度只能来自专项评估检查结果（由省扶贫办关联评估任务对该县作出的县级"
            "结果），县里不能在退出事项中录入或变更"
        )
    names = "、".join(FACT_LABELS.get(k, k) for k in sorted(keys))
    return f"{ExitKind(kind).label}不接受这些补充数据：{names}"


def _household_exited(household: Household) -> str:
    """Why a household that has exited and not returned since cannot exit again ("" if it may)."""
    if household.status != Status.EXITED:
        return ""
    last = (
        StatusEvent.objects.filter(household=household, kind=EventKind.EXITED)
        .order_by("-date", "-id")
        .first()
    )
    when = f"已于 {last.date.isoformat()} 脱贫" if last is not None else "已脱贫"
    return f"{household.household_no} {when}，此后没有返贫记录，不能再次退出；返贫的须先登记返贫"


def _region_exited(kind: str, region: Region) -> str:
    """Why a village or county that has exited cannot exit again ("" if it may). Regions have
    no return to poverty in the registry: an exit is once."""
    if kind == ExitKind.VILLAGE and region.poor_exit_year:
        return f"{region.name}已于 {region.poor_exit_year} 年退出贫困村，不能再次退出"
    if kind == ExitKind.COUNTY and region.exit_year:
        return f"{region.name}已于 {region.exit_year} 年摘帽，不能再次退出"
    return ""


@transaction.atomic
def exit_case_open(
    *,
    kind: str,
    user: User,
    household: Household | None = None,
    region: Region | None = None,
    opinion: str = "",
    evidence: Iterable[str] = (),
    supplied: Mapping[str, Any] | None = None,
    date: dt.date | None = None,
) -> ExitCase:
    """Propose an exit: a household after the village's democratic appraisal, a village by its
    township, a county by its leading group. The case starts as 拟退出 (proposed).

    Its exit year is the year of `date` (never typed), and the approval must fall in it. What
    has exited cannot be proposed again: a household only after it returned (返贫), a village
    or a county never."""
    if kind not in ExitKind.values:
        raise ExitError(f"未知的退出类型：{kind}")
    date = _today(date)
    if kind == ExitKind.HOUSEHOLD:
        if household is None:
            raise ExitError("贫困户退出须指明农户")
        household = Household.objects.select_related("village").get(pk=household.pk)
        exited = _household_exited(household)
        if exited:
            raise ExitError(exited)
        if household.status not in (Status.POOR, Status.RETURNED):
            label = Status(household.status).label if household.status else "未建档立卡"
            raise ExitError(f"{household.household_no} 当前为“{label}”，不是未脱贫户，不能提出退出")
        region = household.village
    else:
        if region is None:
            raise ExitError(f"{ExitKind(kind).label}须指明区划")
        want = Level.VILLAGE if kind == ExitKind.VILLAGE else Level.COUNTY
        if region.level != want:
            raise ExitError(f"{region.name}不是{Level(want).label}级区划")
        if kind == ExitKind.VILLAGE and not region.is_poor_village:
            raise ExitError(f"{region.name}不是贫困村")
        if kind == ExitKind.COUNTY and not region.is_poor_county:
            raise ExitError(f"{region.name}不是贫困县")
        exited = _region_exited(kind, region)
        if exited:
            raise ExitError(exited)
        household = None
    move = OPEN_MOVES[kind]
    if not has_office(user, region, move.role):
        raise ExitError(f"“{move.label}”须由{region.name}所属的{_role_label(move.role)}进行")
    if _open_case_exists(kind, household, region):
        raise ExitError(
            f"{household.household_no if household else region.name}已有进行中的退出事项"
        )
    extra = dict(supplied or {})
    unknown = set(extra) - SUPPLIED_KEYS[kind]
    if unknown:
        raise ExitError(_supplied_refusal(kind, unknown))
    year = date.year
    case = ExitCase.objects.create(
        kind=kind,
        household=household,
        region=region,
        year=year,
        status=ExitStatus.PROPOSED,
        supplied=extra,
        opened_by=real_user(user),
    )
    ExitStep.objects.create(
        case=case,
        action=move.label,
        from_status="",
        to_status=ExitStatus.PROPOSED,
        user=real_user(user),
        actor=actor_name(user),
        date=date,
        opinion=opinion,
        evidence=_evidence(evidence),
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=case,
        household=case.household,
        after={"kind": kind, "subject": case.subject_code, "year": year, "supplied": extra},
        reason=f"{move.label}：{case.subject_name} {year} 年",
    )
    return case


def _notice(case: ExitCase) -> ExitStep | None:
    """The case's latest public notice step."""
    return case.steps.filter(to_status=ExitStatus.IN_NOTICE).order_by("-at", "-id").first()


def objections_blocking(case: ExitCase) -> list[Objection]:
    """Objections to the latest notice that are unresolved or upheld: each blocks the exit."""
    notice = _notice(case)
    if notice is None:
        return []
    return [
        o
        for o in notice.objections.select_related("resolution").order_by("id")
        if not hasattr(o, "resolution") or o.resolution.upheld
    ]


def _objection_text(objections: list[Objection]) -> str:
    def state(o: Objection) -> str:
        return "异议成立" if hasattr(o, "resolution") else "尚未核实"

    return "；".join(f"“{o.content[:30]}”（{state(o)}）" for o in objections)


def _procedure(kind: str) -> dict[tuple[str, str], Move]:
    """The moves a kind of procedure allows: its table, and ending it (终止) from any open status."""
    end = terminate_move(kind)
    ends = {(s, end.to): end for s in ExitStatus.values if s not in FINAL_STATUSES[kind]}
    return {**TRANSITIONS[kind], **ends}


PROCEDURES: dict[str, dict[tuple[str, str], Move]] = {
    kind: _procedure(kind) for kind in ExitKind.values
}


def _refused(case: ExitCase, status: str, to: str) -> str:
    if status in FINAL_STATUSES[case.kind]:
        return f"退出事项已{ExitStatus(status).label}，不能再办理"
    return (
        f"{case.get_kind_display()}当前为“{ExitStatus(status).label}”，"
        f"不能转为“{_status_label(to)}”"
    )


def _denied(case: ExitCase, _to: str, move: Move, user: User) -> str:
    if move.to == ExitStatus.TERMINATED:
        return f"{actor_name(user)}无权终止{case.subject_name}的退出程序"
    return f"“{move.label}”须由{case.region.name}所属的{_role_label(move.role)}进行"


# An exit case's procedure (its table by kind: workflows.TRANSITIONS, and 终止), taken by the
# offices over the case's region.
EXIT_WORKFLOW: Workflow[ExitCase, ExitStep] = Workflow(
    table=lambda case: PROCEDURES[case.kind],
    step_model=ExitStep,
    link="case",
    holds=lambda user, role, case, _for: has_office(user, case.region, role),
    refused=_refused,
    denied=_denied,
    error=ExitError,
    queryset=lambda: ExitCase.objects.select_related("region", "household"),
    household=lambda case: case.household if case.household_id else None,
)


def _check_not_backdated(case: ExitCase, day: dt.date, what: str) -> None:
    """The procedure's dates never go backwards: a step is not dated before the previous one."""
    last = case.steps.exclude(from_status=F("to_status")).order_by("-date", "-at", "-id").first()
    if last is not None and day < last.date:
        raise ExitError(
            f"“{what}”的日期 {day.isoformat()} 早于上一环节“{last.action}”的办理日期 "
            f"{last.date.isoformat()}，退出程序的日期不能倒退"
        )


def _link_assessment(case: ExitCase, decision: CountyDecision | None, day: dt.date) -> Any:
    """The county result the 专项评估检查 step links, checked: decided, current, this county's,
    passed, and decided no later than the step."""
    if decision is None:
        raise ExitError(
            f"“专项评估检查”须选定评估任务对{case.region.name}作出的县级结果，"
            "三率一度由此读取，不能录入"
        )
    decision = CountyDecision.objects.select_related("campaign", "county").get(pk=decision.pk)
    problem = link_problem(decision, case.region, day)
    if problem:
        raise ExitError(f"不能以此作为专项评估检查结果：{problem}")
    return decision


# A county case past its 专项评估检查, and the moves that go on from there (not back, not 终止).
_ASSESSED_ON = frozenset({ExitStatus.ASSESSED, ExitStatus.IN_NOTICE, ExitStatus.NOTICED})
_BACK_OR_END = frozenset({ExitStatus.PROVINCE_VERIFIED, ExitStatus.TERMINATED})


def _check_assessment_holds(case: ExitCase, move: Move) -> None:
    """A county exit goes on past its 专项评估检查 only on a decided, current result."""
    if case.kind != ExitKind.COUNTY or case.status not in _ASSESSED_ON or move.to in _BACK_OR_END:
        return
    result = case_result(case)
    if result is None:
        raise ExitError(f"{case.region.name}的退出尚未关联专项评估检查结果，不能继续")
    if result.problem:
        raise ExitError(f"专项评估检查结果已不能作为依据，不能继续：{result.problem}")


def _check_notice_dates(case: ExitCase, start: dt.date | None, end: dt.date | None) -> None:
    if start is None or end is None:
        raise ExitError("公示须写明开始和结束日期")
    days = (end - start).days + 1
    if days < NOTICE_DAYS[case.kind]:
        raise ExitError(f"公示期为 {days} 天，不得少于 {NOTICE_DAYS[case.kind]} 天")


def _check_notice_closed(case: ExitCase, date: dt.date) -> None:
    notice = _notice(case)
    if notice is None or notice.notice_end is None:
        raise ExitError("没有公示记录")
    if date <= notice.notice_end:
        raise ExitError(f"公示期至 {notice.notice_end.isoformat()} 结束，期满后方可确认无异议")
    blocking = objections_blocking(case)
    if blocking:
        raise ExitError(f"公示有异议未解决，不能退出：{_objection_text(blocking)}")


def _check_final(case: ExitCase, user: User) -> None:
    """Criteria met, no objection standing, and the 3342 chain complete on the current data."""
    failed = exit_criteria_check(case)
    if failed:
        raise ExitError(f"不符合退出标准：{explain(failed)}")
    blocking = objections_blocking(case)
    if blocking:
        raise ExitError(f"公示有异议未解决，不能退出：{_objection_text(blocking)}")
    if not signoff_is_final(case):
        raise ExitError(f"3342签字不全，退出结果尚未认定：{signoff_missing(case)}")


def _check_exit_year(case: ExitCase, date: dt.date, action: str) -> None:
    """The exit year follows from the approval: it must fall in the year the case is for."""
    if date.year != case.year:
        raise ExitError(
            f"{action}日期 {date.isoformat()} 不在退出年度 {case.year} 年内：退出年度以批准之日"
            f"为准，本事项于 {case.year} 年提出，须在当年{action}；否则终止后于 {date.year} 年重新提出"
        )


def _apply_result(case: ExitCase, to: str, user: User, date: dt.date) -> None:
    """What the end of a procedure changes outside the case, through its owner's service."""
    if case.kind == ExitKind.HOUSEHOLD and to == ExitStatus.EXITED:
        _check_exit_year(case, date, "销号")
        exited = _household_exited(Household.objects.get(pk=case.household_id))
        if exited:
            raise ExitError(exited)
        try:
            household_record_event(
                household=case.household,
                kind=EventKind.EXITED,
                date=date,
                reason=f"退出程序完成（退出事项 {case.pk}）",
                actor=actor_name(user),
                user=real_user(user),
            )
        except RegistryError as e:
            raise ExitError(str(e)) from None
    elif case.kind == ExitKind.VILLAGE and to == ExitStatus.ANNOUNCED:
        _check_exit_year(case, date, "公告退出")
        _region_year(case, "poor_exit_year", user, date)
    elif case.kind == ExitKind.COUNTY and to == ExitStatus.APPROVED:
        _check_exit_year(case, date, "批准退出")
        _region_year(case, "exit_year", user, date)


def _region_year(case: ExitCase, field: str, user: User, date: dt.date) -> None:
    """Record the region's exit year, the approval's year; never over an earlier exit."""
    region = Region.objects.select_for_update().get(pk=case.region_id)
    exited = _region_exited(case.kind, region)
    if exited:
        raise ExitError(exited)
    before = getattr(region, field)
    setattr(region, field, date.year)
    region.save(update_fields=[field])
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=region,
        household=case.household,
        before={field: before},
        after={field: date.year},
        reason=f"{region.name}退出：{date.isoformat()} 批准，退出年度 {date.year}（退出事项 {case.pk}）",
    )


@transaction.atomic
def exit_case_transition(
    *,
    case: ExitCase,
    to: str,
    user: User,
    opinion: str = "",
    evidence: Iterable[str] = (),
    notice_start: dt.date | None = None,
    notice_end: dt.date | None = None,
    date: dt.date | None = None,
    assessment_result: CountyDecision | None = None,
) -> ExitStep:
    """Take one step of the case's procedure (workflows.TRANSITIONS), or end it (终止).

    `date` is the day the step was done (default today), never before the previous step's; a
    public notice needs its start and end; a county's 专项评估检查 links `assessment_result`, the
    decided county result of an exit assessment its figures are read from; the last step needs
    the criteria met, no objection standing and all 3342 signatures."""

    def check(locked: ExitCase, move: Move) -> Outcome:
        if move.opinion_required and not opinion.strip():
            if move.to == ExitStatus.TERMINATED:
                raise ExitError("终止退出程序须写明理由")
            raise ExitError(f"“{move.label}”须写明意见")
        day = _today(date)
        _check_not_backdated(locked, day, move.label)
        start, end = notice_start, notice_end
        if move.requires(OPENS_NOTICE):
            _check_notice_dates(locked, start, end)
            assert start is not None  # checked
            _check_not_backdated(locked, start, "公示开始")
        else:
            start = end = None
        changes: dict[str, Any] = {}
        linked = ""
        if move.requires(LINKS_ASSESSMENT):
            decision = _link_assessment(locked, assessment_result, day)
            changes["assessment_result"] = decision
            linked = f"，依据 {candidate_label(decision)}"
        elif assessment_result is not None:
            raise ExitError("只有贫困县退出的“专项评估检查”环节关联专项评估检查结果")
        else:
            _check_assessment_holds(locked, move)
        if move.requires(CLOSES_NOTICE):
            _check_notice_closed(locked, day)
        if move.requires(FINAL):
            signatures_refresh(case=locked, user=user)
            _check_final(locked, user)
        _apply_result(locked, to, user, day)
        notice = f"，公示 {start.isoformat()} 至 {end.isoformat()}" if start and end else ""
        return Outcome(
            step={
                "action": move.label,
                "date": day,
                "notice_start": start,
                "notice_end": end,
            },
            changes=changes,
            after=lambda case, step: {
                "step": step.pk,
                **({"assessment_result": case.assessment_result_id} if changes else {}),
            },
            note=(
                f"{move.label}：{_status_label(locked.status)} → {_status_label(to)}"
                f"{notice}{linked}"
            ),
        )

    return transition(
        EXIT_WORKFLOW,
        obj=case,
        action=to,
        user=user,
        check=check,
        opinion=opinion,
        evidence=_evidence(evidence),
    )


@transaction.atomic
def exit_objection_record(
    *, case: ExitCase, content: str, user: User, raised_by_name: str = ""
) -> Objection:
    """Record an objection raised while the case is in public notice; it blocks until dismissed."""
    case = _lock(case)
    if case.status != ExitStatus.IN_NOTICE:
        raise ExitError(f"当前为“{case.get_status_display()}”，只有公示期间才能登记异议")
    if not content.strip():
        raise ExitError("请写明异议内容")
    if not office_levels(user, case.region):
        raise ExitError(f"{actor_name(user)}不是{case.region.name}所属的扶贫部门成员，不能登记异议")
    notice = _notice(case)
    assert notice is not None  # in notice: a notice step exists
    objection = Objection.objects.create(
        case=case,
        notice=notice,
        content=content.strip(),
        raised_by_name=raised_by_name.strip(),
        recorded_by=real_user(user),
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=objection,
        household=case.household,
        after={"content": objection.content, "raised_by_name": objection.raised_by_name},
        reason=f"公示异议：{objection.content}",
    )
    return objection


@transaction.atomic
def exit_objection_resolve(
    *, objection: Objection, upheld: bool, opinion: str, user: User
) -> ObjectionResolution:
    """Settle an objection after checking it: upheld (the exit cannot go on from this notice)
    or dismissed with reasons. Done by the office that runs the notice, or one above it."""
    case = _lock(objection.case)
    if case.is_closed:
        raise ExitError(f"退出事项已{case.get_status_display()}")
    if ObjectionResolution.objects.filter(objection=objection).exists():
        raise ExitError("该异议已处理")
    if not opinion.strip():
        raise ExitError("处理异议须写明核实意见")
    close = TRANSITIONS[case.kind][(ExitStatus.IN_NOTICE, ExitStatus.NOTICED)]
    floor = LEVEL_ORDER.index(OFFICE_LEVEL[close.role])
    if not any(LEVEL_ORDER.index(lv) >= floor for lv in office_levels(user, case.region)):
        raise ExitError(f"异议须由{_role_label(close.role)}或上级核实处理")
    resolution = ObjectionResolution.objects.create(
        objection=objection, upheld=upheld, opinion=opinion.strip(), user=user
    )
    verdict = "异议成立" if upheld else "异议不成立"
    audit_record(
        actor=user,
        action=AuditEntry.Action.EVENT,
        obj=resolution,
        household=case.household,
        after={"objection": objection.pk, "upheld": upheld, "opinion": resolution.opinion},
        reason=f"{verdict}：{resolution.opinion}",
    )
    return resolution


@transaction.atomic
def exit_case_data_change(
    *, case: ExitCase, changes: Mapping[str, Any], user: User, reason: str
) -> list[Any]:
    """Change the data a case is judged on, then void the signatures that signed the old data.

    A household's facts change in the registry (through registry.services.household_update);
    a village's or county's supplied figures on the case. Returns the voids, each with its
    reason; the case's steps say which signatures were voided and why."""
    case = _lock(case)
    if case.is_closed:
        raise ExitError(f"退出事项已{case.get_status_display()}，数据不能再变更")
    if not reason.strip():
        raise ExitError("变更数据须写明原因")
    if not office_levels(user, case.region):
        raise ExitError(f"{actor_name(user)}不是{case.region.name}所属的扶贫部门成员，不能变更数据")
    allowed = set(HOUSEHOLD_FACTS) if case.kind == ExitKind.HOUSEHOLD else SUPPLIED_KEYS[case.kind]
    unknown = set(changes) - allowed
    if unknown:
        if case.kind == ExitKind.COUNTY:
            raise ExitError(_supplied_refusal(case.kind, unknown))
        names = "、".join(FACT_LABELS.get(k, k) for k in sorted(unknown))
        raise ExitError(f"不能在退出事项中变更：{names}")
    before = case_facts(case)
    if case.kind == ExitKind.HOUSEHOLD:
        try:
            household_update(
                household=case.household,
                changes=dict(changes),
                actor=actor_name(user),
                user=real_user(user),
            )
        except RegistryError as e:
            raise ExitError(str(e)) from None
    else:
        old = dict(case.supplied)
        case.supplied = {**old, **dict(changes)}
        case.save(update_fields=["supplied"])
        audit_record(
            actor=user,
            action=AuditEntry.Action.UPDATE,
            obj=case,
            household=case.household,
            before={k: old.get(k) for k in changes},
            after=dict(changes),
            reason=f"补充数据变更：{reason.strip()}",
        )
    after = case_facts(case)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    ExitStep.objects.create(
        case=case,
        action="数据变更",
        from_status=case.status,
        to_status=case.status,
        user=real_user(user),
        actor=actor_name(user),
        date=timezone.localdate(),
        opinion=f"{reason.strip()}（{'、'.join(changed) or '无实际变化'}）",
    )
    return signatures_refresh(case=case, user=user)
