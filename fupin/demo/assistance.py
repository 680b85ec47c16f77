"""Synthetic help for a synthetic county: units, work teams, cadres, the three ledgers and projects.

So that the demo's 双到 pages, village charts and data checks have something real to show, with a
few gaps planted on purpose (a poor household without a cadre, a plan without measures, no visit
this year, a poor village without a work team). Written in bulk with one audit row for the load,
as the synthetic registry is; random numbers come from the seed passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry, Membership, PersonProfile, Role
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
    TeamRole,
    UnitKind,
    VillagePairing,
    VisitLog,
    WorkTeam,
    WorkTeamMember,
)
from fupin.regions.models import Level, Region
from fupin.registry.models import Household, Status

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国志强海燕红梅文军永平玉兰明亮春花国庆秀英德华"
UNITS = [
    ("省{}厅", UnitKind.GOVERNMENT),
    ("{}供电公司", UnitKind.STATE_FIRM),
    ("{}大学", UnitKind.UNIVERSITY),
    ("市{}局", UnitKind.GOVERNMENT),
    ("{}人民医院", UnitKind.INSTITUTION),
]
UNIT_WORDS = "交通水利教育农业财政卫健商务林业"


@dataclass(frozen=True)
class AssistanceCounts:
    units: int
    work_teams: int
    cadres: int
    pairings: int
    plans: int
    measures: int
    visits: int
    projects: int


def _name(rng: np.random.Generator) -> str:
    return str(rng.choice(list(SURNAMES))) + "".join(rng.choice(list(GIVEN), size=2))


@transaction.atomic
def assistance_load_synthetic(*, county: Region, seed: int, year: int) -> AssistanceCounts:
    """Build the county's help as of `year`; refuses to run twice for one county."""
    prefix = county.prefix
    if HouseholdPairing.objects.filter(household__village__code__startswith=prefix).exists():
        raise ValueError(f"{county.name}已有帮扶数据")
    rng = np.random.default_rng([seed, int(county.code[:6]), 853])
    villages = list(
        Region.objects.filter(
            code__startswith=prefix, level=Level.VILLAGE, is_poor_village=True
        ).order_by("code")
    )
    start = dt.date(2016, 1, 1)

    units = [
        HelpingUnit.objects.create(
            name=f"{pattern.format(UNIT_WORDS[2 * i % len(UNIT_WORDS) :][:2])}（{county.name}帮扶）",
            kind=kind,
            region=county,
        )
        for i, (pattern, kind) in enumerate(UNITS)
    ]
    # Every poor village but the last gets a unit and a work team (the last is a planted gap).
    teams = []
    for i, village in enumerate(villages):
        unit = units[i % len(units)]
        VillagePairing.objects.create(unit=unit, village=village, start=start)
        if i == len(villages) - 1 and len(villages) > 1:
            continue
        team = WorkTeam.objects.create(village=village, unit=unit, start=start)
        teams.append(team)
        WorkTeamMember.objects.bulk_create(
            [
                WorkTeamMember(team=team, name=_name(rng), role=role, start=start)
                for role in (TeamRole.LEADER, TeamRole.FIRST_SECRETARY, TeamRole.MEMBER)
            ]
        )

    households = list(
        Household.objects.filter(village__code__startswith=prefix, registered=True)
        .select_related("village")
        .order_by("household_no")
    )
    helped = [h for h in households if h.status in (Status.POOR, Status.RETURNED, Status.EXITED)]
    # About 2% of poor households have no cadre yet (a planted gap for the warnings).
    unpaired = {h.pk for h in helped if h.status != Status.EXITED and rng.random() < 0.02}
    paired = [h for h in helped if h.pk not in unpaired]
    user_model = get_user_model()
    n_cadres = max(1, len(paired) // 5 + 1)
    cadres = user_model.objects.bulk_create(
        [
            user_model(
                username=f"cadre-{county.code[:6]}-{i:04d}",
                first_name=_name(rng),
                password=make_password(None),
            )  # no login until an administrator sets one
            for i in range(n_cadres)
        ]
    )
    # Each cadre belongs to the village of their first household (the county if none), so that
    # the county office sees them on its people pages and can hand out their passwords.
    homes = [paired[k].village if k < len(paired) else county for k in range(n_cadres)]
    Membership.objects.bulk_create(
        [
            Membership(user=c, role=Role.HELPING_CADRE, region=home)
            for c, home in zip(cadres, homes, strict=True)
        ]
    )
    PersonProfile.objects.bulk_create(
        [
            PersonProfile(user=c, region=home, unit=units[k % len(units)].name, post="帮扶责任人")
            for k, (c, home) in enumerate(zip(cadres, homes, strict=True))
        ]
    )
    pairings = [
        HouseholdPairing(
            household=h, cadre=cadres[i % n_cadres], unit=units[i % len(units)], start=start
        )
        for i, h in enumerate(paired)
    ]
    HouseholdPairing.objects.bulk_create(pairings)

    plans, measures, visits = [], [], []
    kinds = list(MeasureKind.values)
    for i, h in enumerate(paired):
        cadre = cadres[i % n_cadres]
        target = h.exited_year or int(rng.integers(year, 2021))
        plans.append(
            ExitPlan(
                household=h,
                target_year=target,
                income_target=Decimal(int(rng.integers(4000, 7000))),
                targets="发展产业、稳定就业，实现两不愁三保障",
            )
        )
        if rng.random() >= 0.03:  # about 3% have a plan but no measures (planted)
            for _ in range(int(rng.integers(1, 4))):
                kind = str(rng.choice(kinds))
                measures.append(
                    AssistanceMeasure(
                        household=h,
                        kind=kind,
                        description=f"{MeasureKind(kind).label}帮扶",
                        amount=Decimal(int(rng.integers(5, 80)) * 100),
                        start_date=dt.date(
                            int(rng.integers(2016, year + 1)), int(rng.integers(1, 13)), 1
                        ),
                        recorded_by=cadre,
                    )
                )
        last = year if rng.random() >= 0.08 else year - 1  # about 8% not visited this year
        for v in range(int(rng.integers(2, 6))):
            visits.append(
                VisitLog(
                    household=h,
                    date=dt.date(
                        last if v == 0 else int(rng.integers(2016, last + 1)),
                        int(rng.integers(1, 13)),
                        int(rng.integers(1, 28)),
                    ),
                    visitor=cadre,
                    visitor_name=cadre.first_name,
                    content="入户走访，核实收入，宣讲政策",
                )
            )
    ExitPlan.objects.bulk_create(plans)
    AssistanceMeasure.objects.bulk_create(measures)
    VisitLog.objects.bulk_create(visits)

    projects = []
    for i, village in enumerate(villages[:8]):
        kind = (MeasureKind.INDUSTRY, MeasureKind.HOUSING, MeasureKind.EMPLOYMENT)[i % 3]
        project = Project.objects.create(
            name=f"{village.name}{MeasureKind(kind).label}项目",
            region=village,
            kind=kind,
            year=int(rng.integers(2016, year + 1)),
            unit=units[i % len(units)],
            progress=100 if i % 4 else int(rng.integers(30, 90)),
            completed_on=dt.date(year, 10, 1) if i % 4 else None,
            description=f"{village.name}{MeasureKind(kind).label}",
        )
        projects.append(project)
        FundAllocation.objects.bulk_create(
            [
                FundAllocation(
                    project=project, source=source, amount=Decimal(int(rng.integers(5, 60)) * 10000)
                )
                for source in (FundSource.CENTRAL, FundSource.PROVINCE, FundSource.EASTERN_AID)
            ]
        )
        members = [h for h in paired if h.village_id == village.pk][:15]
        ProjectBeneficiary.objects.bulk_create(
            [
                ProjectBeneficiary(
                    project=project,
                    household=h,
                    amount=Decimal(int(rng.integers(5, 30)) * 100),
                    note="入股分红",
                )
                for h in members
            ]
        )
    counts = AssistanceCounts(
        units=len(units),
        work_teams=len(teams),
        cadres=n_cadres,
        pairings=len(pairings),
        plans=len(plans),
        measures=len(measures),
        visits=len(visits),
        projects=len(projects),
    )
    audit_record(
        actor=None,
        actor_label="synth",
        action=AuditEntry.Action.IMPORT,
        obj=None,
        model="Assistance",
        key=county.code[:6],
        after=counts.__dict__,
        reason="合成帮扶数据批量生成（每县一条审计记录）",
    )
    return counts
