"""Fixtures: Gansu's counties, the eastern regions, Tianjin↔Gansu with 津南区↔秦安县, and one
office user on each side of the district pairing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.cooperation.models import Pairing, PairingLevel
from fupin.cooperation.services import east_regions_load, indicators_load_default, pairing_add
from fupin.regions.models import Region
from fupin.regions.services import regions_load_poverty_counties


@dataclass
class Coop:
    top: Pairing
    district: Pairing
    east_user: object  # 津南区 office
    west_user: object  # 秦安县 office
    tianjin_user: object  # 天津市 province office


@pytest.fixture
def coop(db) -> Coop:
    regions_load_poverty_counties(provinces={"甘肃省"})
    east_regions_load()
    indicators_load_default()
    r = {
        c: Region.objects.get(code=c + "0" * (12 - len(c)))
        for c in ("120000", "620000", "120112", "620522")
    }
    top = pairing_add(
        level=PairingLevel.PROVINCE, east=r["120000"], west=r["620000"], start_year=2016
    )
    district = pairing_add(
        level=PairingLevel.DISTRICT, east=r["120112"], west=r["620522"], start_year=2016, parent=top
    )
    users = get_user_model().objects
    east_user = users.create_user("jinnan", password="x")
    west_user = users.create_user("qinan", password="x")
    tianjin_user = users.create_user("tianjin", password="x")
    membership_grant(user=east_user, role=Role.COUNTY_OFFICE, region=r["120112"])
    membership_grant(user=west_user, role=Role.COUNTY_OFFICE, region=r["620522"])
    membership_grant(user=tianjin_user, role=Role.PROVINCE_OFFICE, region=r["120000"])
    return Coop(top, district, east_user, west_user, tianjin_user)
