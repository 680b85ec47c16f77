"""The people of the 3342 chain over 东街村 (岷县, 定西市, 甘肃省) and a poor household ready to exit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.exits.models import ExitCase
from fupin.exits.services import exit_case_open, exit_case_transition, signature_add
from fupin.exits.signoff import capacity_posts
from fupin.exits.workflows import CAPACITIES, SIGNOFF_CHAINS, ExitStatus, SignerKind
from fupin.regions.models import Level
from fupin.registry.models import EventKind, Household
from fupin.registry.services import household_record_event, household_update
from fupin.testing.posts import post_give

EXIT_YEAR = 2019
NOTICE_START = dt.date(2019, 11, 1)
NOTICE_END = dt.date(2019, 11, 7)
EXIT_DATE = dt.date(2019, 12, 20)

# level → (role, region code) of its officers; one officer per office capacity.
OFFICES = {
    Level.VILLAGE: (Role.VILLAGE_OFFICE, "621126100001"),
    Level.TOWNSHIP: (Role.TOWNSHIP_OFFICE, "621126100000"),
    Level.COUNTY: (Role.COUNTY_OFFICE, "621126000000"),
    Level.CITY: (Role.CITY_OFFICE, "621100000000"),
    Level.PROVINCE: (Role.PROVINCE_OFFICE, "620000000000"),
}


@dataclass
class Chain:
    """Officers by level: `signers[level][capacity]` is the user who signs in that capacity, the
    holder of its post (the village's party secretary for the village's leaders)."""

    signers: dict[str, dict[str, AbstractBaseUser]] = field(default_factory=dict)
    office: dict[str, AbstractBaseUser] = field(default_factory=dict)  # one officer per level
    neighbour_county: AbstractBaseUser | None = None

    def sign(self, case: ExitCase, level: str, capacity: str | None = None) -> None:
        """Sign `level` in one capacity, or in every capacity not yet signed."""
        for cap in CAPACITIES[level]:
            if capacity is not None and cap.code != capacity:
                continue
            signature_add(
                case=case, level=level, capacity_code=cap.code, user=self.signers[level][cap.code]
            )

    def sign_through(self, case: ExitCase, top: str) -> None:
        """Sign every level of the case's chain from the bottom up to and including `top`."""
        for level in SIGNOFF_CHAINS[case.kind]:
            self.sign(case, level)
            if level == top:
                return


def _user(username: str) -> AbstractBaseUser:
    return get_user_model().objects.create_user(username=username)  # no password: no slow hashing


@pytest.fixture
def chain(gansu_village) -> Chain:
    c = Chain()
    for level, (role, code) in OFFICES.items():
        c.signers[level] = {}
        caps = CAPACITIES.get(level, ())
        for i, cap in enumerate(caps):
            # The household's own signature is taken by the village's first officer.
            if cap.signer == SignerKind.HOUSEHOLD:
                c.signers[level][cap.code] = c.signers[level][caps[0].code]
                continue
            u = _user(f"{level}_{i}")
            membership_grant(user=u, role=role, region=code)
            post_give(u, code, capacity_posts(cap.code)[0])
            c.signers[level][cap.code] = u
        if not caps:
            u = _user(f"{level}_0")
            membership_grant(user=u, role=role, region=code)
            c.signers[level]["officer"] = u
        c.office[level] = next(iter(c.signers[level].values()))
    c.neighbour_county = _user("neighbour_county")
    membership_grant(user=c.neighbour_county, role=Role.COUNTY_OFFICE, region="621223000000")
    return c


@pytest.fixture
def poor_household(household: Household) -> Household:
    """`household` identified in 2018, with a 2019 income of 5000 yuan and every guarantee met."""
    household_record_event(
        household=household, kind=EventKind.IDENTIFIED, date=dt.date(2018, 3, 1), actor="test"
    )
    household_update(
        household=household,
        changes={"income_year": EXIT_YEAR, "income_per_capita": 5000.0, "income_total": 5000.0},
        actor="test",
    )
    household.refresh_from_db()
    return household


@pytest.fixture
def case(poor_household: Household, chain: Chain) -> ExitCase:
    return exit_case_open(
        kind="household",
        household=poor_household,
        user=chain.office[Level.VILLAGE],
        opinion="村民代表会议评议通过",
        evidence=["评议会议记录.pdf"],
        date=dt.date(2019, 10, 20),
    )


def to_noticed(case: ExitCase, chain: Chain) -> ExitCase:
    """Take a household case through verification, agreement and a clean notice."""
    v = chain.office[Level.VILLAGE]
    exit_case_transition(
        case=case,
        to=ExitStatus.VERIFIED,
        user=v,
        opinion="入户核实属实",
        date=dt.date(2019, 10, 25),
    )
    exit_case_transition(
        case=case,
        to=ExitStatus.AGREED,
        user=v,
        evidence=["户认可书.jpg"],
        date=dt.date(2019, 10, 28),
    )
    start_notice(case, chain)
    exit_case_transition(case=case, to=ExitStatus.NOTICED, user=v, date=dt.date(2019, 11, 8))
    case.refresh_from_db()
    return case


def start_notice(case: ExitCase, chain: Chain) -> None:
    exit_case_transition(
        case=case,
        to=ExitStatus.IN_NOTICE,
        user=chain.office[Level.VILLAGE],
        notice_start=NOTICE_START,
        notice_end=NOTICE_END,
        date=NOTICE_START,
    )


@pytest.fixture
def noticed_case(case: ExitCase, chain: Chain) -> ExitCase:
    return to_noticed(case, chain)
