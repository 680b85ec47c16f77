"""The three 双到 warnings: poor household without a cadre, cadre over the province's limit, poor
village without a work team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fupin.assistance.models import ProvincePolicy, TeamRole
from fupin.assistance.services import (
    AssistanceError,
    TeamMemberInput,
    WarningKind,
    assistance_warnings,
    pairing_household_create,
    pairing_work_team_create,
)
from fupin.assistance.tests.conftest import exit_on, identify, make_cadre
from fupin.regions.models import Region
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

COUNTY = "621126000000"


def _kinds(region: Region, **kwargs: object) -> list[tuple[str, str]]:
    return [
        (
            w.kind,
            w.household.household_no
            if w.household
            else w.village.code
            if w.village
            else w.cadre.get_username(),
        )
        for w in assistance_warnings(region=region, **kwargs)
    ]


def test_a_poor_household_without_a_cadre_is_warned(world: World) -> None:
    county = Region.objects.get(code=COUNTY)
    identify(world.household)
    identify(world.other_household)
    rows = [
        w
        for w in assistance_warnings(region=county)
        if w.kind == WarningKind.HOUSEHOLD_WITHOUT_CADRE
    ]
    assert [w.household for w in rows] == [world.other_household]  # world.household is paired
    assert "没有帮扶责任人" in rows[0].message and "马家沟村" in rows[0].message


def test_an_unidentified_or_long_exited_household_is_not_warned(world: World) -> None:
    county = Region.objects.get(code=COUNTY)
    assert WarningKind.HOUSEHOLD_WITHOUT_CADRE not in [k for k, _ in _kinds(county)]
    exit_on(world.other_household, dt.date(2018, 12, 1))
    assert WarningKind.HOUSEHOLD_WITHOUT_CADRE not in [k for k, _ in _kinds(county)]


def test_a_recently_exited_household_without_a_cadre_is_warned(world: World) -> None:
    county = Region.objects.get(code=COUNTY)
    exit_on(world.other_household, timezone.localdate() - dt.timedelta(days=365))
    rows = [
        w
        for w in assistance_warnings(region=county)
        if w.kind == WarningKind.HOUSEHOLD_WITHOUT_CADRE
    ]
    assert [w.household for w in rows] == [world.other_household]
    assert "脱贫户" in rows[0].message


def test_a_cadre_over_the_provinces_limit_is_warned(world: World) -> None:
    county = Region.objects.get(code=COUNTY)
    cadre = make_cadre("孙干部")
    pairing_household_create(
        household=world.other_household, cadre=cadre, start=dt.date(2017, 1, 1), actor="t"
    )
    pairing_household_create(
        household=world.neighbour_household, cadre=cadre, start=dt.date(2017, 1, 1), actor="t"
    )
    assert WarningKind.CADRE_OVER_LIMIT not in [k for k, _ in _kinds(county)]  # default 5
    ProvincePolicy.objects.create(
        province=Region.objects.get(code="620000000000"), max_households_per_cadre=1
    )
    rows = [w for w in assistance_warnings(region=county) if w.kind == WarningKind.CADRE_OVER_LIMIT]
    assert [(w.cadre, w.count, w.limit) for w in rows] == [(cadre, 2, 1)]
    assert rows[0].message == "帮扶责任人 孙干部 结对 2 户，超过本省规定的 1 户"


def test_a_poor_village_without_a_work_team_is_warned_until_one_is_stationed(world: World) -> None:
    village = world.household.village
    county = Region.objects.get(code=COUNTY)
    assert (WarningKind.VILLAGE_WITHOUT_TEAM, village.code) in _kinds(county)
    # 马家沟村 is not a poor village: no warning for it.
    assert (WarningKind.VILLAGE_WITHOUT_TEAM, world.other_household.village.code) not in _kinds(
        county
    )
    pairing_work_team_create(
        village=village,
        start=dt.date(2016, 1, 1),
        actor="t",
        members=[
            TeamMemberInput("王队长", TeamRole.LEADER),
            TeamMemberInput("李书记", TeamRole.FIRST_SECRETARY),
        ],
    )
    assert (WarningKind.VILLAGE_WITHOUT_TEAM, village.code) not in _kinds(county)


def test_a_work_team_needs_exactly_one_leader(world: World) -> None:
    with pytest.raises(AssistanceError, match="队长"):
        pairing_work_team_create(
            village=world.household.village,
            start=dt.date(2016, 1, 1),
            actor="t",
            members=[TeamMemberInput("李书记", "first_secretary")],
        )


def test_warnings_for_a_user_cover_only_what_they_see(world: World) -> None:
    identify(world.other_household)
    county = Region.objects.get(code=COUNTY)
    cadre_view = _kinds(world.household.village, user=world.users["cadre"])
    assert all(key != world.other_household.household_no for _, key in cadre_view)
    officer_view = _kinds(county, user=world.users["county_officer"])
    assert (WarningKind.HOUSEHOLD_WITHOUT_CADRE, world.other_household.household_no) in officer_view
