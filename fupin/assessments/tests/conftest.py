"""Shared personas and a campaign in fieldwork: 岷县 (621126) assessed by an institution from 湖北.

Personas: a county officer of 岷县, the officer of neighbouring 漳县, an enumerator pair (one
experienced, one new) assigned to the sampled households, an enumerator of another team, a lead
expert assigned to 岷县, an expert-group member, a department appraiser, a working-group member.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import (
    Campaign,
    Draw,
    Enumerator,
    Expert,
    Institution,
    Team,
)
from fupin.assessments.services import (
    assignment_record,
    campaign_create,
    campaign_transition,
    draw_record,
    team_create,
)
from fupin.assessments.workflows import CampaignKind, CampaignStatus
from fupin.regions.models import Region
from fupin.registry.models import Household
from fupin.testing.worlds import grant_role

MINXIAN = "621126000000"
ZHANGXIAN = "621125000000"  # the neighbouring county


def make_user(username: str, *roles: str) -> User:
    """A persona with one role row per role."""
    user = User(username=username)
    user.set_unusable_password()  # hashing a real password costs ~0.3 s per persona
    user.save()
    for role in roles:
        grant_role(user, role)
    return user


@pytest.fixture(autouse=True)
def evidence_dir(settings: Any, tmp_path: Any) -> Any:
    """Evidence files go to a temporary FUPIN_DATA_DIR."""
    settings.DATA_DIR = tmp_path
    return tmp_path


@dataclass
class World:
    campaign: Campaign
    county: Region
    neighbour: Region
    household: Household
    other_household: Household
    household_draw: Draw
    team: Team
    other_team: Team
    mentor: Enumerator
    newcomer: Enumerator
    outsider: Enumerator
    expert: Expert
    county_officer: User
    neighbour_officer: User
    enumerator_user: User
    newcomer_user: User
    outsider_user: User
    lead_expert: User
    expert_group: User
    department: User
    working_group: User

    def everyone(self) -> dict[str, User]:
        return {
            "county_officer": self.county_officer,
            "neighbour_officer": self.neighbour_officer,
            "enumerator": self.enumerator_user,
            "outsider_enumerator": self.outsider_user,
            "lead_expert": self.lead_expert,
            "expert_group": self.expert_group,
            "department": self.department,
            "working_group": self.working_group,
        }


@pytest.fixture
def world(household: Household) -> World:
    """A county-exit assessment of 岷县 in fieldwork, with recorded draws and assignments."""
    county = Region.objects.get(code=MINXIAN)
    neighbour = Region.objects.get(code=ZHANGXIAN)
    village = household.village
    other = Household.objects.create(
        household_no="6211261000010002", village=village, registered=False, size=3
    )
    campaign = campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=2020,
        name="岷县退出专项评估检查",
        scope=[county],
        actor="test",
    )
    campaign_transition(campaign=campaign, to=CampaignStatus.SAMPLING, actor="test", user=None)
    village_draw = draw_record(
        campaign=campaign,
        level="village",
        county=county,
        seed=2**70,
        method="pps",
        frame_keys=[village.code],
        items=[
            {
                "unit_key": village.code,
                "inclusion_probability": 1.0,
                "certainty": True,
                "stratum": "poor",
            }
        ],
        actor="test",
    )
    household_draw = draw_record(
        campaign=campaign,
        level="household",
        county=county,
        parent=village_draw,
        seed=7,
        method="srs",
        frame_keys=[household.household_no, other.household_no, "6211261000010003"],
        items=[
            {"unit_key": household.household_no, "inclusion_probability": 0.5, "stratum": "poor"},
            {
                "unit_key": other.household_no,
                "inclusion_probability": 0.5,
                "stratum": "non_registered",
            },
        ],
        actor="test",
    )
    institution = Institution.objects.create(name="华中科技大学", province_code="42")
    other_inst = Institution.objects.create(name="中山大学", province_code="44")

    def enumerator(
        name: str, experienced: bool, inst: Institution, *roles: str
    ) -> tuple[Enumerator, User]:
        user = make_user(name, *roles)
        return Enumerator.objects.create(
            name=name,
            employer_province=inst.province_code,
            experienced=experienced,
            exam_passed=True,
            institution=inst,
            user=user,
        ), user

    mentor, mentor_user = enumerator("mentor", True, institution, Role.ENUMERATOR)
    newcomer, newcomer_user = enumerator("newcomer", False, institution, Role.ENUMERATOR)
    outsider, outsider_user = enumerator("outsider", True, other_inst, Role.ENUMERATOR)
    outsider_new, _ = enumerator("outsider_new", False, other_inst, Role.ENUMERATOR)
    team = team_create(
        campaign=campaign,
        code="T01",
        institution=institution,
        experienced=mentor,
        new=newcomer,
        actor="test",
    )
    other_team = team_create(
        campaign=campaign,
        code="T02",
        institution=other_inst,
        experienced=outsider,
        new=outsider_new,
        actor="test",
    )
    lead_user = make_user("lead_expert", Role.LEAD_EXPERT)
    expert = Expert.objects.create(
        name="李专家",
        employer_province="42",
        experienced=True,
        exam_passed=True,
        institution=institution,
        user=lead_user,
    )
    assignment_record(
        campaign=campaign,
        seed=11,
        institutions=[(institution, county)],
        experts=[(expert, county)],
        teams=[(team, household), (team, other)],
        solver="test",
        actor="test",
    )
    campaign_transition(campaign=campaign, to=CampaignStatus.FIELDWORK, actor="test", user=None)
    county_officer = make_user("county_officer")
    membership_grant(user=county_officer, role=Role.COUNTY_OFFICER, region=county, actor="test")
    neighbour_officer = make_user("neighbour_officer")
    membership_grant(
        user=neighbour_officer, role=Role.COUNTY_OFFICER, region=neighbour, actor="test"
    )
    expert_group = make_user("expert_group", Role.EXPERT_GROUP)
    Expert.objects.create(
        name="王专家", employer_province="11", experienced=True, exam_passed=True, user=expert_group
    )
    campaign.refresh_from_db()
    return World(
        campaign=campaign,
        county=county,
        neighbour=neighbour,
        household=household,
        other_household=other,
        household_draw=household_draw,
        team=team,
        other_team=other_team,
        mentor=mentor,
        newcomer=newcomer,
        outsider=outsider,
        expert=expert,
        county_officer=county_officer,
        neighbour_officer=neighbour_officer,
        enumerator_user=mentor_user,
        newcomer_user=newcomer_user,
        outsider_user=outsider_user,
        lead_expert=lead_user,
        expert_group=expert_group,
        department=make_user("department", Role.DEPARTMENT),
        working_group=make_user("working_group", Role.WORKING_GROUP),
    )


def registered_answers() -> dict[str, Any]:
    """A complete, valid v1 answer set for a registered (not exited) household."""
    answers: dict[str, Any] = {
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
        answers[code] = True
    return answers


def payload(household: Household, **changes: Any) -> dict[str, Any]:
    finished = timezone.now() - dt.timedelta(minutes=5)
    body = {
        "household_no": household.household_no,
        "questionnaire_version": 1,
        "answers": registered_answers(),
        "started_at": (finished - dt.timedelta(minutes=40)).isoformat(),
        "finished_at": finished.isoformat(),
        "gps": {"lat": 34.43, "lon": 104.03, "accuracy": 8.0},
    }
    body.update(changes)
    return body


def new_client_id() -> str:
    return str(uuid.uuid4())
