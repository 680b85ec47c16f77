"""Evaluators and their assignments: form teams, record a solver's result after re-checking 三回避.

The rules themselves live in one place, the engine's `check_assignment`; this module only turns
the stored records into the engine's plain types and refuses whatever it reports.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from fupin.accounts.audit import (
    actor_name,
    audit_entry,
    audit_record,
    audit_record_many,
    real_user,
)
from fupin.accounts.models import AuditEntry
from fupin.assessments.engine import assignment_rules as rules
from fupin.assessments.engine.assignment_check import check_assignment
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
    Team,
    TeamHousehold,
    team_errors,
)
from fupin.assessments.services.common import AssessmentError, User
from fupin.assessments.services.draws import draw_current, draws_current
from fupin.assessments.workflows import CampaignStatus
from fupin.regions.models import Level, Region
from fupin.registry.models import Household
from fupin.rows import rows_insert

_ASSIGNMENT_PARTS: dict[str, type[InstitutionCounty] | type[ExpertCounty] | type[TeamHousehold]] = {
    "institution": InstitutionCounty,
    "expert": ExpertCounty,
    "team": TeamHousehold,
}


@dataclass(frozen=True)
class TeamSpec:
    """One two-person team to form: its code, institution and members (experienced, then new)."""

    code: str
    institution: Institution
    experienced: Enumerator
    new: Enumerator


@transaction.atomic
def team_create(
    *,
    campaign: Campaign,
    code: str,
    institution: Institution,
    experienced: Enumerator,
    new: Enumerator,
    actor: str = "",
    user: User | None = None,
    now: dt.datetime | None = None,
) -> Team:
    """A two-person team of one institution: an experienced member with a new one (以老带新).

    `now`: the time recorded (default: the clock; the simulated run passes its own).
    """
    spec = TeamSpec(code=code, institution=institution, experienced=experienced, new=new)
    return teams_create(campaign=campaign, specs=[spec], actor=actor, user=user, now=now)[0]


@transaction.atomic
def teams_create(
    *,
    campaign: Campaign,
    specs: Sequence[TeamSpec],
    actor: str = "",
    user: User | None = None,
    now: dt.datetime | None = None,
) -> list[Team]:
    """Form several teams at once, each checked as `team_create` checks one (以老带新, one
    institution, the exam passed, nobody in two teams, codes unique — against the stored teams
    and the batch itself) and audited alike; all or nothing, the reasons of every refusal
    together. A few queries whatever the number of teams (the assignment run forms hundreds)."""
    errors: list[str] = []
    for spec in specs:
        errors += team_errors(spec.experienced, spec.new, spec.institution)
        errors += exam_errors([spec.experienced, spec.new])
    people = [m.pk for spec in specs for m in (spec.experienced, spec.new)]
    busy = Team.objects.filter(campaign=campaign).filter(
        Q(experienced_member__in=people) | Q(new_member__in=people)
    )
    for team in busy.order_by("code"):
        errors.append(f"调查员已在调查小组 {team.code} 中，每人只能在一个小组")
    seen: dict[int, str] = {}
    for spec in specs:
        for member in (spec.experienced, spec.new):
            if member.pk in seen and seen[member.pk] != spec.code:
                errors.append(
                    f"调查员{member.name}已在调查小组 {seen[member.pk]} 中，每人只能在一个小组"
                )
            seen.setdefault(member.pk, spec.code)
    codes = [spec.code for spec in specs]
    taken = set(
        Team.objects.filter(campaign=campaign, code__in=codes).values_list("code", flat=True)
    )
    taken |= {c for c, n in Counter(codes).items() if n > 1}
    errors += [f"调查小组编号 {c} 已存在" for c in codes if c in taken]
    if errors:
        raise AssessmentError("；".join(dict.fromkeys(errors)))
    teams = Team.objects.bulk_create(
        Team(
            campaign=campaign,
            code=spec.code,
            institution=spec.institution,
            experienced_member=spec.experienced,
            new_member=spec.new,
        )
        for spec in specs
    )
    audit_record_many(
        audit_entry(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.CREATE,
            obj=team,
            after={"code": spec.code, "experienced": spec.experienced.pk, "new": spec.new.pk},
            now=now,
        )
        for team, spec in zip(teams, specs, strict=True)
    )
    return teams


def exam_errors(people: Iterable[Expert | Enumerator]) -> list[str]:
    """Who of `people` has not passed the training exam (通过考试) and so cannot be assigned."""
    names = dict.fromkeys(p.name for p in people if not p.exam_passed)
    return [f"{name}未通过培训考试，不能分派" for name in names]


# --- the engine's view of the stored records -------------------------------------------------


# Institutions are known to the engine by their (unique) names, so that whatever it says about
# one (a blocker, a violation, a team's institution) names it instead of showing a database id.


def _institution(i: Institution) -> rules.Institution:
    return rules.Institution(
        id=i.name,
        name=i.name,
        province=i.province_code,
        took_part_in=frozenset(i.took_part_in),
    )


def institution_names() -> dict[int, str]:
    """Institution id → name, read once for the engine's view of many evaluators."""
    return dict(Institution.objects.values_list("pk", "name"))


def _expert(e: Expert, names: dict[int, str]) -> rules.Expert:
    return rules.Expert(
        id=str(e.pk),
        name=e.name,
        employer_province=e.employer_province,
        experienced=e.experienced,
        took_part_in=frozenset(e.took_part_in),
        institution_id=names[e.institution_id] if e.institution_id else None,
    )


def _enumerator(e: Enumerator, names: dict[int, str]) -> rules.Enumerator:
    return rules.Enumerator(
        id=str(e.pk),
        name=e.name,
        home_province=e.employer_province,
        experienced=e.experienced,
        took_part_in=frozenset(e.took_part_in),
        institution_id=names[e.institution_id] if e.institution_id else "",
    )


def _team(t: Team, names: dict[int, str]) -> rules.Team:
    return rules.Team(
        id=t.code,
        institution_id=names[t.institution_id],
        mentor=_enumerator(t.experienced_member, names),
        newcomer=_enumerator(t.new_member, names),
    )


def assessed_counties(campaign: Campaign) -> list[Region]:
    """The counties the campaign assesses: the county draw in force, else the whole scope."""
    draw = draw_current(campaign, DrawLevel.COUNTY)
    if draw is None:
        return list(campaign.scope_counties())
    codes = list(draw.items.values_list("unit_key", flat=True))
    return list(Region.objects.filter(code__in=codes, level=Level.COUNTY).order_by("code"))


def _region(value: Region | str) -> Region:
    if isinstance(value, Region):
        return value
    found = Region.objects.filter(code=value).first()
    if found is None:
        raise AssessmentError(f"区划代码 {value} 不存在")
    return found


def _household(value: Household | str) -> Household:
    if isinstance(value, Household):
        return value
    found = Household.objects.filter(household_no=value).select_related("village").first()
    if found is None:
        raise AssessmentError(f"户编号 {value} 不存在")
    return found


def assignment_current(campaign: Campaign, kind: str) -> Assignment | None:
    """The latest recorded run that assigns `kind` (institution, expert or team) for the campaign."""
    # An EXISTS per candidate run (a campaign has a handful) instead of DISTINCT over a join with
    # every assigned row: the same run, without reading thousands of rows per call.
    return _runs_of_kind(campaign, kind).first()


def _runs_of_kind(campaign: Campaign, kind: str) -> QuerySet[Assignment]:
    part = _ASSIGNMENT_PARTS[kind]
    return (
        Assignment.objects.filter(campaign=campaign)
        .filter(Exists(part.objects.filter(assignment=OuterRef("pk"))))
        .order_by("-created_at", "-id")
    )


def _run_in_force(campaign: Campaign, kind: str) -> Subquery:
    """The id of `assignment_current(campaign, kind)` as a subquery (NULL when there is none), so
    that a check of who is assigned is one query instead of two."""
    return Subquery(_runs_of_kind(campaign, kind).values("pk")[:1])


@transaction.atomic
def assignment_record(
    *,
    campaign: Campaign,
    seed: int | str,
    institutions: Iterable[tuple[Institution, Region | str]] = (),
    experts: Iterable[tuple[Expert, Region | str]] = (),
    teams: Iterable[tuple[Team, Household | str]] = (),
    solver: str = "",
    note: str = "",
    actor: str = "",
    user: User | None = None,
    now: dt.datetime | None = None,
) -> Assignment:
    """Store a solver's result after re-checking it against every rule; refuse it if any is broken.

    Each part given replaces that part for the whole campaign (the latest run of a kind is in
    force); parts not given keep the run in force, and the check covers the combination.
    `now`: the time recorded (default: the clock; the simulated run passes its own).
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in (CampaignStatus.SAMPLING, CampaignStatus.FIELDWORK):
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，只能在抽样或实地调查阶段分派人员"
        )
    inst_pairs = [(i, _region(c)) for i, c in institutions]
    expert_pairs = [(e, _region(c)) for e, c in experts]
    team_pairs = [(t, _household(h)) for t, h in teams]
    if not (inst_pairs or expert_pairs or team_pairs):
        raise AssessmentError("分派结果为空")
    if any(t.campaign_id != campaign.pk for t, _ in team_pairs):
        raise AssessmentError("调查小组不属于本任务")
    # Only those given are checked: who passed stays passed (the exam is never withdrawn).
    not_passed = exam_errors(
        [e for e, _ in expert_pairs] + [m for t, _ in team_pairs for m in t.members]
    )

    given_institutions, given_experts, given_teams = (
        bool(inst_pairs),
        bool(expert_pairs),
        bool(team_pairs),
    )
    # The combination to check: what is given, else what is in force.
    if not inst_pairs and (run := assignment_current(campaign, "institution")):
        inst_pairs = [
            (r.institution, r.county)
            for r in run.institution_counties.select_related("institution", "county")
        ]
    if not expert_pairs and (run := assignment_current(campaign, "expert")):
        expert_pairs = [
            (r.expert, r.county) for r in run.expert_counties.select_related("expert", "county")
        ]
    if not team_pairs and (run := assignment_current(campaign, "team")):
        team_pairs = [
            (r.team, r.household)
            for r in run.team_households.select_related(
                "team__experienced_member", "team__new_member", "household__village"
            )
        ]

    counties = assessed_counties(campaign)
    tasks = [
        rules.CountyTask(code=c.code, province=c.province_code, households=0, name=c.name)
        for c in counties
    ]
    errors: list[str] = list(not_passed)
    county_of_team: dict[str, str] = {}
    team_of_household: dict[str, str] = {}
    for team, household in team_pairs:
        code = household.village.code[:6] + "000000"
        previous = county_of_team.setdefault(team.code, code)
        if previous != code:
            errors.append(f"调查小组 {team.code} 被分派到两个县（{previous}、{code}）")
        if household.household_no in team_of_household:
            errors.append(f"户 {household.household_no} 被分派给两个调查小组")
        team_of_household[household.household_no] = team.code
    households_by_county: dict[str, list[str]] = defaultdict(list)
    if team_pairs:
        drawn = DrawItem.objects.filter(
            draw__in=draws_current(campaign).filter(level=DrawLevel.HOUSEHOLD)
        ).values_list("draw__county__code", "unit_key")
        for code, key in drawn:
            households_by_county[code].append(key)
        sampled = {k for keys in households_by_county.values() for k in keys}
        stray = sorted(set(team_of_household) - sampled)
        if stray:
            errors.append(f"户 {'、'.join(stray[:8])} 不在现行的抽户结果中（调查户只能随机抽取）")
    names = institution_names()
    unique_teams = {t.code: t for t, _ in team_pairs}
    violations = check_assignment(
        counties=tasks,
        institutions=[_institution(i) for i, _ in inst_pairs],
        institution_of={c.code: i.name for i, c in inst_pairs} if inst_pairs else None,
        experts=[_expert(e, names) for e, _ in expert_pairs],
        experts_of=_group(((c.code, str(e.pk)) for e, c in expert_pairs)) if expert_pairs else None,
        teams=[_team(t, names) for t in unique_teams.values()],
        county_of_team=county_of_team,
        team_of_household=team_of_household if team_pairs else None,
        households_by_county=households_by_county if team_pairs else None,
    )
    errors += [v.message + f"（{v.rule.label}）" for v in violations]
    if errors:
        shown = "；".join(dict.fromkeys(errors[:12]))
        more = f"；等共 {len(errors)} 处" if len(errors) > 12 else ""
        raise AssessmentError(f"分派结果违反规则，未保存：{shown}{more}")

    run = Assignment.objects.create(
        campaign=campaign,
        seed=str(seed),
        solver=solver,
        note=note,
        created_by=real_user(user),
        actor=actor_name(user, actor),
        created_at=now or timezone.now(),
    )
    if given_institutions:
        InstitutionCounty.objects.bulk_create(
            InstitutionCounty(assignment=run, institution=i, county=c) for i, c in inst_pairs
        )
    if given_experts:
        ExpertCounty.objects.bulk_create(
            ExpertCounty(assignment=run, expert=e, county=c) for e, c in expert_pairs
        )
    if given_teams:
        rows_insert([TeamHousehold(assignment=run, team=t, household=h) for t, h in team_pairs])
    audit_record(
        actor=user,
        actor_label=run.actor,
        action=AuditEntry.Action.CREATE,
        obj=run,
        after={
            "seed": run.seed,
            "solver": solver,
            "institutions": len(inst_pairs),
            "experts": len(expert_pairs),
            "teams": len(team_pairs),
        },
        reason=note,
        now=now,
    )
    return run


def _group(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for county, ident in pairs:
        out[county].append(ident)
    return dict(out)


# --- who is assigned where (read by the survey and verification services) --------------------


def teams_of_household(campaign: Campaign, household: Household) -> QuerySet[Team]:
    return Team.objects.filter(
        pk__in=TeamHousehold.objects.filter(
            assignment=_run_in_force(campaign, "team"), household=household
        ).values("team")
    )


def teams_in_county(campaign: Campaign, county: Region) -> QuerySet[Team]:
    return Team.objects.filter(
        pk__in=TeamHousehold.objects.filter(
            assignment=_run_in_force(campaign, "team"),
            household__village__code__startswith=county.prefix,
        ).values("team")
    )


def user_teams(teams: QuerySet[Team], user_id: object) -> QuerySet[Team]:
    """Those of `teams` with the user's enumerator profile as a member."""
    return teams.filter(Q(experienced_member__user_id=user_id) | Q(new_member__user_id=user_id))


def teams_of_households(campaign: Campaign, household_ids: Iterable[int]) -> dict[int, list[Team]]:
    """Household id → the teams the run in force assigns to it (in Team order), for many households
    with one look-up of the run: what `teams_of_household` gives for each, read once per batch."""
    ids = sorted(set(household_ids))
    run = assignment_current(campaign, "team")
    out: dict[int, list[Team]] = {}
    if run is None or not ids:
        return out
    step = 500  # well under every backend's limit on query parameters
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(ids), step):
        pairs.extend(
            TeamHousehold.objects.filter(
                assignment=run, household_id__in=ids[start : start + step]
            ).values_list("household_id", "team_id")
        )
    # A few teams serve a county's thousand households: each read once, the households sharing it.
    teams = Team.objects.in_bulk({team_id for _, team_id in pairs})
    for household_id, team_id in pairs:
        out.setdefault(household_id, []).append(teams[team_id])
    for teams_of in out.values():  # Team's Meta ordering, as teams_of_household's queryset gives
        teams_of.sort(key=lambda t: (t.campaign_id, t.code))
    return out


def team_of_enumerator(teams: Iterable[Team], enumerator: Enumerator) -> Team | None:
    """The first of `teams` the enumerator is a member of, else None."""
    for team in teams:
        if enumerator.pk in (team.experienced_member_id, team.new_member_id):
            return team
    return None


def enumerator_team_for(
    campaign: Campaign, enumerator: Enumerator, household: Household
) -> Team | None:
    """The enumerator's team if it is assigned to the household, else None."""
    return team_of_enumerator(teams_of_household(campaign, household), enumerator)


def expert_assigned(campaign: Campaign, expert: Expert, county: Region) -> bool:
    return ExpertCounty.objects.filter(
        assignment=_run_in_force(campaign, "expert"), expert=expert, county=county
    ).exists()


def expert_user_assigned(campaign: Campaign, user_id: object, county: Region) -> bool:
    """Whether the expert profile of the user is assigned to the county by the run in force."""
    return ExpertCounty.objects.filter(
        assignment=_run_in_force(campaign, "expert"), expert__user_id=user_id, county=county
    ).exists()
