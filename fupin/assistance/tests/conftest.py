"""Assistance test helpers on top of the personas' `world` (fupin/testing/worlds.py): there the
`cadre` persona is paired with `world.household` (东街村) from today."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.registry.models import Household
from fupin.registry.services import household_record_event


def make_cadre(name: str) -> AbstractBaseUser:
    user = get_user_model().objects.create_user(name, password=None, first_name=name)
    membership_grant(user=user, role=Role.HELPING_CADRE)
    return user


def identify(household: Household, on: dt.date = dt.date(2016, 3, 1)) -> Household:
    household_record_event(household=household, kind="identified", date=on, actor="test")
    household.refresh_from_db()
    return household


def exit_on(household: Household, on: dt.date) -> Household:
    if not household.status:
        identify(household)
    household_record_event(household=household, kind="exited", date=on, actor="test")
    household.refresh_from_db()
    return household
