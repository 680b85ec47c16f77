"""Assistance operations: pair units with villages and cadres with households, keep the three
ledgers, record projects and their funds; and the 双到 warnings.

Every function that changes data is keyword-only, one transaction, and writes an AuditEntry
(with the household set where there is one) for each change it makes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Max, Q
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from fupin.accounts.audit import audit_record, jsonable
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.services import AccountError
from fupin.assistance.models import (
    AssistanceMeasure,
    ExitPlan,
    FundAllocation,
    FundSource,
    HelpingUnit,
    HouseholdPairing,
    MeasureKind,
    Project,
    ProjectBeneficiary,
    ProvincePolicy,
    TeamRole,
    VillagePairing,
    VisitLog,
    WorkTeam,
    WorkTeamMember,
    add_years,
    today,
)
from fupin.assistance.selectors import (
    households_for,
    may_edit_ledgers,
    may_manage_help,
    regions_for,
    tracking_years,
)
from fupin.regions.models import Level, Region
from fupin.registry.models import EventKind, Household, Status

AnyUser = AbstractBaseUser | AnonymousUser


class AssistanceError(ValueError):
    """A change the assistance rules do not allow; the message is for the user (Chinese)."""


class LedgerDenied(AssistanceError):
    """The user may see the household but may not write its ledgers."""


class HelpDenied(AssistanceError):
    """The user may not manage this help (units, pairings, teams, projects) of the region."""


def may_manage(user: AnyUser | None, region: Region | None) -> None:
    """Commands pass no user (the actor names them); a signed-in user must be a county (or city,
    province) poverty office of the region (`selectors.may_manage_help`)."""
    if user is not None and not may_manage_help(user, region):
        raise HelpDenied(
            _("只有%(region)s所在县（市、省）扶贫部门可以管理其帮扶单位、结对、工作队和项目")
            % {"region": region.name if region is not None else _("该单位")}
        )


# --- audit --------------------------------------------------------------------------------------


def snapshot(obj: models.Model) -> dict[str, Any]:
    data = model_to_dict(obj)
    for key in ("id", "updated_at", "recorded_at"):
        data.pop(key, None)
    return {k: jsonable(v) for k, v in data.items()}


def _changed(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _clean(obj: models.Model, exclude: Sequence[str] = ()) -> None:
    """Model validation, its messages joined into one AssistanceError."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as e:
        raise AssistanceError("；".join(m for msgs in e.message_dict.values() for m in msgs)) from e


def _period_ok(start: dt.date, end: dt.date | None) -> None:
    if end is not None and end < start:
        raise AssistanceError(
            _("解除日期 %(end)s 早于开始日期 %(start)s")
            % {"end": end.isoformat(), "start": start.isoformat()}
        )


def display_name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


# --- pairings: cadres and households ------------------------------------------------------------


def _overlapping(
    household: Household, start: dt.date, end: dt.date | None, exclude: int | None = None
) -> HouseholdPairing | None:
    qs = HouseholdPairing.objects.filter(household=household).select_related("cadre")
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return next((p for p in qs if p.overlaps(start, end)), None)


@transaction.atomic
def pairing_household_create(
    *,
    household: Household,
    cadre: AbstractBaseUser,
    start: dt.date,
    end: dt.date | None = None,
    unit: HelpingUnit | None = None,
    actor: str,
    user: AnyUser | None = None,
) -> HouseholdPairing:
    """Make a cadre the household's responsible person (帮扶责任人) from `start`.

    One responsible person at a time: a pairing overlapping another of the same household is
    refused (hand over with `pairing_household_handover` instead)."""
    may_manage(user, household.village)
    if not Membership.objects.filter(user=cadre, role=Role.HELPING_CADRE).exists():
        raise AssistanceError(_("%(name)s 不是帮扶责任人") % {"name": display_name(cadre)})
    if unit is not None and not unit.active:
        raise AssistanceError(_("帮扶单位 %(unit)s 已停用") % {"unit": unit.name})
    if not household.registered:
        raise AssistanceError(_("户 %(no)s 不是建档立卡户") % {"no": household.household_no})
    _period_ok(start, end)
    Household.objects.select_for_update().filter(pk=household.pk).first()  # serialise pairings
    clash = _overlapping(household, start, end)
    if clash is not None:
        raise AssistanceError(
            _("户 %(no)s 在该期间已有帮扶责任人 %(name)s（%(start)s 起），不能重复结对")
            % {
                "no": household.household_no,
                "name": display_name(clash.cadre),
                "start": clash.start.isoformat(),
            }
        )
    pairing = HouseholdPairing(household=household, cadre=cadre, start=start, end=end, unit=unit)
    if end is not None and not pairing.may_end_on(end):
        raise AssistanceError(_tracking_message(pairing))
    _clean(pairing)
    pairing.save()
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=pairing,
        household=household,
        after=snapshot(pairing),
        reason=_("结对帮扶责任人 %(name)s") % {"name": display_name(cadre)},
    )
    return pairing


def _tracking_message(pairing: HouseholdPairing) -> str:
    until = pairing.tracking_until()
    return _("户 %(no)s 已脱贫，脱贫后须继续帮扶满三年（至 %(until)s），不能提前解除结对") % {
        "no": pairing.household.household_no,
        "until": until.isoformat() if until else "",
    }


@transaction.atomic
def pairing_household_end(
    *,
    pairing: HouseholdPairing,
    end: dt.date,
    reason: str = "",
    actor: str,
    user: AnyUser | None = None,
    _handover: bool = False,
) -> HouseholdPairing:
    """Dissolve a pairing from `end`; an exited household keeps its cadre for the tracking years."""
    pairing = (
        HouseholdPairing.objects.select_for_update(of=("self",))
        .select_related("household__village")
        .get(pk=pairing.pk)
    )
    may_manage(user, pairing.household.village)
    if pairing.end is not None and pairing.end <= end:
        raise AssistanceError(_("该结对已于 %(end)s 解除") % {"end": pairing.end.isoformat()})
    _period_ok(pairing.start, end)
    if not _handover and not pairing.may_end_on(end):
        raise AssistanceError(_tracking_message(pairing))
    before = {"end": jsonable(pairing.end), "end_reason": pairing.end_reason}
    pairing.end = end
    pairing.end_reason = reason[:200]
    pairing.save(update_fields=["end", "end_reason"])
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.UPDATE,
        obj=pairing,
        household=pairing.household,
        before=before,
        after={"end": end.isoformat(), "end_reason": pairing.end_reason},
        reason=_("解除结对 %(reason)s") % {"reason": reason},
    )
    return pairing


@transaction.atomic
def pairing_household_handover(
    *,
    pairing: HouseholdPairing,
    cadre: AbstractBaseUser,
    on: dt.date,
    reason: str = "",
    actor: str,
    user: AnyUser | None = None,
) -> HouseholdPairing:
    """Hand the household to another cadre from `on` (allowed during the tracking years: the
    household stays covered)."""
    pairing_household_end(
        pairing=pairing,
        end=on,
        reason=reason or _("更换帮扶责任人"),
        actor=actor,
        user=user,
        _handover=True,
    )
    return pairing_household_create(
        household=pairing.household,
        cadre=cadre,
        start=on,
        unit=pairing.unit,
        actor=actor,
        user=user,
    )


@transaction.atomic
def pairing_cadre_households_set(
    *,
    cadre: AbstractBaseUser,
    households: Iterable[Household],
    actor: str,
    user: AnyUser | None = None,
) -> list[HouseholdPairing]:
    """Make `households` exactly the cadre's households from today: ends the cadre's other active
    pairings (subject to the tracking rule) and pairs the new ones."""
    on = today()
    wanted = {h.pk: h for h in households}
    for pairing in HouseholdPairing.objects.active(on).filter(cadre=cadre):
        if pairing.household_id not in wanted:
            pairing_household_end(
                pairing=pairing, end=on, reason=_("调整帮扶户"), actor=actor, user=user
            )
    have = set(
        HouseholdPairing.objects.active(on)
        .filter(cadre=cadre)
        .values_list("household_id", flat=True)
    )
    for pk, household in wanted.items():
        if pk not in have:
            pairing_household_create(
                household=household, cadre=cadre, start=on, actor=actor, user=user
            )
    return list(HouseholdPairing.objects.active(on).filter(cadre=cadre))


@transaction.atomic
def cadre_households_set(*, user: AbstractBaseUser, households: list[Household]) -> None:
    """Make `households` exactly the helping cadre's households from today, as 双到 pairings
    (`pairing_cadre_households_set`: audited, overlaps and early ends after exit refused). An
    account-side call: the user must hold the helping-cadre role, and a refusal is an
    AccountError."""
    if not Membership.objects.filter(user=user, role=Role.HELPING_CADRE).exists():
        raise AccountError(_("该用户不是帮扶责任人"))
    try:
        pairing_cadre_households_set(
            cadre=user, households=households, actor="cadre_households_set"
        )
    except AssistanceError as e:
        raise AccountError(str(e)) from e


# --- pairings: units, villages and work teams ---------------------------------------------------


def _village(region: Region) -> None:
    if region.level != Level.VILLAGE:
        raise AssistanceError(_("%(name)s 不是村") % {"name": region.name})


@transaction.atomic
def pairing_village_create(
    *,
    unit: HelpingUnit,
    village: Region,
    start: dt.date,
    end: dt.date | None = None,
    actor: str,
    user: AnyUser | None = None,
) -> VillagePairing:
    """Pair a helping unit with a village (several units may help one village)."""
    may_manage(user, village)
    _village(village)
    if not unit.active:
        raise AssistanceError(_("帮扶单位 %(unit)s 已停用") % {"unit": unit.name})
    _period_ok(start, end)
    clash = next(
        (
            p
            for p in VillagePairing.objects.filter(unit=unit, village=village)
            if p.overlaps(start, end)
        ),
        None,
    )
    if clash is not None:
        raise AssistanceError(
            _("%(unit)s 与 %(village)s 在该期间已结对")
            % {"unit": unit.name, "village": village.name}
        )
    pairing = VillagePairing.objects.create(unit=unit, village=village, start=start, end=end)
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=pairing,
        household=None,
        after=snapshot(pairing),
        reason=f"{unit.name} → {village.name}",
    )
    return pairing


@dataclass(frozen=True)
class TeamMemberInput:
    name: str
    role: str
    user: AbstractBaseUser | None = None


@transaction.atomic
def pairing_work_team_create(
    *,
    village: Region,
    start: dt.date,
    members: Sequence[TeamMemberInput],
    unit: HelpingUnit | None = None,
    end: dt.date | None = None,
    actor: str,
    user: AnyUser | None = None,
) -> WorkTeam:
    """Station a work team (驻村工作队) in a village: one leader, at most one first secretary."""
    may_manage(user, village)
    _village(village)
    _period_ok(start, end)
    roles = [m.role for m in members]
    if roles.count(TeamRole.LEADER) != 1:
        raise AssistanceError(_("驻村工作队须有且只有一名队长"))
    if roles.count(TeamRole.FIRST_SECRETARY) > 1:
        raise AssistanceError(_("一个村只有一名第一书记"))
    if any(r not in TeamRole.values for r in roles):
        raise AssistanceError(_("未知的职务"))
    clash = next(
        (t for t in WorkTeam.objects.filter(village=village) if t.overlaps(start, end)), None
    )
    if clash is not None:
        raise AssistanceError(
            _("%(village)s 在该期间已有驻村工作队（%(start)s 起）")
            % {"village": village.name, "start": clash.start.isoformat()}
        )
    team = WorkTeam.objects.create(village=village, unit=unit, start=start, end=end)
    for m in members:
        WorkTeamMember.objects.create(
            team=team, name=m.name, role=m.role, user=m.user, start=start, end=end
        )
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=team,
        household=None,
        after={
            **snapshot(team),
            "members": [f"{m.name}（{TeamRole(m.role).label}）" for m in members],
        },
    )
    return team


# --- the three ledgers --------------------------------------------------------------------------


def _may_write(user: AnyUser | None, household: Household) -> None:
    """Commands pass no user (the actor names them); a signed-in user must keep the ledgers."""
    if user is not None and not may_edit_ledgers(user, household):
        raise LedgerDenied(_("只有该户的帮扶责任人和县、乡扶贫部门可以填写三本账"))


@transaction.atomic
def ledger_exit_plan_set(
    *,
    household: Household,
    target_year: int,
    targets: str = "",
    income_target: Decimal | None = None,
    actor: str,
    user: AnyUser | None = None,
) -> ExitPlan:
    """Write the household's exit plan (脱贫计划): the target year and the targets."""
    _may_write(user, household)
    plan = ExitPlan.objects.filter(household=household).first()
    before = snapshot(plan) if plan is not None else None
    if plan is None:
        plan = ExitPlan(household=household, target_year=target_year)
    plan.target_year = target_year
    plan.targets = targets
    plan.income_target = _money(income_target) if income_target is not None else None
    _clean(plan, exclude=["household"])
    plan.save()
    after = snapshot(plan)
    if before is None:
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.CREATE,
            obj=plan,
            household=household,
            after=after,
        )
    else:
        b, a = _changed(before, after)
        if b:
            audit_record(
                actor=user,
                actor_label=actor,
                action=AuditEntry.Action.UPDATE,
                obj=plan,
                household=household,
                before=b,
                after=a,
            )
    return plan


@transaction.atomic
def ledger_measure_add(
    *,
    household: Household,
    kind: str,
    description: str,
    start_date: dt.date,
    amount: Decimal = Decimal(0),
    end_date: dt.date | None = None,
    project: Project | None = None,
    actor: str,
    user: AnyUser | None = None,
) -> AssistanceMeasure:
    """Record an assistance measure (帮扶措施) delivered to the household."""
    _may_write(user, household)
    if kind not in MeasureKind.values:
        raise AssistanceError(_("未知的帮扶措施类别：%(kind)s") % {"kind": kind})
    if end_date is not None and end_date < start_date:
        raise AssistanceError(_("结束日期早于开始日期"))
    if project is not None and not household.village.code.startswith(project.region.prefix):
        raise AssistanceError(_("项目“%(name)s”不在该户所在区划实施") % {"name": project.name})
    measure = AssistanceMeasure(
        household=household,
        kind=kind,
        description=description.strip(),
        amount=_money(amount),
        start_date=start_date,
        end_date=end_date,
        project=project,
        recorded_by=user if user is not None and user.is_authenticated else None,
    )
    _clean(measure, exclude=["household", "recorded_by", "project"])
    measure.save()
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=measure,
        household=household,
        after=snapshot(measure),
        reason=f"{measure.get_kind_display()}：{measure.description}",
    )
    return measure


@transaction.atomic
def ledger_visit_add(
    *,
    household: Household,
    date: dt.date,
    content: str,
    visitor_name: str = "",
    actor: str,
    user: AnyUser | None = None,
) -> VisitLog:
    """Record a visit (工作台账): when, what was done, and by whom (the signed-in user by default)."""
    _may_write(user, household)
    if date > today():
        raise AssistanceError(_("走访日期 %(date)s 在未来") % {"date": date.isoformat()})
    visitor = user if user is not None and user.is_authenticated else None
    name = visitor_name.strip() or display_name(visitor) or actor
    visit = VisitLog(
        household=household,
        date=date,
        content=content.strip(),
        visitor=visitor,
        visitor_name=name[:32],
    )
    _clean(visit, exclude=["household", "visitor"])
    visit.save()
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=visit,
        household=household,
        after=snapshot(visit),
        reason=_("走访 %(date)s") % {"date": date.isoformat()},
    )
    return visit


# --- projects and funds -------------------------------------------------------------------------


def _money(value: Decimal | int | float | str) -> Decimal:
    """An amount in yuan to the fen; refused when negative or not a number."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError as e:
        raise AssistanceError(_("金额无效：%(v)s") % {"v": value}) from e
    if amount < 0:
        raise AssistanceError(_("金额不能为负"))
    return amount


@transaction.atomic
def project_create(
    *,
    name: str,
    region: Region,
    kind: str,
    year: int,
    funds: Mapping[str, Decimal | int | float | str] | None = None,
    unit: HelpingUnit | None = None,
    start_date: dt.date | None = None,
    description: str = "",
    actor: str,
    user: AnyUser | None = None,
) -> Project:
    """A poverty-alleviation project (扶贫项目) with its money by source (资金来源)."""
    may_manage(user, region)
    project = Project(
        name=name.strip(),
        region=region,
        kind=kind,
        year=year,
        unit=unit,
        start_date=start_date,
        description=description,
    )
    _clean(project, exclude=["region", "unit"])
    project.save()
    allocated = {}
    for source, amount in (funds or {}).items():
        if source not in FundSource.values:
            raise AssistanceError(_("未知的资金来源：%(s)s") % {"s": source})
        row = FundAllocation.objects.create(project=project, source=source, amount=_money(amount))
        allocated[source] = str(row.amount)
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=project,
        household=None,
        after={**snapshot(project), "funds": allocated},
    )
    return project


@transaction.atomic
def project_fund_set(
    *,
    project: Project,
    source: str,
    amount: Decimal | int | float | str,
    actor: str,
    user: AnyUser | None = None,
) -> FundAllocation:
    """Set the amount a project receives from one source (one row per source)."""
    may_manage(user, project.region)
    if source not in FundSource.values:
        raise AssistanceError(_("未知的资金来源：%(s)s") % {"s": source})
    row = FundAllocation.objects.filter(project=project, source=source).first()
    before = {"source": source, "amount": str(row.amount)} if row else None
    if row is None:
        row = FundAllocation.objects.create(project=project, source=source, amount=_money(amount))
    else:
        row.amount = _money(amount)
        row.save(update_fields=["amount"])
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        obj=row,
        household=None,
        before=before,
        after={"source": source, "amount": str(row.amount)},
        reason=project.name,
    )
    return row


@transaction.atomic
def project_beneficiary_add(
    *,
    project: Project,
    household: Household,
    amount: Decimal | int | float | str = 0,
    note: str = "",
    actor: str,
    user: AnyUser | None = None,
) -> ProjectBeneficiary:
    """Record a household a project benefits (受益户); it must live where the project runs."""
    may_manage(user, project.region)
    if not household.village.code.startswith(project.region.prefix):
        raise AssistanceError(_("户 %(no)s 不在项目实施区划内") % {"no": household.household_no})
    if ProjectBeneficiary.objects.filter(project=project, household=household).exists():
        raise AssistanceError(_("户 %(no)s 已是该项目的受益户") % {"no": household.household_no})
    row = ProjectBeneficiary.objects.create(
        project=project, household=household, amount=_money(amount), note=note
    )
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=row,
        household=household,
        after=snapshot(row),
        reason=project.name,
    )
    return row


@transaction.atomic
def project_progress_update(
    *,
    project: Project,
    progress: int,
    completed_on: dt.date | None = None,
    actor: str,
    user: AnyUser | None = None,
) -> Project:
    """Report a project's progress; completion (竣工) means 100% and a completion date."""
    may_manage(user, project.region)
    if not 0 <= progress <= 100:
        raise AssistanceError(_("进度须在 0 到 100 之间"))
    if completed_on is not None and progress != 100:
        raise AssistanceError(_("竣工项目的进度须为 100%"))
    if completed_on is not None and completed_on > today():
        raise AssistanceError(_("竣工日期在未来"))
    before = {"progress": project.progress, "completed_on": jsonable(project.completed_on)}
    project.progress = progress
    project.completed_on = completed_on
    project.save(update_fields=["progress", "completed_on"])
    after = {"progress": progress, "completed_on": jsonable(completed_on)}
    b, a = _changed(before, after)
    if b:
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.UPDATE,
            obj=project,
            household=None,
            before=b,
            after=a,
        )
    return project


# --- warnings -----------------------------------------------------------------------------------


class WarningKind(models.TextChoices):
    HOUSEHOLD_WITHOUT_CADRE = "household_without_cadre", "贫困户无帮扶责任人"
    CADRE_OVER_LIMIT = "cadre_over_limit", "帮扶责任人帮扶户数超标"
    VILLAGE_WITHOUT_TEAM = "village_without_team", "贫困村无驻村工作队"
    NO_RETURN_VISIT = "no_return_visit", "跟踪联系期内未回头看"


@dataclass(frozen=True)
class AssistanceWarning:
    """One problem in the 双到 coverage of a region, with what it concerns."""

    kind: str
    message: str
    household: Household | None = None
    village: Region | None = None
    cadre: AbstractBaseUser | None = None
    count: int | None = None
    limit: int | None = None

    @property
    def kind_label(self) -> str:
        return str(WarningKind(self.kind).label)


def assistance_warnings(
    *, region: Region, user: AnyUser | None = None, on: dt.date | None = None
) -> list[AssistanceWarning]:
    """The 双到 warnings below a region on a day: poor (and recently exited) households without a
    responsible cadre, cadres over the province's limit, poor villages without a work team.

    With `user`, only what that user may see is considered (a cadre learns nothing about the
    rest of the village)."""
    on = on or today()
    policy = ProvincePolicy.for_code(region.code)
    households = Household.objects.filter(village__code__startswith=region.prefix)
    villages = Region.objects.filter(level=Level.VILLAGE, code__startswith=region.prefix)
    if user is not None:
        households = households.filter(pk__in=households_for(user).values("pk"))
        villages = villages.filter(pk__in=regions_for(user).values("pk"))
    active = HouseholdPairing.objects.active(on)
    out: list[AssistanceWarning] = []

    unpaired = households.exclude(pk__in=active.values("household_id")).select_related("village")
    for h in unpaired.filter(status__in=[Status.POOR, Status.RETURNED]).order_by("household_no"):
        out.append(
            AssistanceWarning(
                kind=WarningKind.HOUSEHOLD_WITHOUT_CADRE,
                household=h,
                village=h.village,
                message=_("贫困户 %(no)s（%(village)s）没有帮扶责任人")
                % {"no": h.household_no, "village": h.village.name},
            )
        )
    exited = unpaired.filter(status=Status.EXITED).annotate(
        exited_on=Max("events__date", filter=Q(events__kind=EventKind.EXITED))
    )
    for h in exited.order_by("household_no"):
        day = h.exited_on or (dt.date(h.exited_year, 12, 31) if h.exited_year else None)
        if day is not None and on < add_years(day, policy.tracking_years):
            out.append(
                AssistanceWarning(
                    kind=WarningKind.HOUSEHOLD_WITHOUT_CADRE,
                    household=h,
                    village=h.village,
                    message=_(
                        "脱贫户 %(no)s（%(village)s）于 %(day)s 脱贫，不满 %(years)s 年，没有帮扶责任人"
                    )
                    % {
                        "no": h.household_no,
                        "village": h.village.name,
                        "day": day.isoformat(),
                        "years": policy.tracking_years,
                    },
                )
            )

    cadre_ids = active.filter(household__in=households.values("pk")).values("cadre_id")
    over = (
        active.filter(cadre_id__in=cadre_ids)
        .values("cadre_id")
        .annotate(n=Count("id"))
        .filter(n__gt=policy.max_households_per_cadre)
        .order_by("cadre_id")
    )
    counts = {r["cadre_id"]: r["n"] for r in over}
    if counts:
        from django.contrib.auth import get_user_model

        for cadre in get_user_model().objects.filter(pk__in=counts).order_by("username"):
            out.append(
                AssistanceWarning(
                    kind=WarningKind.CADRE_OVER_LIMIT,
                    cadre=cadre,
                    count=counts[cadre.pk],
                    limit=policy.max_households_per_cadre,
                    message=_("帮扶责任人 %(name)s 结对 %(n)s 户，超过本省规定的 %(limit)s 户")
                    % {
                        "name": display_name(cadre),
                        "n": counts[cadre.pk],
                        "limit": policy.max_households_per_cadre,
                    },
                )
            )

    teams = WorkTeam.objects.active(on).values("village_id")
    poor_villages = (
        villages.filter(is_poor_village=True)
        .filter(Q(poor_exit_year__isnull=True) | Q(poor_exit_year__gt=on.year))
        .exclude(pk__in=teams)
    )
    for v in poor_villages.order_by("code"):
        out.append(
            AssistanceWarning(
                kind=WarningKind.VILLAGE_WITHOUT_TEAM,
                village=v,
                message=_("贫困村 %(name)s（%(code)s）没有驻村工作队")
                % {"name": v.name, "code": v.code},
            )
        )

    # 跟踪联系: rounds ended within the tracking years before `on`, each year without a 回头看.
    ended = (
        VillagePairing.objects.filter(village__in=villages.values("pk"), end__isnull=False)
        .filter(end__gt=add_years(on, -policy.tracking_years - 1), end__lte=on)
        .select_related("unit", "village")
        .prefetch_related("return_visits")
        .order_by("village__code", "end", "id")
    )
    for p in ended:
        for year in tracking_years(p, on):
            if year["flagged"]:
                out.append(
                    AssistanceWarning(
                        kind=WarningKind.NO_RETURN_VISIT, village=p.village, message=year["reason"]
                    )
                )
    return out
