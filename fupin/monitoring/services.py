"""Monitoring operations: record a report, open an object, move it along, eliminate its risk.

One transition service reads the table in workflows.py, checks the actor's office, writes an
append-only MonitoringStep and moves the status; every change is audited (fupin.accounts.audit)
in the same transaction. Errors carry the HTTP status the API answers with (400, 403, 409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import OFFICE_LEVEL, AuditEntry, Role
from fupin.accounts.scoping import has_office, office_levels
from fupin.accounts.workflow import Move, Outcome, Workflow, moves_from, transition
from fupin.monitoring.candidates import (
    ELIGIBLE_STATUSES,
    MonitoringDataError,
    income_limit,
    monitoring_candidates_find,
    reported_incomes,
)
from fupin.monitoring.models import MonitoringObject, MonitoringReport, MonitoringStep
from fupin.monitoring.workflows import (
    ELIMINATES,
    FINAL_STATUSES,
    NOTICE,
    NOTICE_DAYS,
    OPEN_LABEL,
    OPEN_ROLES,
    OPEN_STATUSES,
    TRANSITIONS,
    MonitoringStatus,
    ObjectKind,
    ObjectSource,
    ReportSource,
    SpendingKind,
)
from fupin.registry.models import Household, Status

User = AbstractBaseUser | AnonymousUser

__all__ = [
    "Condition",
    "MonitoringDataError",
    "MonitoringError",
    "monitoring_candidates_find",
    "monitoring_object_open",
    "monitoring_object_transition",
    "monitoring_report_add",
    "monitoring_risk_eliminate",
    "risk_conditions",
]


class MonitoringError(ValueError):
    """A change the monitoring rules do not allow; the message is for the user (Chinese).
    `status` is the HTTP status the API answers with: 400 the request, 403 the role, 409 the state."""

    status = 400


class MonitoringDenied(MonitoringError):
    status = 403


class MonitoringConflict(MonitoringError):
    status = 409


def _role_label(role: str) -> str:
    return str(Role(role).label)


def _date(date: dt.date | None) -> dt.date:
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise MonitoringError(f"日期 {date.isoformat()} 在未来")
    return date


# --- reports -------------------------------------------------------------------------------------


@transaction.atomic
def monitoring_report_add(
    *,
    household: Household,
    year: int,
    source: str,
    user: User | None,
    income_per_capita: float | None = None,
    rigid_spending: float | None = None,
    spending_kind: str = "",
    description: str = "",
    date: dt.date | None = None,
) -> MonitoringReport:
    """Record a household's application, a cadre's or village's report, or a department's
    screening: income per capita for the year and/or rigid spending. Anyone who sees the household
    may report (cadres visit, villages report, departments screen); the report is evidence, not a
    decision."""
    date = _date(date)
    if source not in ReportSource.values:
        raise MonitoringError(f"未知的上报来源：{source}")
    if spending_kind and spending_kind not in SpendingKind.values:
        raise MonitoringError(f"未知的支出类别：{spending_kind}")
    if income_per_capita is None and not rigid_spending and not description.strip():
        raise MonitoringError("上报须填写人均纯收入、刚性支出或情况说明中的至少一项")
    if rigid_spending and not spending_kind:
        raise MonitoringError("填写刚性支出须选择支出类别")
    for label, v in (("人均纯收入", income_per_capita), ("刚性支出", rigid_spending)):
        if v is not None and not 0 <= v <= 1e8:
            raise MonitoringError(f"{label}须在 0 到 1 亿元之间")
    if not 2010 <= year <= date.year:
        raise MonitoringError(f"年度 {year} 不在 2010 年到上报日期所在年度之间")
    report = MonitoringReport.objects.create(
        household=household,
        year=year,
        date=date,
        source=source,
        income_per_capita=income_per_capita,
        rigid_spending=rigid_spending or None,
        spending_kind=spending_kind,
        description=description.strip()[:300],
        recorded_by=real_user(user),
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=report,
        household=household,
        after={
            "year": year,
            "source": source,
            "income_per_capita": income_per_capita,
            "rigid_spending": rigid_spending,
            "spending_kind": spending_kind,
        },
        reason=f"防返贫监测上报：{ReportSource(source).label} {year} 年",
    )
    return report


# --- objects -------------------------------------------------------------------------------------


@transaction.atomic
def monitoring_object_open(
    *,
    household: Household,
    kind: str,
    year: int,
    user: User | None,
    report: MonitoringReport | None = None,
    reasons: Iterable[dict[str, Any]] | None = None,
    opinion: str = "",
    date: dt.date | None = None,
) -> MonitoringObject:
    """Open a monitoring object (已发现，待村级评议) from a candidate or a report. The reasons are
    the candidate rules' own for the year (recomputed here, never taken from the client), plus any
    given by the caller; with neither a rule hit nor a report the household is not opened."""
    date = _date(date)
    if kind not in ObjectKind.values:
        raise MonitoringError(f"未知的监测对象类别：{kind}")
    household = (
        Household.objects.select_for_update(of=("self",))
        .select_related("village")
        .get(pk=household.pk)
    )
    if not any(has_office(user, household.village, r) for r in OPEN_ROLES):
        raise MonitoringDenied(
            f"“{OPEN_LABEL}”须由{household.village.name}所属的村、乡（镇）或县扶贫部门进行"
        )
    if household.status not in ELIGIBLE_STATUSES:
        raise MonitoringConflict(
            f"{household.household_no} 当前为“{Status(household.status).label}”，"
            "仍在贫困户帮扶中，不作为防返贫监测对象"
        )
    if kind == ObjectKind.UNSTABLE_EXITED and household.status != Status.EXITED:
        raise MonitoringError(f"{household.household_no} 不是脱贫户，不能列为脱贫不稳定户")
    if kind != ObjectKind.UNSTABLE_EXITED and household.status == Status.EXITED:
        raise MonitoringError(f"{household.household_no} 是脱贫户，应列为脱贫不稳定户")
    if report is not None and report.household_id != household.pk:
        raise MonitoringError("所依据的上报不是这一户的")
    if MonitoringObject.objects.filter(household=household, status__in=OPEN_STATUSES).exists():
        raise MonitoringConflict(f"{household.household_no} 已有进行中的监测")
    try:
        found = monitoring_candidates_find(
            region=household.village,
            year=year,
            households=Household.objects.filter(pk=household.pk),
        )
    except MonitoringDataError as e:
        raise MonitoringError(str(e)) from e
    rule_reasons = [r for c in found.candidates for r in c.reasons if r["code"] != "reported"]
    report_reasons = [r for c in found.candidates for r in c.reasons if r["code"] == "reported"]
    if report is not None:
        report_reasons = [r for r in report_reasons if r.get("report") == report.pk] or [
            {
                "code": "reported",
                "report": report.pk,
                "message": f"{report.date.isoformat()} {report.get_source_display()}："
                f"{report.description or '见上报记录'}",
            }
        ]
    all_reasons = (
        rule_reasons
        + report_reasons
        + [
            {"code": "stated", "message": str(r.get("message", ""))[:200]}
            for r in (reasons or [])
            if str(r.get("message", "")).strip()
        ]
    )
    if not rule_reasons and report is None and not report_reasons:
        raise MonitoringError(
            f"{household.household_no} 在 {year} 年不符合监测范围，也没有上报记录，不能纳入监测"
        )
    obj = MonitoringObject.objects.create(
        household=household,
        kind=kind,
        year=year,
        reasons=all_reasons,
        report=report,
        source=ObjectSource.REGISTRY_RULE if rule_reasons else ObjectSource.REPORT,
        opened_by=real_user(user),
        opened_on=date,
    )
    MonitoringStep.objects.create(
        object=obj,
        action=OPEN_LABEL,
        from_status="",
        to_status=MonitoringStatus.IDENTIFIED,
        user=real_user(user),
        actor=actor_name(user),
        date=date,
        opinion=opinion,
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=obj,
        household=household,
        after={
            "kind": kind,
            "year": year,
            "source": obj.source,
            "status": obj.status,
            "reasons": [r["code"] for r in all_reasons],
        },
        reason=f"{OPEN_LABEL}：{ObjectKind(kind).label} {year} 年",
    )
    return obj


@dataclass(frozen=True)
class Condition:
    """One risk-elimination condition, whether it holds, and why (Chinese)."""

    code: str
    label: str
    met: bool
    explanation: str


def _income_by_year(household: Household, years: list[int]) -> dict[int, float]:
    out: dict[int, float] = {}
    if household.income_year in years:
        out[household.income_year] = household.income_per_capita  # type: ignore[index]
    for (_hid, y), v in reported_incomes([household.pk], years).items():
        out[y] = v
    return out


def risk_conditions(obj: MonitoringObject, *, year: int | None = None) -> list[Condition]:
    """The conditions under which the risk counts as eliminated (DOMAIN.md §8): income per capita
    recorded for a year since monitoring began and above that year's range, not fallen below it in
    any recorded year since; 两不愁三保障 and safe drinking water met."""
    h = Household.objects.select_related("village").get(pk=obj.household_id)
    last = year or timezone.localdate().year
    years = list(range(obj.year, last + 1))
    incomes = _income_by_year(h, years)
    out: list[Condition] = []
    if not incomes:
        out.append(
            Condition(
                "income_above_range",
                "收入稳定高于监测范围",
                False,
                f"{obj.year} 年以来没有该户的收入记录，无法判断；请先上报收入",
            )
        )
    else:
        below: list[str] = []
        missing: list[str] = []
        for y, v in sorted(incomes.items()):
            try:
                limit, label = income_limit(h.village, y)
            except MonitoringDataError:
                missing.append(f"{y} 年")
                continue
            if v < limit:
                below.append(f"{y} 年 {v:.0f} 元低于{label}")
        latest = max(incomes)
        text = "；".join(f"{y} 年 {v:.0f} 元" for y, v in sorted(incomes.items()))
        if missing and not below and len(missing) == len(incomes):
            out.append(
                Condition(
                    "income_above_range",
                    "收入稳定高于监测范围",
                    False,
                    f"有收入记录（{text}），但{'、'.join(missing)}没有监测范围，无法比较",
                )
            )
        elif below:
            out.append(
                Condition("income_above_range", "收入稳定高于监测范围", False, "；".join(below))
            )
        else:
            out.append(
                Condition(
                    "income_above_range",
                    "收入稳定高于监测范围",
                    True,
                    f"{obj.year} 年以来记录的人均纯收入均高于当年监测范围（{text}，"
                    f"最近为 {latest} 年）",
                )
            )
    guarantees = [
        ("food_ok", "不愁吃"),
        ("clothing_ok", "不愁穿"),
        ("education_ok", "义务教育有保障"),
        ("medical_ok", "基本医疗有保障"),
        ("housing_ok", "住房安全有保障"),
    ]
    failed = [label for f, label in guarantees if not getattr(h, f)]
    out.append(
        Condition(
            "guarantees_met",
            "两不愁三保障",
            not failed,
            "登记数据显示均已保障" if not failed else f"未保障：{'、'.join(failed)}",
        )
    )
    out.append(
        Condition(
            "water_safe",
            "饮水安全有保障",
            h.water_ok,
            "登记数据显示饮水安全有保障" if h.water_ok else "登记数据显示饮水安全未保障",
        )
    )
    return out


def _refused(_obj: MonitoringObject, status: str, to: str) -> str:
    if status in FINAL_STATUSES:
        return f"该监测对象已{MonitoringStatus(status).label}，不能再变更"
    label = MonitoringStatus(to).label if to in MonitoringStatus.values else to
    return f"监测对象当前为“{MonitoringStatus(status).label}”，不能转为“{label}”"


def _denied(obj: MonitoringObject, _to: str, move: Move, _user: User | None) -> str:
    village = obj.household.village
    return f"“{move.label}”须由{village.name}所属的{_role_label(move.role)}进行"


# A monitoring object's procedure (its table: workflows.TRANSITIONS), taken by the offices over
# the household's village.
MONITORING_WORKFLOW: Workflow[MonitoringObject, MonitoringStep] = Workflow(
    table=TRANSITIONS,
    step_model=MonitoringStep,
    link="object",
    holds=lambda user, role, obj, _for: has_office(user, obj.household.village, role),
    refused=_refused,
    denied=_denied,
    error=MonitoringConflict,
    denied_error=MonitoringDenied,
    queryset=lambda: MonitoringObject.objects.select_related("household__village"),
    household=lambda obj: obj.household,
    audit_action=AuditEntry.Action.UPDATE,
)


@transaction.atomic
def monitoring_object_transition(
    *,
    obj: MonitoringObject,
    to: str,
    user: User | None,
    opinion: str = "",
    evidence: Iterable[str] = (),
    date: dt.date | None = None,
    notice_start: dt.date | None = None,
    notice_end: dt.date | None = None,
) -> MonitoringStep:
    """Take one step of the procedure (the table in workflows.py), as the office it belongs to."""
    if to not in MonitoringStatus.values:
        raise MonitoringError(f"未知的状态：{to}")
    date = _date(date)

    def check(locked: MonitoringObject, move: Move) -> Outcome:
        if move.opinion_required and not opinion.strip():
            raise MonitoringError(f"“{move.label}”须写明意见")
        if date < locked.opened_on:
            raise MonitoringError(
                f"办理日期 {date.isoformat()} 早于发现日期 {locked.opened_on.isoformat()}"
            )
        conditions: list[dict[str, Any]] = []
        notice = move.requires(NOTICE)
        if notice:
            if notice_start is None or notice_end is None:
                raise MonitoringError("公示须写明开始和结束日期")
            days = (notice_end - notice_start).days + 1
            if days < NOTICE_DAYS:
                raise MonitoringError(f"公示期为 {days} 天，不得少于 {NOTICE_DAYS} 天")
            if notice_start < locked.opened_on:
                raise MonitoringError("公示开始日期早于发现日期")
            if notice_end > date:
                raise MonitoringConflict(
                    f"公示到 {notice_end.isoformat()} 结束，期满后才能记录公示结果"
                )
        elif notice_start is not None or notice_end is not None:
            raise MonitoringError(f"“{move.label}”不是公示环节，不填公示日期")
        if move.requires(ELIMINATES):
            checked = risk_conditions(locked, year=date.year)
            unmet = [c for c in checked if not c.met]
            if unmet:
                raise MonitoringConflict(
                    "风险消除条件尚未满足："
                    + "；".join(f"{c.label}（{c.explanation}）" for c in unmet)
                )
            conditions = [asdict(c) for c in checked]
        return Outcome(
            step={
                "action": move.label,
                "date": date,
                "notice_start": notice_start if notice else None,
                "notice_end": notice_end if notice else None,
                "conditions": conditions,
            },
            note=f"{move.label}：{locked.household.household_no} {opinion}".strip(),
        )

    return transition(
        MONITORING_WORKFLOW,
        obj=obj,
        action=to,
        user=user,
        check=check,
        opinion=opinion.strip(),
        evidence=[str(e).strip() for e in evidence if str(e).strip()],
    )


def monitoring_risk_eliminate(
    *,
    obj: MonitoringObject,
    user: User | None,
    opinion: str,
    evidence: Iterable[str] = (),
    date: dt.date | None = None,
) -> MonitoringStep:
    """Mark the risk eliminated (风险消除), refused with the unmet conditions until all hold."""
    return monitoring_object_transition(
        obj=obj,
        to=MonitoringStatus.ELIMINATED,
        user=user,
        opinion=opinion,
        evidence=evidence,
        date=date,
    )


def allowed_moves(obj: MonitoringObject, user: User | None) -> list[tuple[str, Move]]:
    """The steps the user may take on the object now (the role check only; the service checks the
    rest and says why)."""
    if obj.is_closed:
        return []
    levels = office_levels(user, obj.household.village)
    return [
        (to, m) for to, m in moves_from(TRANSITIONS, obj.status) if OFFICE_LEVEL[m.role] in levels
    ]
