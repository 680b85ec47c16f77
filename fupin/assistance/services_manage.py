"""The offices' management of the help: helping units and their liaisons, ending and changing
village pairings, work-team members joining and leaving, changing projects and their
beneficiaries, and the return visits (回头看) of the tracking years after a round.

Same rules as `services`: keyword-only, one transaction, the actor's right checked first
(`services.may_manage`: the county, city or province poverty office of the region), and one
AuditEntry per change through `fupin.accounts.audit`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from fupin.accounts.audit import audit_record, jsonable
from fupin.accounts.models import AuditEntry
from fupin.assistance.models import (
    HelpingUnit,
    HelpingUnitMember,
    HouseholdPairing,
    MeasureKind,
    Project,
    ProjectBeneficiary,
    ReturnVisit,
    TeamRole,
    UnitKind,
    VillagePairing,
    WorkTeam,
    WorkTeamMember,
    today,
)
from fupin.assistance.selectors import may_record_return_visit
from fupin.assistance.services import (
    AnyUser,
    AssistanceError,
    HelpDenied,
    _changed,
    _clean,
    _period_ok,
    display_name,
    may_manage,
    snapshot,
)
from fupin.regions.models import Region

# --- helping units ------------------------------------------------------------------------------


def _unit_fields(name: str, kind: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise AssistanceError(_("单位名称：不能为空"))
    if kind not in UnitKind.values:
        raise AssistanceError(_("单位类型：未知的类型 %(kind)s") % {"kind": kind})
    return name, kind


def _unique_name(name: str, exclude: int | None = None) -> None:
    qs = HelpingUnit.objects.filter(name=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise AssistanceError(_("单位名称：已有名为“%(name)s”的帮扶单位") % {"name": name})


@transaction.atomic
def unit_create(
    *, name: str, kind: str, region: Region | None, actor: str, user: AnyUser | None = None
) -> HelpingUnit:
    """Register a helping unit (帮扶单位) based in `region` (the office of that region owns it)."""
    may_manage(user, region)
    name, kind = _unit_fields(name, kind)
    _unique_name(name)
    unit = HelpingUnit(name=name, kind=kind, region=region)
    _clean(unit, exclude=["region"])
    unit.save()
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=unit,
        after=snapshot(unit),
        reason=_("登记帮扶单位 %(name)s") % {"name": name},
    )
    return unit


@transaction.atomic
def unit_update(
    *,
    unit: HelpingUnit,
    name: str,
    kind: str,
    region: Region | None,
    actor: str,
    user: AnyUser | None = None,
) -> HelpingUnit:
    """Change a unit's name, type or region (the office must own it before and after)."""
    unit = HelpingUnit.objects.select_for_update().get(pk=unit.pk)
    may_manage(user, unit.region)
    may_manage(user, region)
    name, kind = _unit_fields(name, kind)
    _unique_name(name, exclude=unit.pk)
    before = snapshot(unit)
    unit.name, unit.kind, unit.region = name, kind, region
    unit.save(update_fields=["name", "kind", "region"])
    b, a = _changed(before, snapshot(unit))
    if b:
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.UPDATE,
            obj=unit,
            before=b,
            after=a,
        )
    return unit


@transaction.atomic
def unit_deactivate(
    *, unit: HelpingUnit, on: dt.date, reason: str, actor: str, user: AnyUser | None = None
) -> HelpingUnit:
    """停用 a unit: it takes no new pairings; refused while it still helps a village or a
    household (end those first), so that nobody is left without help by a deactivation."""
    unit = HelpingUnit.objects.select_for_update().get(pk=unit.pk)
    may_manage(user, unit.region)
    if not unit.active:
        raise AssistanceError(_("帮扶单位 %(name)s 已停用") % {"name": unit.name})
    if not reason.strip():
        raise AssistanceError(_("停用原因：不能为空"))
    villages = [p.village.name for p in VillagePairing.objects.active(on).filter(unit=unit)]
    if villages:
        raise AssistanceError(
            _("帮扶单位 %(name)s 仍在结对帮扶 %(villages)s，请先解除结对")
            % {"name": unit.name, "villages": "、".join(villages)}
        )
    households = HouseholdPairing.objects.active(on).filter(unit=unit).count()
    if households:
        raise AssistanceError(
            _("帮扶单位 %(name)s 仍有 %(n)s 户帮扶责任人结对，请先解除或移交")
            % {"name": unit.name, "n": households}
        )
    unit.active, unit.deactivated_on, unit.deactivation_reason = False, on, reason.strip()[:200]
    unit.save(update_fields=["active", "deactivated_on", "deactivation_reason"])
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.UPDATE,
        obj=unit,
        before={"active": True},
        after={"active": False, "deactivated_on": on.isoformat()},
        reason=_("停用帮扶单位：%(reason)s") % {"reason": reason},
    )
    return unit


@transaction.atomic
def unit_reactivate(*, unit: HelpingUnit, actor: str, user: AnyUser | None = None) -> HelpingUnit:
    """Undo a deactivation (a recorded step, like every correction)."""
    unit = HelpingUnit.objects.select_for_update().get(pk=unit.pk)
    may_manage(user, unit.region)
    if unit.active:
        raise AssistanceError(_("帮扶单位 %(name)s 在用，无需恢复") % {"name": unit.name})
    before = {"active": False, "deactivated_on": jsonable(unit.deactivated_on)}
    unit.active, unit.deactivated_on, unit.deactivation_reason = True, None, ""
    unit.save(update_fields=["active", "deactivated_on", "deactivation_reason"])
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.UPDATE,
        obj=unit,
        before=before,
        after={"active": True},
        reason=_("恢复帮扶单位"),
    )
    return unit


@transaction.atomic
def unit_member_add(
    *, unit: HelpingUnit, member: AbstractBaseUser, actor: str, user: AnyUser | None = None
) -> HelpingUnitMember:
    """Make a user the unit's liaison (联络人): they see the unit's villages and record its
    return visits."""
    may_manage(user, unit.region)
    if HelpingUnitMember.objects.filter(unit=unit, user=member).exists():
        raise AssistanceError(
            _("%(name)s 已是 %(unit)s 的联络人") % {"name": display_name(member), "unit": unit.name}
        )
    row = HelpingUnitMember.objects.create(unit=unit, user=member)
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=row,
        after={"unit": unit.name, "user": member.get_username()},
        reason=_("%(unit)s 增加联络人 %(name)s")
        % {"unit": unit.name, "name": display_name(member)},
    )
    return row


@transaction.atomic
def unit_member_remove(
    *, member: HelpingUnitMember, actor: str, user: AnyUser | None = None
) -> None:
    unit = member.unit
    may_manage(user, unit.region)
    name = display_name(member.user)
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.DELETE,
        obj=member,
        before={"unit": unit.name, "user": member.user.get_username()},
        reason=_("%(unit)s 移除联络人 %(name)s") % {"unit": unit.name, "name": name},
    )
    member.delete()


# --- village pairings ---------------------------------------------------------------------------


@transaction.atomic
def pairing_village_update(
    *,
    pairing: VillagePairing,
    start: dt.date,
    end: dt.date | None,
    reason: str = "",
    actor: str,
    user: AnyUser | None = None,
) -> VillagePairing:
    """Correct a village pairing's dates (clearing `end` reopens an ended pairing)."""
    pairing = (
        VillagePairing.objects.select_for_update(of=("self",))
        .select_related("village")
        .get(pk=pairing.pk)
    )
    may_manage(user, pairing.village)
    _period_ok(start, end)
    clash = next(
        (
            p
            for p in VillagePairing.objects.filter(
                unit=pairing.unit, village=pairing.village
            ).exclude(pk=pairing.pk)
            if p.overlaps(start, end)
        ),
        None,
    )
    if clash is not None:
        raise AssistanceError(
            _("%(unit)s 与 %(village)s 在该期间已有另一次结对（%(start)s 起）")
            % {
                "unit": pairing.unit.name,
                "village": pairing.village.name,
                "start": clash.start.isoformat(),
            }
        )
    if end is not None and pairing.return_visits.filter(date__lt=end).exists():
        raise AssistanceError(_("解除日期：已有早于该日期的回头看记录"))
    before = snapshot(pairing)
    pairing.start, pairing.end = start, end
    if end is None:
        pairing.end_reason = ""
    pairing.save(update_fields=["start", "end", "end_reason"])
    b, a = _changed(before, snapshot(pairing))
    if b:
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.UPDATE,
            obj=pairing,
            before=b,
            after=a,
            reason=reason or _("更正结对日期"),
        )
    return pairing


@transaction.atomic
def pairing_village_end(
    *,
    pairing: VillagePairing,
    end: dt.date,
    reason: str,
    actor: str,
    user: AnyUser | None = None,
) -> VillagePairing:
    """End a round of village help on `end` (exclusive) with a reason; the unit's tracking years
    (跟踪联系) start that day."""
    pairing = (
        VillagePairing.objects.select_for_update(of=("self",))
        .select_related("village")
        .get(pk=pairing.pk)
    )
    may_manage(user, pairing.village)
    if pairing.end is not None:
        raise AssistanceError(_("该结对已于 %(end)s 解除") % {"end": pairing.end.isoformat()})
    if not reason.strip():
        raise AssistanceError(_("解除原因：不能为空"))
    _period_ok(pairing.start, end)
    pairing.end, pairing.end_reason = end, reason.strip()[:200]
    pairing.save(update_fields=["end", "end_reason"])
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.UPDATE,
        obj=pairing,
        before={"end": None, "end_reason": ""},
        after={"end": end.isoformat(), "end_reason": pairing.end_reason},
        reason=_("解除结对 %(reason)s") % {"reason": pairing.end_reason},
    )
    return pairing


@transaction.atomic
def return_visit_add(
    *,
    pairing: VillagePairing,
    date: dt.date,
    visitors: str,
    findings: str,
    actor: str,
    user: AnyUser | None = None,
) -> ReturnVisit:
    """Record a 回头看: the unit's return visit to the village within its tracking years."""
    pairing = VillagePairing.objects.select_related("unit", "village").get(pk=pairing.pk)
    if user is not None and not may_record_return_visit(user, pairing):
        raise HelpDenied(_("只有该帮扶单位的联络人和县（市、省）扶贫部门可以记录回头看"))
    window = pairing.tracking_window()
    if window is None:
        raise AssistanceError(_("回访日期：结对尚未解除，回头看在结对期满后的跟踪联系期内进行"))
    if date > today():
        raise AssistanceError(_("回访日期：%(date)s 在未来") % {"date": date.isoformat()})
    if not window[0] <= date < window[1]:
        raise AssistanceError(
            _("回访日期：%(date)s 不在跟踪联系期（%(start)s 至 %(end)s）内")
            % {
                "date": date.isoformat(),
                "start": window[0].isoformat(),
                "end": (window[1] - dt.timedelta(days=1)).isoformat(),
            }
        )
    if not visitors.strip():
        raise AssistanceError(_("回访人员：不能为空"))
    if not findings.strip():
        raise AssistanceError(_("发现的情况：不能为空"))
    visit = ReturnVisit(
        pairing=pairing,
        date=date,
        visitors=visitors.strip()[:100],
        findings=findings.strip(),
        recorded_by=user if user is not None and user.is_authenticated else None,
    )
    _clean(visit, exclude=["pairing", "recorded_by"])
    visit.save()
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=visit,
        after=snapshot(visit),
        reason=_("%(unit)s 回头看 %(village)s")
        % {"unit": pairing.unit.name, "village": pairing.village.name},
    )
    return visit


# --- work teams ---------------------------------------------------------------------------------


def _single_role(team: WorkTeam, role: str, start: dt.date, end: dt.date | None) -> None:
    if role not in TeamRole.values:
        raise AssistanceError(_("职务：未知的职务 %(role)s") % {"role": role})
    if role == TeamRole.MEMBER:
        return
    for m in team.members.filter(role=role):
        if m.overlaps(start, end):
            raise AssistanceError(
                _("职务：该期间已有%(role)s %(name)s，须先离队")
                % {"role": TeamRole(role).label, "name": m.name}
            )


@transaction.atomic
def work_team_member_join(
    *,
    team: WorkTeam,
    name: str,
    role: str,
    start: dt.date,
    member_user: AbstractBaseUser | None = None,
    actor: str,
    user: AnyUser | None = None,
) -> WorkTeamMember:
    """A member joins the team on `start` (one leader and one first secretary at a time)."""
    team = (
        WorkTeam.objects.select_for_update(of=("self",)).select_related("village").get(pk=team.pk)
    )
    may_manage(user, team.village)
    if not name.strip():
        raise AssistanceError(_("姓名：不能为空"))
    if team.end is not None and start >= team.end:
        raise AssistanceError(
            _("到岗日期：工作队已于 %(end)s 撤离") % {"end": team.end.isoformat()}
        )
    if start < team.start:
        raise AssistanceError(
            _("到岗日期：早于工作队进驻日期 %(start)s") % {"start": team.start.isoformat()}
        )
    _single_role(team, role, start, team.end)
    member = WorkTeamMember.objects.create(
        team=team, name=name.strip()[:32], role=role, user=member_user, start=start, end=team.end
    )
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=member,
        after=snapshot(member),
        reason=_("%(name)s 到%(village)s驻村工作队（%(role)s）")
        % {"name": member.name, "village": team.village.name, "role": TeamRole(role).label},
    )
    return member


@transaction.atomic
def work_team_member_leave(
    *,
    member: WorkTeamMember,
    end: dt.date,
    reason: str = "",
    actor: str,
    user: AnyUser | None = None,
) -> WorkTeamMember:
    """A member leaves the team from `end` (离队, dated)."""
    member = (
        WorkTeamMember.objects.select_for_update(of=("self",))
        .select_related("team__village")
        .get(pk=member.pk)
    )
    may_manage(user, member.team.village)
    if member.end is not None and member.end <= end:
        raise AssistanceError(
            _("%(name)s 已于 %(end)s 离队") % {"name": member.name, "end": member.end.isoformat()}
        )
    _period_ok(member.start, end)
    before = {"end": jsonable(member.end)}
    member.end = end
    member.save(update_fields=["end"])
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.UPDATE,
        obj=member,
        before=before,
        after={"end": end.isoformat()},
        reason=_("%(name)s 离队 %(reason)s") % {"name": member.name, "reason": reason},
    )
    return member


@transaction.atomic
def work_team_end(
    *, team: WorkTeam, end: dt.date, reason: str, actor: str, user: AnyUser | None = None
) -> WorkTeam:
    """Withdraw a team (撤离) from `end`: every member still there leaves the same day."""
    team = (
        WorkTeam.objects.select_for_update(of=("self",)).select_related("village").get(pk=team.pk)
    )
    may_manage(user, team.village)
    if team.end is not None:
        raise AssistanceError(_("该工作队已于 %(end)s 撤离") % {"end": team.end.isoformat()})
    if not reason.strip():
        raise AssistanceError(_("撤离原因：不能为空"))
    _period_ok(team.start, end)
    left = []
    for m in team.members.all():
        if m.end is None or m.end > end:
            m.end = max(end, m.start)
            m.save(update_fields=["end"])
            left.append(m.name)
    team.end = end
    team.save(update_fields=["end"])
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.UPDATE,
        obj=team,
        before={"end": None},
        after={"end": end.isoformat(), "members_left": left},
        reason=_("工作队撤离：%(reason)s") % {"reason": reason.strip()},
    )
    return team


# --- projects -----------------------------------------------------------------------------------


@transaction.atomic
def project_update(
    *,
    project: Project,
    name: str,
    kind: str,
    year: int,
    unit: HelpingUnit | None,
    start_date: dt.date | None,
    description: str,
    actor: str,
    user: AnyUser | None = None,
) -> Project:
    """Change a project's facts (its region stays: beneficiaries live there)."""
    project = (
        Project.objects.select_for_update(of=("self",)).select_related("region").get(pk=project.pk)
    )
    may_manage(user, project.region)
    if kind not in MeasureKind.values:
        raise AssistanceError(_("项目类别：未知的类别 %(kind)s") % {"kind": kind})
    if not name.strip():
        raise AssistanceError(_("项目名称：不能为空"))
    before = snapshot(project)
    project.name, project.kind, project.year = name.strip(), kind, year
    project.unit, project.start_date, project.description = unit, start_date, description
    _clean(project, exclude=["region", "unit"])
    project.save(update_fields=["name", "kind", "year", "unit", "start_date", "description"])
    b, a = _changed(before, snapshot(project))
    if b:
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.UPDATE,
            obj=project,
            before=b,
            after=a,
        )
    return project


@transaction.atomic
def project_beneficiary_remove(
    *, beneficiary: ProjectBeneficiary, reason: str, actor: str, user: AnyUser | None = None
) -> None:
    """Take a household off a project's beneficiaries (with a reason, kept in the audit)."""
    project = beneficiary.project
    may_manage(user, project.region)
    if not reason.strip():
        raise AssistanceError(_("移除原因：不能为空"))
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.DELETE,
        obj=beneficiary,
        household=beneficiary.household,
        before=snapshot(beneficiary),
        reason=_("%(project)s 移除受益户：%(reason)s")
        % {"project": project.name, "reason": reason},
    )
    beneficiary.delete()
