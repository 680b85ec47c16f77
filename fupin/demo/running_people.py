"""Simulated evaluators of a simulated assessment, and their assignment by the avoidance solver (三回避)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant, working_group_add
from fupin.assessments.engine import assignment_rules as rules
from fupin.assessments.models import (
    Campaign,
    Enumerator,
    Expert,
    Institution,
    Team,
)
from fupin.assessments.services.assignment import (
    SEED_LIMIT,
    AssignmentPool,
    assignment_run,
    drawn_households,
)
from fupin.assessments.services.campaign_roles import campaign_role_grant
from fupin.assessments.services.roster import (
    EvaluatorSpec,
    evaluators_register,
    institution_register,
)
from fupin.regions.models import Region
from fupin.registry.models import Household

# Real bodies that took part in the 2016-2020 assessments (DOMAIN §6), with their provinces.
INSTITUTION_POOL: tuple[tuple[str, str], ...] = (
    ("北京师范大学", "11"),
    ("中国人民大学", "11"),
    ("华中科技大学", "42"),
    ("中山大学", "44"),
    ("南京农业大学", "32"),
    ("浙江大学", "33"),
    ("山东大学", "37"),
    ("厦门大学", "35"),
    ("武汉大学", "42"),
    ("中国农业大学", "11"),
    ("四川大学", "51"),
    ("西北大学", "61"),
    ("郑州大学", "41"),
    ("湖南农业大学", "43"),
    ("兰州大学", "62"),
    ("云南大学", "53"),
    ("贵州大学", "52"),
    ("西南大学", "50"),
)
TEAMS_PER_COUNTY = 4
EXPERTS_PER_COUNTY = 2
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯于董萧"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志红建国文斌"


def _name(i: int) -> str:
    return (
        _SURNAMES[i % len(_SURNAMES)]
        + _GIVEN[(i * 7) % len(_GIVEN)]
        + _GIVEN[(i * 13 + 5) % len(_GIVEN)]
    )


@dataclass
class People:
    """Everyone the simulated campaign needs, with their logins (unusable passwords)."""

    institutions: list[Institution]
    experts: list[Expert]
    enumerators: list[Enumerator]
    expert_group: list[Expert]
    department: list[User]
    working_group: User
    officers: dict[str, User]  # county code (12 digits) -> officer
    users: dict[int, User]  # user id -> user, for the evaluators' logins

    def user_of(self, evaluator: Expert | Enumerator) -> User:
        assert evaluator.user_id is not None
        return self.users[evaluator.user_id]


# Who gives the simulated staff who are not evaluators their roles (no one of the campaign can).
SIMULATION = "模拟评估"


def _users(prefix: str, suffixes: Sequence[str]) -> list[User]:
    """Create the logins (username suffixes) in bulk, without a role: each role is given by the
    service that gives it."""
    made = []
    for suffix in suffixes:
        u = User(username=f"{prefix}-{suffix}", is_active=True)
        u.set_unusable_password()
        made.append(u)
    User.objects.bulk_create(made)
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in made])}
    return [by_name[f"{prefix}-{s}"] for s in suffixes]


def _institution(name: str, province: str, working_group: User, now: dt.datetime) -> Institution:
    """The institution of that name (shared across campaigns), registered by the working group
    the first time."""
    found = Institution.objects.filter(name=name).first()
    if found is not None:
        return found
    return institution_register(name=name, province=province, user=working_group, now=now)


@transaction.atomic
def people_create(campaign: Campaign, counties: Sequence[Region]) -> People:
    """Institutions, experts and enumerators for `counties`, mostly from other provinces.

    A few come from the counties' own province (or took part in its own assessment), so that
    the solver has someone to keep away.  Institutions are shared across campaigns (by name);
    people are new for each campaign, named sim<campaign>-….  The working group registers them
    through the registration services the evaluators page uses (`institution_register`,
    `evaluators_register`), each with a login; every simulated evaluator has passed the exam.
    The roles are given by the services that give them: the working group's (tied to the
    campaign), the department checkers' and the expert group's by the working group
    (`campaign_role_grant`); the lead experts' after the assignment (`staff_assign`).
    Their logins get no one-time password (hashing one costs about a second): the demo's
    accounts step gives the ones it lists the demo password. They are registered at the
    campaign's creation time (the simulated clock's, when the run has one).
    """
    now = campaign.created_at
    provinces = sorted({c.province_code for c in counties})
    k = len(counties)
    prefix = f"sim{campaign.pk}"
    suffixes = [f"dept-{i:02d}" for i in range(2)] + ["wg-01"]
    suffixes += [f"officer-{c.code[:6]}" for c in counties]
    staff = _users(prefix, suffixes)
    department, working_group, officer_users = staff[:2], staff[2], staff[3:]
    working_group_add(campaign=campaign, user=working_group, actor=SIMULATION, now=now)
    for person in department:
        campaign_role_grant(
            campaign, user=working_group, person=person, role=Role.DEPARTMENT, now=now
        )
    for person, county in zip(officer_users, counties, strict=True):
        membership_grant(
            user=person, role=Role.COUNTY_OFFICER, region=county, actor=SIMULATION, now=now
        )

    others = [(n, p) for n, p in INSTITUTION_POOL if p not in provinces]
    same = [(n, p) for n, p in INSTITUTION_POOL if p in provinces][:1]
    if not same:
        same = [(f"{rules.province_name(provinces[0])}社会科学院", provinces[0])]
    n_other = min(len(others), max(2, math.ceil(k / 4)))
    pool = others[:n_other] + same
    institutions = [_institution(n, p, working_group, now) for n, p in pool]
    home = provinces[0]
    per_side = TEAMS_PER_COUNTY * math.ceil(k / n_other) + 1

    # Enumerators: per institution `per_side` experienced and as many new ones from its own
    # province, plus one of each from the counties' province (who must stand aside there).
    enum_rows: list[tuple[Institution, bool, str, list[str]]] = []
    for inst in institutions:
        sides = 2 if inst.province_code in provinces else per_side
        for experienced in (True, False):
            for j in range(sides):
                took = [home] if (experienced and j == 1) else []
                enum_rows.append((inst, experienced, inst.province_code, took))
            if inst.province_code not in provinces:
                enum_rows.append((inst, experienced, home, []))
    n_experts = max(4, math.ceil(EXPERTS_PER_COUNTY * k / 3) + 2)
    expert_provinces = [p for _, p in others] or ["11"]
    expert_rows: list[tuple[str, bool, list[str]]] = [
        (expert_provinces[i % len(expert_provinces)], i % 2 == 0, []) for i in range(n_experts)
    ]
    expert_rows += [(home, True, []), (expert_provinces[0], True, [home])]
    group_rows: list[tuple[str, list[str]]] = [
        (home, []),
        (expert_provinces[0], [home]),
        (expert_provinces[-1], []),
        (expert_provinces[len(expert_provinces) // 2], []),
    ]

    evaluators = [
        EvaluatorSpec(
            kind="enumerator",
            name=_name(i),
            employer_province=p,
            institution=inst,
            took_part_in=tuple(took),
            experienced=exp,
            exam_passed=True,
            username=f"{prefix}-enum-{i:04d}",
        )
        for i, (inst, exp, p, took) in enumerate(enum_rows)
    ]
    evaluators += [
        EvaluatorSpec(
            kind="expert",
            name=_name(1000 + i),
            employer_province=p,
            took_part_in=tuple(took),
            experienced=exp,
            exam_passed=True,
            username=f"{prefix}-expert-{i:03d}",
        )
        for i, (p, exp, took) in enumerate(expert_rows)
    ]
    evaluators += [
        EvaluatorSpec(
            kind="expert",
            name=_name(2000 + i),
            employer_province=p,
            took_part_in=tuple(took),
            experienced=True,
            exam_passed=True,
            username=f"{prefix}-group-{i:02d}",
        )
        for i, (p, took) in enumerate(group_rows)
    ]
    logins = evaluators_register(
        evaluators, user=working_group, passwords=False, reason="模拟评估的评估人员", now=now
    )
    n_enum, n_expert = len(enum_rows), len(expert_rows)
    enumerators = [lg.evaluator for lg in logins[:n_enum]]
    experts = [lg.evaluator for lg in logins[n_enum : n_enum + n_expert]]
    expert_group = [lg.evaluator for lg in logins[n_enum + n_expert :]]
    # The expert group, given by the working group (the lead experts once they are assigned).
    by_user = {u.pk: u for u in staff}
    by_user |= {
        u.pk: u for u in User.objects.filter(pk__in=[lg.evaluator.user_id for lg in logins])
    }
    for e in expert_group:
        assert e.user_id is not None
        campaign_role_grant(
            campaign, user=working_group, person=by_user[e.user_id], role=Role.EXPERT_GROUP, now=now
        )
    return People(
        institutions=institutions,
        experts=experts,
        enumerators=enumerators,
        expert_group=expert_group,
        department=department,
        working_group=working_group,
        officers={c.code: u for c, u in zip(counties, officer_users, strict=True)},
        users=by_user,
    )


# --- assignment -------------------------------------------------------------------------------


def _engine_expert(e: Expert) -> rules.Expert:
    return rules.Expert(
        id=str(e.pk),
        name=e.name,
        employer_province=e.employer_province,
        experienced=e.experienced,
        took_part_in=frozenset(e.took_part_in),
        institution_id=str(e.institution_id) if e.institution_id else None,
    )


@dataclass
class Staffing:
    """Who works where: each county's experts (lead first), and the team of each household."""

    experts_of: dict[str, list[Expert]]  # county code -> experts, the experienced lead first
    team_of: dict[str, Team]  # household_no -> team
    teams: list[Team]
    solver_seed: int


def staff_assign(
    *,
    campaign: Campaign,
    people: People,
    counties: Sequence[Region],
    households: Mapping[str, Sequence[Household]],
    seed: int,
    now: dt.datetime | None = None,
) -> Staffing:
    """Institutions → counties, experts → counties, teams → households: the working group's
    `assignment_run` (the assignments page's service), with the simulated people as its pool.

    `households` maps each county code (12 digits) to the households the demo drew; the service
    reads the recorded draws, which must be the same. The solver's seed is the campaign seed
    (CP-SAT takes a 31-bit seed); `now`: the simulated time recorded.
    """
    recorded = drawn_households(campaign)
    for county in counties:
        if set(recorded.get(county.code, ())) != {h.household_no for h in households[county.code]}:
            raise RuntimeError(f"{county.name}：记录的抽户结果与模拟抽取的不一致")
    run = assignment_run(
        campaign,
        user=people.working_group,
        seed=seed,
        pool=AssignmentPool(
            institutions=people.institutions,
            experts=people.experts,
            enumerators=people.enumerators,
        ),
        experts_per_county=EXPERTS_PER_COUNTY,
        note=(
            f"模拟评估：种子 {seed}，求解种子 {int(seed) % SEED_LIMIT}；assign_institutions、"
            "assign_experts、form_teams、assign_households"
        ),
        now=now,
    )
    # Each county's lead expert (the first of its experts, the experienced one), given the role by
    # the working group now that the assignment places them.
    leads = {experts[0].pk: experts[0] for experts in run.experts_of.values() if experts}
    for lead in leads.values():
        campaign_role_grant(
            campaign,
            user=people.working_group,
            person=people.user_of(lead),
            role=Role.LEAD_EXPERT,
            now=now,
        )
    return Staffing(
        experts_of=run.experts_of,
        team_of=run.team_of,
        teams=run.teams,
        solver_seed=run.seed,
    )


def expert_group_member(people: People, county: Region) -> Expert:
    """The first expert-group member who need not stand aside for the county (三回避)."""
    task = rules.CountyTask(code=county.code, province=county.province_code, households=0)
    for e in people.expert_group:
        if not rules.expert_exclusions(_engine_expert(e), task):
            return e
    raise RuntimeError(f"no expert-group member may judge {county.name}")  # pragma: no cover
