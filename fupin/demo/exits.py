"""The demo's work in progress after the county's exit (issue #16): a household exit waiting for the
township's 3342 signatures, and the trainings and reduction target the after-exit page judges.

The demo county carries its historical exit year (永登县 摘帽 2018) and its poor villages their
own, so neither can be proposed again; a household still poor can. Everything goes through the
services the pages use, by the demo logins whose job it is (村 opens and signs, 县扶贫办 records
the trainings and the target); a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, Sum

from fupin.exits.models import ExitCase
from fupin.exits.services import exit_case_open, exit_case_transition, signature_add
from fupin.exits.workflows import ExitKind, ExitStatus
from fupin.monitoring.models import ReductionTarget, Training, TrainingLevel
from fupin.monitoring.services_after_exit import reduction_target_set, training_record
from fupin.regions.models import Region
from fupin.registry.models import Household, Status

# The case is a 2020 exit (the campaign's last year): the registry stands at 2019, so no exit it
# already holds falls in or after the first year of recorded exit notices.
EXIT_YEAR = 2020
STILL_POOR = (Status.POOR, Status.RETURNED)

# ((years after exit_year - 2, month, day), organiser after the county's name, topic, participants) of the county's cadre trainings around its exit: as
# many as before in the exit year, then one small session — "far below last year" (seed 004).
TRAININGS = (
    ((1, 3, 15), "扶贫办", "精准识别与建档立卡业务培训", 120),
    ((1, 9, 20), "委组织部", "驻村帮扶工作队队员培训", 85),
    ((2, 4, 10), "扶贫办", "脱贫退出程序与3342责任体系培训", 140),
    ((2, 10, 18), "委组织部", "帮扶责任人能力提升培训", 96),
    ((3, 6, 12), "扶贫办", "防止返贫监测业务培训", 24),
)


@dataclass(frozen=True)
class DemoExitWork:
    case: ExitCase | None
    trainings: int
    target: ReductionTarget | None


def demo_household(village: Region) -> Household | None:
    """The first household of `village` still poor (未脱贫 or 返贫), whose exit can be proposed."""
    return Household.objects.filter(village=village, status__in=STILL_POOR).order_by("id").first()


def demo_exit_work(*, village: Region, county: Region | None) -> DemoExitWork:
    """Open and walk the demo village's household exit, and record the county's after-exit records."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=_LOGINS)}
    case = _household_exit(village, users)
    trainings, target = 0, None
    office = users.get("xian")
    if county is not None and county.exit_year and office is not None:
        trainings = _trainings(county, county.exit_year, office)
        target = _target(county, county.exit_year + 1, office)
    return DemoExitWork(case, trainings, target)


_LOGINS = ("cun", "cun2", "xian")


def _household_exit(village: Region, users: dict[str, AbstractBaseUser]) -> ExitCase | None:
    """A still-poor household's exit, proposed, verified, agreed and publicly noticed by the
    village, signed by the village's three parties: the township's three signers see it waiting."""
    existing = ExitCase.objects.filter(kind=ExitKind.HOUSEHOLD, region=village).first()
    household = demo_household(village)
    if existing is not None or household is None or not {"cun", "cun2"} <= set(users):
        return existing
    village_office, team_leader = users["cun"], users["cun2"]

    def day(month: int, d: int) -> dt.date:
        return dt.date(EXIT_YEAR, month, d)

    case = exit_case_open(
        kind=ExitKind.HOUSEHOLD,
        household=household,
        user=village_office,
        opinion="村民代表大会民主评议，同意该户拟退出",
        evidence=["民主评议会议记录.pdf"],
        date=day(9, 10),
    )
    steps = (
        (ExitStatus.VERIFIED, "村两委和驻村工作队入户核实：收入稳定超过标准，两不愁三保障已实现"),
        (ExitStatus.AGREED, "户主签字认可退出"),
    )
    for (to, opinion), when in zip(steps, (day(9, 15), day(9, 20)), strict=True):
        exit_case_transition(case=case, to=to, user=village_office, opinion=opinion, date=when)
    exit_case_transition(
        case=case,
        to=ExitStatus.IN_NOTICE,
        user=village_office,
        opinion="在村务公开栏公示",
        notice_start=day(10, 8),
        notice_end=day(10, 14),
        date=day(10, 8),
    )
    exit_case_transition(
        case=case,
        to=ExitStatus.NOTICED,
        user=village_office,
        opinion="公示期满，无异议",
        date=day(10, 16),
    )
    for capacity, signer in (
        ("village_leaders", village_office),
        ("work_team_leader", team_leader),
        ("household", village_office),  # taken by the village officer under the head's name
    ):
        signature_add(case=case, level="village", capacity_code=capacity, user=signer)
    case.refresh_from_db()
    return case


def _trainings(county: Region, exit_year: int, office: AbstractBaseUser) -> int:
    if Training.objects.filter(county=county).exists():
        return 0
    for (offset, month, d), organiser, topic, people in TRAININGS:
        training_record(
            county=county,
            date=dt.date(exit_year - 2 + offset, month, d),
            level=TrainingLevel.COUNTY,
            organiser=f"{county.name}{organiser}",  # 永登县扶贫办, 永登县委组织部
            topic=topic,
            participants=people,
            user=office,
        )
    return len(TRAININGS)


def _target(county: Region, year: int, office: AbstractBaseUser) -> ReductionTarget | None:
    """The year after the exit's plan: every person still poor at the end of the exit year out
    (清零), the people of the households that exited that year or are still poor now."""
    existing = ReductionTarget.objects.filter(county=county, year=year).first()
    if existing is not None:
        return existing
    people = (
        Household.objects.filter(village__code__startswith=county.prefix)
        .filter(Q(exited_year=year) | Q(status__in=STILL_POOR))
        .aggregate(n=Sum("size"))["n"]
    )
    if not people:
        return None
    return reduction_target_set(
        county=county,
        year=year,
        people=int(people),
        user=office,
        source=f"{county.name}{year}年脱贫攻坚工作计划：剩余贫困人口全部脱贫",
    )
