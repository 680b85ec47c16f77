"""Assign evaluators to a campaign's counties and households: the CP-SAT run and manual changes.

`assignment_run` reads the counties the campaign assesses, the household draws in force and the
registered evaluators who passed the exam, runs the engine's solver over every avoidance rule
(三回避, for institutions and people alike) and records the result with `assignment_record`,
which checks it once more. `assignment_change` moves an expert or a team's households by hand,
checked against the same rules and recorded as a new run with its reason: the old runs are kept.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.engine import assignment as solver
from fupin.assessments.engine import assignment_rules as rules
from fupin.assessments.models import (
    Assignment,
    Campaign,
    DrawItem,
    DrawLevel,
    Enumerator,
    Expert,
    ExpertCounty,
    Institution,
    InstitutionCounty,
    Submission,
    Team,
    TeamHousehold,
)
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.assessments.services.draws import draws_current
from fupin.assessments.services.evaluators import (
    TeamSpec,
    _enumerator,
    _expert,
    _institution,
    assessed_counties,
    assignment_current,
    assignment_record,
    institution_names,
    teams_create,
)
from fupin.assessments.services.surveys import households_by_number
from fupin.assessments.workflows import CampaignStatus
from fupin.regions.models import Region
from fupin.registry.models import Household

EXPERTS_PER_COUNTY = 2
SEED_LIMIT = 2**31 - 1  # CP-SAT takes a 31-bit seed
SOLVER = "OR-Tools CP-SAT"
MANUAL = "人工调整"
CHANGE_KINDS = {"expert": "调整专家", "team": "调整调查小组入户"}


@dataclass(frozen=True)
class AssignmentPool:
    """The evaluators a run may use."""

    institutions: Sequence[Institution]
    experts: Sequence[Expert]
    enumerators: Sequence[Enumerator]


@dataclass(frozen=True)
class AssignmentRun:
    """A recorded run and what it decided, the experts of each county with the experienced lead
    first (the order the record does not keep)."""

    assignment: Assignment
    seed: int
    institution_of: dict[str, Institution]
    experts_of: dict[str, list[Expert]]
    team_of: dict[str, Team]
    teams: list[Team] = field(default_factory=list)


def _require_working_group(user: User | None, campaign: Campaign) -> None:
    if not in_working_group(user, campaign):
        raise AssessmentError("只有本任务的评估工作组成员可以分派人员")


def assignment_pool(campaign: Campaign) -> AssignmentPool:
    """Every registered institution, and the experts and enumerators who passed the exam; members
    of the expert group (专家组) judge problems and are not sent to a county."""
    group = Membership.objects.filter(role=Role.EXPERT_GROUP).values("user_id")
    return AssignmentPool(
        institutions=list(Institution.objects.order_by("name", "pk")),
        experts=list(
            Expert.objects.filter(exam_passed=True)
            .exclude(user_id__in=group)
            .order_by("name", "pk")
        ),
        enumerators=list(
            Enumerator.objects.filter(exam_passed=True, institution__isnull=False).order_by(
                "name", "pk"
            )
        ),
    )


def _solver_seed(seed: int | str | None) -> int:
    if seed is None or seed == "":
        return secrets.randbelow(SEED_LIMIT)
    try:
        value = int(seed)
    except (TypeError, ValueError):
        raise AssessmentError("随机种子须为非负整数") from None
    if value < 0:
        raise AssessmentError("随机种子须为非负整数")
    return value % SEED_LIMIT


def _check_status(campaign: Campaign) -> None:
    if campaign.status not in (CampaignStatus.SAMPLING, CampaignStatus.FIELDWORK):
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，只能在抽样或实地调查阶段分派人员"
        )


def drawn_households(campaign: Campaign) -> dict[str, list[str]]:
    """County code → the household numbers of the household draws in force, in draw order."""
    out: dict[str, list[str]] = defaultdict(list)
    rows = (
        DrawItem.objects.filter(draw__in=draws_current(campaign).filter(level=DrawLevel.HOUSEHOLD))
        .order_by("draw_id", "id")
        .values_list("draw__county__code", "unit_key")
    )
    for code, key in rows:
        out[code].append(key)
    return dict(out)


def infeasible_message(error: rules.AssignmentInfeasible) -> str:
    """The solver's blockers as one Chinese refusal, each naming the rule and whom it keeps away."""
    return "无法分派，以下规则不能同时满足：" + "；".join(
        dict.fromkeys(b.message for b in error.blockers)
    )


def _team_code(proposed: str, county: str, taken: set[str]) -> str:
    """The engine's code unless an earlier run's different team holds it, then a new generation."""
    if proposed not in taken:
        return proposed
    number = proposed.rsplit("-", 1)[-1]
    generation = 2
    while (code := f"{county[:6]}-{generation}-{number}") in taken:
        generation += 1
    return code


@transaction.atomic
def assignment_run(
    campaign: Campaign,
    *,
    user: User | None,
    seed: int | str | None = None,
    pool: AssignmentPool | None = None,
    experts_per_county: int = EXPERTS_PER_COUNTY,
    note: str = "",
    actor: str = "",
    now: dt.datetime | None = None,
) -> AssignmentRun:
    """Run the solver over the campaign's counties, drawn households and `pool` (default: the
    registered evaluators who passed the exam) and record the result as a new run.

    A new seed is drawn when none is given; the one used is recorded. Refused, with the rule and
    the names, when no assignment keeps every rule; refused once questionnaires have arrived (a
    new run would move households under the enumerators' feet: change them by hand instead).
    """
    _require_working_group(user, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _check_status(campaign)
    if Submission.objects.filter(campaign=campaign).exists():
        raise AssessmentError("已收到调查问卷，不能重新运行分派；如需调整，请用人工调整")
    counties = assessed_counties(campaign)
    if not counties:
        raise AssessmentError("任务没有评估县，不能分派")
    households = drawn_households(campaign)
    missing = [c.name for c in counties if not households.get(c.code)]
    if missing:
        raise AssessmentError(f"以下县尚未抽取农户，不能分派：{'、'.join(missing)}")
    pool = pool if pool is not None else assignment_pool(campaign)
    rng_seed = _solver_seed(seed)

    names = institution_names()
    inst_by_name = {i.name: i for i in pool.institutions}
    expert_by_id = {str(e.pk): e for e in pool.experts}
    enum_by_id = {str(e.pk): e for e in pool.enumerators}
    tasks = [
        rules.CountyTask(
            code=c.code, province=c.province_code, households=len(households[c.code]), name=c.name
        )
        for c in counties
    ]
    try:
        held = solver.assign_institutions(
            [_institution(i) for i in pool.institutions], tasks, rng_seed=rng_seed
        )
        chosen = solver.assign_experts(
            [_expert(e, names) for e in pool.experts],
            held,
            rng_seed=rng_seed,
            experts_per_county=experts_per_county,
        )
        plan = solver.form_teams(
            [_enumerator(e, names) for e in pool.enumerators], rng_seed=rng_seed, assignment=held
        )
        team_of_no = solver.assign_households(
            plan.teams,
            {c.code: households[c.code] for c in counties},
            plan.county_of_team,
            rng_seed=rng_seed,
        )
    except rules.AssignmentInfeasible as e:
        raise AssessmentError(infeasible_message(e)) from None

    existing = {
        (t.experienced_member_id, t.new_member_id, t.institution_id): t
        for t in Team.objects.filter(campaign=campaign)
    }
    taken = {t.code for t in existing.values()}
    teams: dict[str, Team] = {}
    to_form: list[tuple[str, TeamSpec]] = []
    for planned in plan.teams:
        institution = inst_by_name[planned.institution_id]
        mentor, newcomer = enum_by_id[planned.mentor.id], enum_by_id[planned.newcomer.id]
        team = existing.get((mentor.pk, newcomer.pk, institution.pk))
        if team is not None:
            teams[planned.id] = team
            continue
        code = _team_code(planned.id, plan.county_of_team[planned.id], taken)
        taken.add(code)
        to_form.append(
            (
                planned.id,
                TeamSpec(code=code, institution=institution, experienced=mentor, new=newcomer),
            )
        )
    # The new teams through the one path that forms teams (its checks and its audit rows).
    formed = teams_create(
        campaign=campaign, specs=[spec for _, spec in to_form], actor=actor, user=user, now=now
    )
    for (planned_id, _spec), team in zip(to_form, formed, strict=True):
        teams[planned_id] = team
    teams = {planned.id: teams[planned.id] for planned in plan.teams}  # the engine's order

    region_of = {c.code: c for c in counties}
    by_no = households_by_number(team_of_no, fields=())  # what the record reads of each
    run = assignment_record(
        campaign=campaign,
        seed=rng_seed,
        institutions=[
            (inst_by_name[name], region_of[code]) for code, name in held.institution_of.items()
        ],
        experts=[
            (expert_by_id[e], region_of[code])
            for code, ids in chosen.experts_of.items()
            for e in ids
        ],
        teams=[(teams[t], by_no[no]) for no, t in team_of_no.items()],
        solver=SOLVER,
        note=note
        or (
            f"运行分派：随机种子 {rng_seed}，{len(counties)} 个县、{len(teams)} 个调查小组、"
            f"{len(team_of_no)} 户"
        ),
        actor=actor,
        user=user,
        now=now,
    )
    return AssignmentRun(
        assignment=run,
        seed=rng_seed,
        institution_of={code: inst_by_name[n] for code, n in held.institution_of.items()},
        experts_of={
            code: [expert_by_id[e] for e in ids] for code, ids in chosen.experts_of.items()
        },
        team_of={no: teams[t] for no, t in team_of_no.items()},
        teams=list(teams.values()),
    )


# --- manual changes ---------------------------------------------------------------------------


def _county_in(counties: Sequence[Region], code: object, what: str) -> Region:
    for county in counties:
        if county.code == str(code):
            return county
    raise AssessmentError(f"“{what}”不是本任务的评估县")


def _expert_pairs(campaign: Campaign) -> tuple[Assignment, list[tuple[Expert, Region]]]:
    run = assignment_current(campaign, "expert")
    if run is None:
        raise AssessmentError("尚未运行分派，没有可调整的专家分派")
    pairs = [
        (r.expert, r.county)
        for r in run.expert_counties.select_related("expert", "county").order_by("id")
    ]
    return run, pairs


def _change_experts(
    campaign: Campaign, counties: Sequence[Region], changes: Sequence[Mapping[str, Any]]
) -> tuple[Assignment, list[tuple[Expert, Region]], list[str]]:
    run, pairs = _expert_pairs(campaign)
    said: list[str] = []
    for change in changes:
        expert = Expert.objects.filter(pk=_int(change.get("expert"), "专家")).first()
        if expert is None:
            raise AssessmentError("“专家”不存在")
        source = change.get("from_county") or None
        target = change.get("to_county") or None
        if source is None and target is None:
            raise AssessmentError(f"请为专家{expert.name}选择调出县或调入县")
        if source is not None:
            county = _county_in(counties, source, "调出县")
            if (expert.pk, county.pk) not in {(e.pk, c.pk) for e, c in pairs}:
                raise AssessmentError(f"专家{expert.name}没有分派在{county.name}，不能调出")
            pairs = [(e, c) for e, c in pairs if not (e.pk == expert.pk and c.pk == county.pk)]
        if target is not None:
            county = _county_in(counties, target, "调入县")
            if (expert.pk, county.pk) in {(e.pk, c.pk) for e, c in pairs}:
                raise AssessmentError(f"专家{expert.name}已分派在{county.name}")
            pairs.append((expert, county))
        said.append(
            f"专家{expert.name}"
            + (f"由{_county_in(counties, source, '调出县').name}" if source else "")
            + (f"调往{_county_in(counties, target, '调入县').name}" if target else "调出")
        )
    staffed: dict[int, list[Expert]] = defaultdict(list)
    for e, c in pairs:
        staffed[c.pk].append(e)
    for county in counties:
        if not staffed.get(county.pk):
            raise AssessmentError(f"{county.name}将没有专家（{rules.Rule.EXPERT_COUNT.label}）")
        if not any(e.experienced for e in staffed[county.pk]):
            raise AssessmentError(
                f"{county.name}将没有有经验的专家（{rules.Rule.EXPERIENCED_LEAD.label}）"
            )
    return run, pairs, said


def _int(value: object, what: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise AssessmentError(f"请选择“{what}”") from None


def _change_teams(
    campaign: Campaign, changes: Sequence[Mapping[str, Any]]
) -> tuple[Assignment, list[tuple[Team, Household]], list[str]]:
    run = assignment_current(campaign, "team")
    if run is None:
        raise AssessmentError("尚未运行分派，没有可调整的入户分派")
    rows = run.team_households.select_related(
        "team__experienced_member", "team__new_member", "household__village"
    ).order_by("id")
    team_of: dict[str, Team] = {}
    household_of: dict[str, Household] = {}
    for r in rows:
        team_of[r.household.household_no] = r.team
        household_of[r.household.household_no] = r.household
    said: list[str] = []
    for change in changes:
        team = Team.objects.filter(
            campaign=campaign, pk=_int(change.get("team"), "调查小组")
        ).first()
        if team is None:
            raise AssessmentError("“调查小组”不是本任务的调查小组")
        households = change.get("households")
        if not isinstance(households, list) or not households:
            raise AssessmentError("请选择要调给该小组的农户")
        unknown = [str(h) for h in households if str(h) not in team_of]
        if unknown:
            raise AssessmentError(f"户 {'、'.join(unknown[:8])} 不在现行的入户分派中")
        for no in households:
            team_of[str(no)] = team
        said.append(f"调查小组 {team.code} 接手 {len(households)} 户")
    return run, [(t, household_of[no]) for no, t in team_of.items()], said


@transaction.atomic
def assignment_change(
    campaign: Campaign,
    *,
    user: User | None,
    kind: str,
    changes: Sequence[Mapping[str, Any]],
    reason: str,
    now: dt.datetime | None = None,
) -> Assignment:
    """Change the run in force by hand and record the result as a new run with the reason.

    `kind` "expert": each change is {"expert": id, "from_county": code or None, "to_county": code
    or None} (a move, a removal or an addition); every county keeps an experienced expert.
    `kind` "team": each change is {"team": id, "households": [household numbers]}, which that
    team takes over (two changes swap two teams' households). The whole result is checked
    against the same rules as a solver's run; a refusal names the rule and the person.
    """
    _require_working_group(user, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _check_status(campaign)
    if kind not in CHANGE_KINDS:
        raise AssessmentError("调整类别须为“调整专家”或“调整调查小组入户”")
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError("请填写调整理由")
    if not isinstance(changes, Sequence) or isinstance(changes, str) or not changes:
        raise AssessmentError("请至少填写一项调整")
    if not all(isinstance(c, Mapping) for c in changes):
        raise AssessmentError("每项调整须为一组字段")
    counties = assessed_counties(campaign)
    if kind == "expert":
        base, expert_pairs, said = _change_experts(campaign, counties, changes)
        parts: dict[str, Any] = {"experts": expert_pairs}
    else:
        base, team_pairs, said = _change_teams(campaign, changes)
        parts = {"teams": team_pairs}
    run = assignment_record(
        campaign=campaign,
        seed=base.seed,
        solver=MANUAL,
        note=f"{CHANGE_KINDS[kind]}：{'；'.join(said)}。理由：{reason}",
        user=user,
        now=now,
        **parts,
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=run,
        before={"assignment": base.pk},
        after={"kind": kind, "changes": said},
        reason=reason,
        now=now,
    )
    return run


# --- what the pages and the API show ----------------------------------------------------------


def assignment_overview(campaign: Campaign) -> list[dict[str, Any]]:
    """Per assessed county, in the runs in force: the institution, the experts (experienced
    first) and the teams with their two members and household counts."""
    counties = assessed_counties(campaign)
    rows: dict[int, dict[str, Any]] = {
        c.pk: {"county": c, "institution": None, "experts": [], "teams": [], "households": 0}
        for c in counties
    }
    if run := assignment_current(campaign, "institution"):
        for ic in InstitutionCounty.objects.filter(assignment=run).select_related("institution"):
            if ic.county_id in rows:
                rows[ic.county_id]["institution"] = ic.institution
    if run := assignment_current(campaign, "expert"):
        for ec in (
            ExpertCounty.objects.filter(assignment=run)
            .select_related("expert")
            .order_by("-expert__experienced", "expert__name", "id")
        ):
            if ec.county_id in rows:
                rows[ec.county_id]["experts"].append(ec.expert)
    if run := assignment_current(campaign, "team"):
        prefix = {c.code[:6]: c.pk for c in counties}
        counts: dict[int, int] = defaultdict(int)
        team_county: dict[int, int] = {}
        for team_id, village in TeamHousehold.objects.filter(assignment=run).values_list(
            "team_id", "household__village__code"
        ):
            counts[team_id] += 1
            team_county[team_id] = prefix.get(village[:6], 0)
        teams = Team.objects.filter(pk__in=counts).select_related(
            "experienced_member", "new_member"
        )
        for team in sorted(teams, key=lambda t: t.code):
            county_pk = team_county[team.pk]
            if county_pk in rows:
                rows[county_pk]["teams"].append({"team": team, "households": counts[team.pk]})
                rows[county_pk]["households"] += counts[team.pk]
    return [rows[c.pk] for c in counties]


def assignment_history(campaign: Campaign) -> list[dict[str, Any]]:
    """Every recorded run, newest first, with what it assigns (机构、专家、入户)."""
    runs = list(Assignment.objects.filter(campaign=campaign).order_by("-created_at", "-id"))
    ids = [r.pk for r in runs]
    has = {
        kind: set(
            model.objects.filter(assignment_id__in=ids)
            .values_list("assignment_id", flat=True)
            .distinct()
        )
        for kind, model in (
            ("机构", InstitutionCounty),
            ("专家", ExpertCounty),
            ("入户", TeamHousehold),
        )
    }
    return [{"run": r, "parts": [kind for kind, held in has.items() if r.pk in held]} for r in runs]
