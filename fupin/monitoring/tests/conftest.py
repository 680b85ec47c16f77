"""Monitoring test helpers: a village office for 东街村, households with incomes and histories."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.registry.models import Household
from fupin.registry.services import household_record_event
from fupin.testing.worlds import World


def set_income(h: Household, year: int, per_capita: float, **flags: bool) -> Household:
    Household.objects.filter(pk=h.pk).update(
        income_year=year,
        income_per_capita=per_capita,
        income_total=per_capita * max(h.size, 1),
        **flags,
    )
    h.refresh_from_db()
    return h


def history(h: Household, *events: tuple[str, int]) -> Household:
    for kind, year in events:
        household_record_event(household=h, kind=kind, date=dt.date(year, 6, 1), actor="test")
    h.refresh_from_db()
    return h


@pytest.fixture
def village_officer(world: World) -> AbstractBaseUser:
    """东街村's village office (村扶贫专干), who appraises."""
    user = get_user_model().objects.create_user("village_officer", password=None)
    membership_grant(user=user, role=Role.VILLAGE_OFFICE, region=world.household.village)
    world.users["village_officer"] = user
    return user
