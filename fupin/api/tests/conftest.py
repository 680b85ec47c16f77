"""API test fixtures on top of the personas' `world`: token clients, problems, county results, a
valid questionnaire body."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.assessments.models import CountyResult, Problem
from fupin.regions.models import Region
from fupin.testing import worlds
from fupin.testing.worlds import World

COUNTY = "621126000000"
NEIGHBOUR_COUNTY = "621223000000"


def client_for(world: World, persona: str | None) -> APIClient:
    """A client sending the persona's token (none for None: anonymous)."""
    client = APIClient()
    if persona is not None:
        token, _ = Token.objects.get_or_create(user=world.users[persona])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(world: World) -> Callable[[str | None], APIClient]:
    return lambda persona: client_for(world, persona)


def grant_role(world: World, persona: str, role: str) -> None:
    """Give the persona a role row (what the verification services check), as
    `fupin.testing.worlds.grant_role` does: the superuser may hold the enumerator role."""
    worlds.grant_role(world.users[persona], role)


@dataclass
class Problems:
    household: Problem  # on world.household (岷县, sampled)
    other: Problem  # on world.other_household (岷县, not sampled)
    county: Problem  # 岷县 as a whole, no household
    neighbour: Problem  # 宕昌县, on world.neighbour_household

    def by_name(self) -> dict[str, Problem]:
        return {
            "household": self.household,
            "other": self.other,
            "county": self.county,
            "neighbour": self.neighbour,
        }


@pytest.fixture
def problems(world: World) -> Problems:
    county = Region.objects.get(code=COUNTY)
    neighbour = Region.objects.get(code=NEIGHBOUR_COUNTY)

    def make(region: Region, household: Any, description: str) -> Problem:
        return Problem.objects.create(
            campaign=world.campaign,
            county=region,
            household=household,
            kind="wrong_exit",
            description=description,
        )

    return Problems(
        household=make(county, world.household, "收入核算存疑"),
        other=make(county, world.other_household, "漏评线索"),
        county=make(county, None, "部门数据显示多户危房未改造"),
        neighbour=make(neighbour, world.neighbour_household, "宕昌县的疑点"),
    )


@pytest.fixture
def results(world: World) -> list[CountyResult]:
    rows = []
    for code, estimate in ((COUNTY, 0.01), (NEIGHBOUR_COUNTY, 0.03)):
        rows.append(
            CountyResult.objects.create(
                campaign=world.campaign,
                county=Region.objects.get(code=code),
                figure="wrong_exit_rate",
                estimate=estimate,
                se=0.004,
                df=28,
                ci_low=estimate - 0.008,
                ci_high=estimate + 0.008,
                threshold=0.02,
                comparison="below",
                verdict="pass" if estimate < 0.02 else "fail",
                clarity="clear",
                inputs={},
                inputs_checksum="test",
            )
        )
    return rows


def answers() -> dict[str, Any]:
    """A complete, valid v1 answer set for a registered household that has not exited."""
    out: dict[str, Any] = {
        "size": 1,
        "labour_count": 1,
        "school_age_children": 0,
        "seriously_ill": 0,
        "disabled": 0,
        "dibao": False,
        "housing_grade": "B",
        "income_wages": 3000.0,
        "income_business": 800.0,
        "income_property": 0.0,
        "income_transfers": 400.0,
        "income_policy_transfers": 300.0,
        "income_per_capita": 4200.0,
        "rec_policy": "satisfied",
        "rec_measures": "satisfied",
        "rec_results": "basically",
        "rec_cadres": "satisfied",
    }
    for code in ("food_ok", "clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok"):
        out[code] = True
    return out


def submission_body(
    world: World, household_no: str | None = None, **changes: Any
) -> dict[str, Any]:
    """What a device posts to /api/submissions/ for one questionnaire."""
    finished = timezone.now() - dt.timedelta(minutes=5)
    body: dict[str, Any] = {
        "campaign": world.campaign.pk,
        "client_id": str(uuid.uuid4()),
        "household_no": household_no or world.household.household_no,
        "questionnaire_version": 1,
        "answers": answers(),
        "started_at": (finished - dt.timedelta(minutes=40)).isoformat(),
        "finished_at": finished.isoformat(),
        "gps": {"lat": 34.43, "lon": 104.03, "accuracy": 8.0},
    }
    body.update(changes)
    return body
