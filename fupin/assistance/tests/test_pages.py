"""The region's 双到 overview and the user's own pairings page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from fupin.assistance.models import HelpingUnit, HelpingUnitMember
from fupin.assistance.services import pairing_village_create
from fupin.assistance.tests.conftest import identify
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

COUNTY = "621126000000"


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def test_the_county_overview_lists_pairings_and_warnings(world: World) -> None:
    identify(world.other_household)
    html = (
        _client(world, "county_officer")
        .get(reverse("assistance:region", args=[COUNTY]))
        .content.decode()
    )
    assert world.household.household_no in html  # paired with the cadre
    assert f"贫困户 {world.other_household.household_no}（马家沟村）没有帮扶责任人" in html
    assert "贫困村 东街村（621126100001）没有驻村工作队" in html


def test_a_cadre_cannot_open_the_county_overview(world: World) -> None:
    client = _client(world, "cadre")
    assert client.get(reverse("assistance:region", args=[COUNTY])).status_code == 404
    village = world.household.village.code
    html = client.get(reverse("assistance:region", args=[village])).content.decode()
    assert world.household.household_no in html


def test_my_page_lists_the_cadres_households_and_the_units_villages(world: World) -> None:
    html = _client(world, "cadre").get(reverse("assistance:mine")).content.decode()
    assert world.household.household_no in html
    assert world.other_household.household_no not in html
    unit = HelpingUnit.objects.create(name="甘肃省财政厅", kind="government")
    HelpingUnitMember.objects.create(unit=unit, user=world.users["nobody"])
    pairing_village_create(
        unit=unit, village=world.household.village, start=dt.date(2016, 1, 1), actor="t"
    )
    html = _client(world, "nobody").get(reverse("assistance:mine")).content.decode()
    assert "东街村" in html and "甘肃省财政厅" in html


def test_anonymous_visitors_are_sent_to_login(world: World) -> None:
    r = Client().get(reverse("assistance:household", args=[world.household.household_no]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
