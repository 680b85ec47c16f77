"""The grant table (fupin.accounts.grants): which office may give which role where, without a
database."""

from __future__ import annotations

import pytest

from fupin.accounts.grants import GRANTS, Place, grant_refusal
from fupin.accounts.models import OFFICE_LEVEL, Role

PROVINCE = Place("620000000000", "province")
CITY = Place("621100000000", "city")
COUNTY = Place("621126000000", "county")  # 岷县
NEXT_COUNTY = Place("621223000000", "county")  # 宕昌县
TOWNSHIP = Place("621126100000", "township")
VILLAGE = Place("621126100001", "village")
OTHER_VILLAGE = Place("621223100001", "village")


@pytest.mark.parametrize(
    ("granter", "at", "role", "place"),
    [
        (Role.PROVINCE_OFFICE, PROVINCE, Role.CITY_OFFICE, CITY),
        (Role.PROVINCE_OFFICE, PROVINCE, Role.COUNTY_OFFICE, COUNTY),
        (Role.CITY_OFFICE, CITY, Role.COUNTY_OFFICE, COUNTY),
        (Role.COUNTY_OFFICE, COUNTY, Role.TOWNSHIP_OFFICE, TOWNSHIP),
        (Role.COUNTY_OFFICE, COUNTY, Role.VILLAGE_OFFICE, VILLAGE),
        (Role.COUNTY_OFFICE, COUNTY, Role.HELPING_CADRE, VILLAGE),
        (Role.COUNTY_OFFICE, COUNTY, Role.HELPING_CADRE, COUNTY),
        (Role.TOWNSHIP_OFFICE, TOWNSHIP, Role.VILLAGE_OFFICE, VILLAGE),
        (Role.TOWNSHIP_OFFICE, TOWNSHIP, Role.HELPING_CADRE, TOWNSHIP),
        (Role.WORKING_GROUP, None, Role.EXPERT_GROUP, None),
    ],
)
def test_office_may_grant_below_in_its_region(granter, at, role, place):
    assert grant_refusal(granter_role=granter, granter_place=at, role=role, place=place) is None


@pytest.mark.parametrize(
    ("granter", "at", "role", "place", "words"),
    [
        (Role.COUNTY_OFFICE, COUNTY, Role.COUNTY_OFFICE, COUNTY, "不能授予"),
        (Role.COUNTY_OFFICE, COUNTY, Role.CITY_OFFICE, CITY, "不能授予"),
        (Role.COUNTY_OFFICE, COUNTY, Role.EXPERT, None, "不能授予"),
        (Role.TOWNSHIP_OFFICE, TOWNSHIP, Role.TOWNSHIP_OFFICE, TOWNSHIP, "不能授予"),
        (Role.CITY_OFFICE, CITY, Role.TOWNSHIP_OFFICE, TOWNSHIP, "不能授予"),
        (Role.PROVINCE_OFFICE, PROVINCE, Role.PROVINCE_OFFICE, PROVINCE, "不能授予"),
        (Role.VILLAGE_OFFICE, VILLAGE, Role.HELPING_CADRE, VILLAGE, "不能授予"),
        (Role.COUNTY_OFFICE, COUNTY, Role.VILLAGE_OFFICE, OTHER_VILLAGE, "不在本单位辖区内"),
        (Role.COUNTY_OFFICE, COUNTY, Role.HELPING_CADRE, NEXT_COUNTY, "不在本单位辖区内"),
        (Role.COUNTY_OFFICE, COUNTY, Role.TOWNSHIP_OFFICE, VILLAGE, "乡(镇)级区划"),
        (Role.COUNTY_OFFICE, COUNTY, Role.HELPING_CADRE, None, "所属区划"),
        (Role.WORKING_GROUP, None, Role.COUNTY_OFFICE, COUNTY, "不能授予"),
    ],
)
def test_office_is_refused_with_the_rule(granter, at, role, place, words):
    refusal = grant_refusal(granter_role=granter, granter_place=at, role=role, place=place)
    assert refusal is not None and words in refusal


def test_nobody_grants_to_themselves():
    refusal = grant_refusal(
        granter_role=Role.COUNTY_OFFICE,
        granter_place=COUNTY,
        role=Role.HELPING_CADRE,
        place=VILLAGE,
        to_self=True,
    )
    assert refusal == "不能给自己授予或撤销角色"


def test_no_office_grants_at_or_above_its_own_level():
    order = ["province", "city", "county", "township", "village"]
    for granter, roles in GRANTS.items():
        if granter not in OFFICE_LEVEL:
            continue
        own = order.index(OFFICE_LEVEL[granter])
        for role in roles:
            if role in OFFICE_LEVEL:
                assert order.index(OFFICE_LEVEL[role]) > own, (granter, role)
