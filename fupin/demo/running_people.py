"""Simulated evaluators of a simulated assessment, and their assignment by the avoidance solver (三回避)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from fupin.accounts.models import Membership, Role
from fupin.assessments.engine import assignment as solver
from fupin.assessments.engine import assignment_rules as rules
from fupin.assessments.models import (
    Campaign,
    CountyOfficer,
    Enumerator,
    Expert,
    Institution,
    Team,
)
from fupin.assessments.services import assignment_record, team_create
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


def _users(prefix: str, specs: Sequence[tuple[str, str]]) -> list[User]:
    """Create users (username suffix, role) in bulk, each with one role row."""
    made = []
    for suffix, _ in specs:
        u = User(username=f"{prefix}-{suffix}", is_active=True)
        u.set_unusable_password()
        made.append(u)
    User.objects.bulk_create(made)
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in made])}
    Membership.objects.bulk_create(
        Membership(user_id=by_name[f"{prefix}-{s}"].pk, role=Role(role)) for s, role in specs
    )
    return [by_name[f"{prefix}-{s}"] for s, _ in specs]


@transaction.atomic
def people_create(campaign: Campaign, counties: Sequence[Region]) -> People:
    """Institutions, experts and enumerators for `counties`, mostly from other provinces.

    A few come from the counties' own province (or took part in its own assessment), so that
    the solver has someone to keep away.  Institutions are shared across campaigns (by name);
    people are new for each campaign, named sim<campaign>-….
    """
    provinces = sorted({c.province_code for c in counties})
    k = len(counties)
    others = [(n, p) for n, p in INSTITUTION_POOL if p not in provinces]
    same = [(n, p) for n, p in INSTITUTION_POOL if p in provinces][:1]
    if not same:
        same = [(f"{rules.province_name(provinces[0])}社会科学院", provinces[0])]
    n_other = min(len(others), max(2, math.ceil(k / 4)))
    pool = others[:n_other] + same
    institutions = [
        Institution.objects.get_or_create(name=n, defaults={"province_code": p})[0] for n, p in pool
    ]
    home = provinces[0]
    per_side = TEAMS_PER_COUNTY * math.ceil(k / n_other) + 1
    prefix = f"sim{campaign.pk}"

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

    specs = [(f"enum-{i:04d}", Role.ENUMERATOR.value) for i in range(len(enum_rows))]
    specs += [(f"expert-{i:03d}", Role.LEAD_EXPERT.value) for i in range(len(expert_rows))]
    specs += [(f"group-{i:02d}", Role.EXPERT_GROUP.value) for i in range(len(group_rows))]
    specs += [(f"dept-{i:02d}", Role.DEPARTMENT.value) for i in range(2)]
    specs += [("wg-01", Role.WORKING_GROUP.value)]
    specs += [(f"officer-{c.code[:6]}", Role.COUNTY_OFFICER.value) for c in counties]
    users = _users(prefix, specs)
    it = iter(users)
    enum_users = [next(it) for _ in enum_rows]
    expert_users = [next(it) for _ in expert_rows]
    group_users = [next(it) for _ in group_rows]
    department = [next(it) for _ in range(2)]
    working_group = next(it)
    officer_users = [next(it) for _ in counties]

    Enumerator.objects.bulk_create(
        Enumerator(
            name=_name(i),
            employer_province=p,
            experienced=exp,
            took_part_in=took,
            institution=inst,
            user=u,
        )
        for i, ((inst, exp, p, took), u) in enumerate(zip(enum_rows, enum_users, strict=True))
    )
    Expert.objects.bulk_create(
        Expert(
            name=_name(1000 + i), employer_province=p, experienced=exp, took_part_in=took, user=u
        )
        for i, ((p, exp, took), u) in enumerate(zip(expert_rows, expert_users, strict=True))
    )
    Expert.objects.bulk_create(
        Expert(
            name=_name(2000 + i), employer_province=p, experienced=True, took_part_in=took, user=u
        )
        for i, ((p, took), u) in enumerate(zip(group_rows, group_users, strict=True))
    )
    CountyOfficer.objects.bulk_create(
        CountyOfficer(user=u, county=c) for u, c in zip(officer_users, counties, strict=True)
    )
    by_user = {u.pk: u for u in users}
    enumerators = list(Enumerator.objects.filter(user__in=enum_users).order_by("pk"))
    experts = list(Expert.objects.filter(user__in=expert_users).order_by("pk"))
    expert_group = list(Expert.objects.filter(user__in=group_users).order_by("pk"))
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


def _engine_enumerator(e: Enumerator) -> rules.Enumerator:
    return rules.Enumerator(
        id=str(e.pk),
        name=e.name,
        home_province=e.employer_province,
        experienced=e.experienced,
        took_part_in=frozenset(e.took_part_in),
        institution_id=str(e.institution_id or ""),
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
    """Institutions → counties, experts → counties, teams → households by the CP-SAT solver; record it.

    `households` maps each county code (12 digits) to its sampled households.  The solver's
    seed is derived from the campaign seed (CP-SAT takes a 31-bit seed) and recorded; `now`:
    the simulated time recorded.
    """
    rng_seed = int(seed) % (2**31 - 1)
    tasks = [
        rules.CountyTask(
            code=c.code, province=c.province_code, households=len(households[c.code]), name=c.name
        )
        for c in counties
    ]
    inst_by_id = {str(i.pk): i for i in people.institutions}
    engine_institutions = [
        rules.Institution(id=str(i.pk), name=i.name, province=i.province_code)
        for i in people.institutions
    ]
    held = solver.assign_institutions(engine_institutions, tasks, rng_seed=rng_seed)
    expert_by_id = {str(e.pk): e for e in people.experts}
    experts = solver.assign_experts(
        [_engine_expert(e) for e in people.experts],
        held,
        rng_seed=rng_seed,
        experts_per_county=EXPERTS_PER_COUNTY,
    )
    enum_by_id = {str(e.pk): e for e in people.enumerators}
    plan = solver.form_teams(
        [_engine_enumerator(e) for e in people.enumerators], rng_seed=rng_seed, assignment=held
    )
    teams: dict[str, Team] = {}
    for t in plan.teams:
        teams[t.id] = team_create(
            campaign=campaign,
            code=t.id,
            institution=inst_by_id[t.institution_id],
            experienced=enum_by_id[t.mentor.id],
            new=enum_by_id[t.newcomer.id],
            user=people.working_group,
            now=now,
        )
    by_no = {h.household_no: h for hs in households.values() for h in hs}
    team_of_no = solver.assign_households(
        plan.teams,
        {code: [h.household_no for h in hs] for code, hs in households.items()},
        plan.county_of_team,
        rng_seed=rng_seed,
    )
    region_of = {c.code: c for c in counties}
    assignment_record(
        campaign=campaign,
        seed=rng_seed,
        institutions=[(inst_by_id[i], region_of[code]) for code, i in held.institution_of.items()],
        experts=[
            (expert_by_id[e], region_of[code])
            for code, ids in experts.experts_of.items()
            for e in ids
        ],
        teams=[(teams[t], by_no[no]) for no, t in team_of_no.items()],
        solver="OR-Tools CP-SAT",
        note=(
            f"模拟评估：种子 {seed}，求解种子 {rng_seed}；assign_institutions、assign_experts、"
            "form_teams、assign_households"
        ),
        user=people.working_group,
        now=now,
    )
    return Staffing(
        experts_of={
            code: [expert_by_id[e] for e in ids] for code, ids in experts.experts_of.items()
        },
        team_of={no: teams[t] for no, t in team_of_no.items()},
        teams=list(teams.values()),
        solver_seed=rng_seed,
    )


def expert_group_member(people: People, county: Region) -> Expert:
    """The first expert-group member who need not stand aside for the county (三回避)."""
    task = rules.CountyTask(code=county.code, province=county.province_code, households=0)
    for e in people.expert_group:
        if not rules.expert_exclusions(_engine_expert(e), task):
            return e
    raise RuntimeError(f"no expert-group member may judge {county.name}")  # pragma: no cover
