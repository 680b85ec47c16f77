"""The scoping functions themselves, and the role grants they read."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from fupin.accounts.models import Role
from fupin.accounts.scoping import region_prefixes_for
from fupin.accounts.services import AccountError, membership_grant
from fupin.assessments.selectors import campaigns_for
from fupin.assistance.services import cadre_households_set
from fupin.registry.selectors import can_view_full_id, households_for, regions_for
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db


def test_region_prefixes_are_the_offices_regions(world: World) -> None:
    u = world.users
    assert region_prefixes_for(u["county_officer"]) == ["621126"]
    assert region_prefixes_for(u["township_officer"]) == ["621126100"]
    assert region_prefixes_for(u["province_officer"]) == ["62"]
    assert region_prefixes_for(u["working_group"]) == ["621126"]
    assert region_prefixes_for(u["superuser"]) == [""]
    for name in ("cadre", "enumerator", "expert", "staff_only", "nobody"):
        assert region_prefixes_for(u[name]) == []
    assert region_prefixes_for(AnonymousUser()) == []


def test_a_county_inside_a_province_adds_nothing(world: World) -> None:
    user = world.users["province_officer"]
    membership_grant(user=user, role=Role.COUNTY_OFFICE, region="621126000000")
    assert region_prefixes_for(user) == ["62"]


def test_offices_see_the_campaigns_that_assessed_their_region_once_decided(world: World) -> None:
    u, campaign = world.users, world.campaign
    for status, sees in [
        ("fieldwork", False),
        ("verification", False),
        ("decided", True),
        ("feedback", True),
        ("closed", True),
    ]:
        type(campaign).objects.filter(pk=campaign.pk).update(status=status)
        for name in ("county_officer", "province_officer"):
            assert (campaign in campaigns_for(u[name])) == sees, (name, status)
        for name in ("neighbour_officer", "township_officer", "cadre", "nobody"):
            assert campaign not in campaigns_for(u[name]), (name, status)


def test_an_inactive_user_sees_nothing(world: World) -> None:
    user = world.users["province_officer"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not households_for(user).exists() and not regions_for(user).exists()


def test_a_cadre_opens_only_the_villages_of_their_households(world: World) -> None:
    regions = set(regions_for(world.users["cadre"]).values_list("code", flat=True))
    assert regions == {world.household.village.code}


def test_a_cadres_households_can_be_replaced(world: World) -> None:
    cadre = world.users["cadre"]
    cadre_households_set(user=cadre, households=[world.other_household])
    assert list(households_for(cadre)) == [world.other_household]


def test_full_id_only_for_county_and_township_offices_of_the_region(world: World) -> None:
    u, h, far = world.users, world.household, world.neighbour_household
    assert can_view_full_id(u["county_officer"], h)
    assert can_view_full_id(u["township_officer"], h)
    assert not can_view_full_id(u["township_officer"], world.other_household)
    assert not can_view_full_id(u["county_officer"], far)
    assert can_view_full_id(u["neighbour_officer"], far)
    for name in ("province_officer", "superuser", "cadre", "enumerator", "expert", "working_group"):
        assert not can_view_full_id(u[name], h), name


@pytest.mark.parametrize(
    ("role", "kwargs", "message"),
    [
        (Role.COUNTY_OFFICE, {"region": "621126100000"}, "须对应一个县"),
        (Role.COUNTY_OFFICE, {}, "须对应一个县"),
        # A helping cadre may be tied to the region of the office that manages them (#22).
        (Role.WORKING_GROUP, {"region": "621126000000"}, "不对应区划"),
        (Role.EXPERT, {}, "评估专家记录"),
        (Role.ENUMERATOR, {}, "调查员记录"),
        (Role.INSTITUTION_ADMIN, {}, "评估机构"),
        ("ceo", {}, "未知的角色"),
    ],
)
def test_grants_that_do_not_fit_the_role_are_refused(
    gansu_village: Any, role: str, kwargs: dict[str, Any], message: str
) -> None:
    user = get_user_model().objects.create_user("u", password=None)
    with pytest.raises(AccountError, match=message):
        membership_grant(user=user, role=role, **kwargs)


def test_granting_twice_keeps_one_membership(gansu_village: Any) -> None:
    user = get_user_model().objects.create_user("u", password=None)
    a = membership_grant(user=user, role=Role.COUNTY_OFFICE, region="621126000000")
    b = membership_grant(user=user, role=Role.COUNTY_OFFICE, region="621126000000")
    assert a.pk == b.pk


def test_a_cadre_without_the_role_cannot_get_households(world: World) -> None:
    with pytest.raises(AccountError):
        cadre_households_set(user=world.users["nobody"], households=[world.household])
