"""The scope sources' flags (`accounts.scoping.user_flag`): read with the signed-in user in the
same query, they let a source skip its queries for a user it grants nothing, and they never make
a scope narrower than reading afresh: a new or removed liaison or enumerator takes effect on the
very next request, a write within a request drops them, and a user read elsewhere falls back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.accounts.backends import ThrottledModelBackend
from fupin.accounts.scoping import request_memo, scope_for, user_flag
from fupin.assessments.models import Campaign, Draw, DrawItem, DrawLevel, Enumerator
from fupin.assessments.selectors import RESULT_STATUSES, _campaigns_assessing, campaigns_for
from fupin.assistance.models import HelpingUnit, HelpingUnitMember
from fupin.assistance.services import pairing_village_create
from fupin.regions.models import Region
from fupin.registry.selectors import households_for, regions_for
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

HOUSEHOLD_PAGE = "/households/6211261000010001/"  # the world's household, in 东街村


def _queries_on(captured: CaptureQueriesContext, table: str) -> int:
    return sum(f'FROM "{table}"' in q["sql"] for q in captured.captured_queries)


def _signed_in(user: Any) -> Any:
    """The user as a request reads them (with the flags), inside the current request_memo."""
    return ThrottledModelBackend().get_user(user.pk)


def _seen(user: Any) -> tuple[Any, ...]:
    scope = scope_for(user)
    return (
        scope.everything,
        scope.prefixes,
        sorted(scope.county_prefixes),
        sorted(scope.campaign_ids),
        sorted(households_for(user).values_list("pk", flat=True)),
        sorted(regions_for(user).values_list("pk", flat=True)),
        sorted(campaigns_for(user).values_list("pk", flat=True)),
    )


@pytest.fixture
def liaison_unit(world: World) -> HelpingUnit:
    """A helping unit paired with 东街村 (the world's household's village), with no liaison yet."""
    unit = HelpingUnit.objects.create(name="甘肃省财政厅", kind="government")
    pairing_village_create(
        unit=unit, village=world.household.village, start=dt.date(2016, 1, 1), actor="test"
    )
    return unit


def test_the_flag_path_and_the_fallback_give_the_same_scope(
    world: World, liaison_unit: HelpingUnit
) -> None:
    HelpingUnitMember.objects.create(unit=liaison_unit, user=world.users["staff_only"])
    for name, user in world.users.items():
        fallback = _seen(get_user_model().objects.get(pk=user.pk))  # no flags: queries as before
        with request_memo():
            signed_in = _signed_in(user)
            assert user_flag(signed_in, "is_unit_member") is not None, name
            assert user_flag(signed_in, "is_enumerator") is not None, name
            assert _seen(signed_in) == fallback, name


def test_a_user_read_elsewhere_has_no_flags_and_is_read_afresh(world: World) -> None:
    user = world.users["county_officer"]
    with request_memo():
        assert user_flag(user, "is_unit_member") is None  # read by the fixture, not a request
        with CaptureQueriesContext(connection) as captured:
            scope_for(user)
    assert _queries_on(captured, "assistance_villagepairing") == 1
    assert _queries_on(captured, "assessments_enumerator") == 1


def test_with_the_flags_a_user_granted_nothing_costs_no_pairing_or_enumerator_query(
    world: World,
) -> None:
    with request_memo():
        user = _signed_in(world.users["county_officer"])
        assert user_flag(user, "is_unit_member") is False
        assert user_flag(user, "is_enumerator") is False
        with CaptureQueriesContext(connection) as captured:
            scope_for(user)
    assert _queries_on(captured, "assistance_villagepairing") == 0
    assert _queries_on(captured, "assessments_enumerator") == 0


def test_a_write_within_the_request_drops_the_flags(
    world: World, liaison_unit: HelpingUnit
) -> None:
    with request_memo():
        user = _signed_in(world.users["nobody"])
        assert user_flag(user, "is_unit_member") is False
        assert not households_for(user).exists()
        HelpingUnitMember.objects.create(unit=liaison_unit, user=user)
        assert user_flag(user, "is_unit_member") is None
        assert list(households_for(user)) == [world.household]


def test_a_flagged_user_outside_the_request_that_read_them_is_read_afresh(
    world: World, liaison_unit: HelpingUnit
) -> None:
    with request_memo():
        user = _signed_in(world.users["nobody"])
    HelpingUnitMember.objects.create(unit=liaison_unit, user=user)
    assert user_flag(user, "is_unit_member") is None
    with request_memo():  # another request, holding the old object: not trusted either
        assert user_flag(user, "is_unit_member") is None
        assert list(households_for(user)) == [world.household]


def test_a_new_liaison_sees_the_village_on_the_next_request_and_loses_it_when_removed(
    client: Any, world: World, liaison_unit: HelpingUnit
) -> None:
    user = world.users["nobody"]
    client.force_login(user)
    assert client.get(HOUSEHOLD_PAGE).status_code == 404
    member = HelpingUnitMember.objects.create(unit=liaison_unit, user=user)
    assert client.get(HOUSEHOLD_PAGE).status_code == 200
    member.delete()
    assert client.get(HOUSEHOLD_PAGE).status_code == 404


def test_a_new_enumerator_sees_the_teams_household_on_the_next_request_and_loses_it(
    client: Any, world: World
) -> None:
    user = world.users["nobody"]
    enumerator = Enumerator.objects.get(user=world.users["enumerator"])
    client.force_login(user)
    assert client.get(HOUSEHOLD_PAGE).status_code == 404
    Enumerator.objects.filter(pk=enumerator.pk).update(user=user)  # the account is now theirs
    assert client.get(HOUSEHOLD_PAGE).status_code == 200
    Enumerator.objects.filter(pk=enumerator.pk).update(user=None)
    assert client.get(HOUSEHOLD_PAGE).status_code == 404


def test_an_office_sees_the_campaigns_that_listed_drew_or_covered_its_county(world: World) -> None:
    county = Region.objects.get(code="621126000000")
    neighbour = Region.objects.get(code="621223000000")
    province = Region.objects.get(code="620000000000")
    Region.objects.filter(pk=county.pk).update(is_poor_county=True)
    Region.objects.filter(pk=neighbour.pk).update(is_poor_county=False)
    listed = world.campaign  # lists 岷县
    by_province = Campaign.objects.create(
        kind=listed.kind, year=2019, name="甘肃省评估", thresholds=listed.thresholds
    )
    by_province.scope.set([province])
    drawn = Campaign.objects.create(
        kind=listed.kind, year=2020, name="抽县评估", thresholds=listed.thresholds
    )
    drawn.scope.set([province])
    draw = Draw.objects.create(
        campaign=drawn,
        level=DrawLevel.COUNTY,
        seed="2",
        method="srs",
        frame_description="test",
        frame_size=2,
        frame_checksum="test",
        actor="test",
    )
    DrawItem.objects.create(
        draw=draw, unit_key=neighbour.code, stratum="", inclusion_probability=0.5, order=1
    )
    Campaign.objects.filter(pk__in=[listed.pk, by_province.pk, drawn.pk]).update(
        status=RESULT_STATUSES[0]
    )
    assert _campaigns_assessing(["62"]) == {listed.pk, by_province.pk, drawn.pk}
    assert _campaigns_assessing(["621126"]) == {listed.pk, by_province.pk}
    assert _campaigns_assessing(["621223"]) == {drawn.pk}
    assert _campaigns_assessing(["63"]) == set()


def test_through_an_api_token_a_new_liaison_sees_the_village_at_once_and_loses_it(
    world: World, liaison_unit: HelpingUnit
) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user = world.users["nobody"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    def listed() -> set[str]:
        response = client.get("/api/households/")
        assert response.status_code == 200
        return {r["household_no"] for r in response.json()["results"]}

    assert listed() == set()
    with CaptureQueriesContext(connection) as captured:
        listed()
    assert _queries_on(captured, "assistance_villagepairing") == 0  # the flag came with the token
    member = HelpingUnitMember.objects.create(unit=liaison_unit, user=user)
    assert listed() == {world.household.household_no}
    member.delete()
    assert listed() == set()
    client.credentials(HTTP_AUTHORIZATION="Token no-such-key")
    assert client.get("/api/households/").status_code == 401


def test_the_campaigns_with_results_are_read_only_when_a_page_asks_for_campaigns(
    client: Any, world: World
) -> None:
    officer = world.users["county_officer"]
    Campaign.objects.filter(pk=world.campaign.pk).update(status=RESULT_STATUSES[0])
    client.force_login(officer)
    client.get(HOUSEHOLD_PAGE)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOUSEHOLD_PAGE).status_code == 200
    assert _queries_on(captured, "assessments_campaign") == 0
    with request_memo():
        scope = scope_for(officer)
        with CaptureQueriesContext(connection) as captured:
            assert world.campaign.pk in scope.campaign_ids
            assert world.campaign.pk in scope_for(officer).campaign_ids  # read once per request
            assert list(campaigns_for(officer)) == [world.campaign]
        assert _queries_on(captured, "assessments_campaign") == 2  # the ids, then the rows
        Campaign.objects.filter(pk=world.campaign.pk).update(status="fieldwork")
        assert world.campaign.pk not in scope_for(officer).campaign_ids  # after a write: afresh
