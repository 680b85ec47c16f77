"""Shared test personas, in one place (healthchecks' BaseTestCase idea), exposed as pytest fixtures.

`world` builds, on top of fupin/conftest.py's `household` (岷县 621126, 岷阳镇 东街村):
- `other_household` in another township of 岷县 (梅川镇 马家沟村), nobody's pairing or sample;
- `neighbour_household` in 宕昌县 (621223, Longnan, next to 岷县);
- a campaign in fieldwork assessing 岷县, whose household draw holds `household` only, with a
  team, an expert and an institution assigned to it;
and one user per persona (`world.users[name]`, also the username). Test modules get the fixtures
through fupin/conftest.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.utils import timezone

from fupin.accounts.auditing import acting_as
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.services import membership_grant, working_group_add
from fupin.assessments.models import (
    Assignment,
    Campaign,
    Draw,
    DrawItem,
    DrawLevel,
    Enumerator,
    Expert,
    ExpertCounty,
    Institution,
    InstitutionCounty,
    Team,
    TeamHousehold,
)
from fupin.assessments.services import campaign_create
from fupin.assessments.workflows import CampaignStatus
from fupin.assistance.services import cadre_households_set
from fupin.policy import idnumber
from fupin.regions.models import Level, Region
from fupin.registry.bulk import bulk_insert
from fupin.registry.models import Household, Person

PASSWORD = "pw-persona-2019"
COUNTY = "621126000000"  # 岷县
NEIGHBOUR_COUNTY = "621223000000"  # 宕昌县

# name → what the persona is; the keys are also the usernames.
PERSONAS = {
    "county_officer": "岷县扶贫办",
    "neighbour_officer": "宕昌县扶贫办",
    "township_officer": "岷阳镇扶贫工作站",
    "province_officer": "甘肃省扶贫办",
    "cadre": "帮扶责任人（东街村一户）",
    "enumerator": "调查员（东街村一户）",
    "expert": "评估专家（岷县）",
    "institution_admin": "评估机构管理员（岷县）",
    "working_group": "评估工作组成员",
    "superuser": "系统管理员",
    "staff_only": "仅有 is_staff 的用户",
    "nobody": "没有角色的用户",
}


@dataclass
class World:
    household: Household
    other_household: Household
    neighbour_household: Household
    campaign: Campaign
    users: dict[str, AbstractBaseUser] = field(default_factory=dict)

    @property
    def households(self) -> dict[str, Household]:
        return {
            "household": self.household,
            "other_household": self.other_household,
            "neighbour_household": self.neighbour_household,
        }


def grant_role(user: AbstractBaseUser, role: str) -> Membership:
    """Give a test persona a role as one row, audited like every grant (the Membership receivers
    in fupin.accounts.auditing). Written directly, not through `membership_grant`, so that a
    persona may hold a duty without the evaluator record the service asks for (the verification
    tests' "an enumerator who is on no team")."""
    with acting_as("test"):
        row, _created = Membership.objects.get_or_create(
            user=user, role=role, region=None, institution=None, campaign=None
        )
    return row


def _village(
    code: str, name: str, township_code: str, township_name: str, county: Region
) -> Region:
    township, _ = Region.objects.get_or_create(
        code=township_code,
        defaults={"name": township_name, "level": Level.TOWNSHIP, "parent": county},
    )
    return Region.objects.create(code=code, name=name, level=Level.VILLAGE, parent=township)


def _household(no: str, village: Region, id_number: str, name: str) -> Household:
    h = Household.objects.create(
        household_no=no, village=village, size=1, income_total=2000, income_per_capita=2000
    )
    Person.objects.create(
        household=h,
        id_number=id_number,
        name=name,
        relation="head",
        sex="male",
        birth_date=dt.date(1975, 5, 5),
    )
    return h


def build_world(household: Household) -> World:
    county = Region.objects.get(code=COUNTY)
    neighbour = Region.objects.get(code=NEIGHBOUR_COUNTY)
    other = _household(
        "6211261010010001",
        _village("621126101001", "马家沟村", "621126101000", "梅川镇", county),
        "621126197505050012",
        "李四",
    )
    far = _household(
        "6212231000010001",
        _village("621223100001", "城关村", "621223100000", "城关镇", neighbour),
        "621223197505050015",
        "王五",
    )

    user_model = get_user_model()
    users: dict[str, Any] = {}
    for name in PERSONAS:  # no password: tests log in with force_login, and hashing is slow
        if name == "superuser":
            users[name] = user_model.objects.create_superuser(name, password=None)
        else:
            users[name] = user_model.objects.create_user(
                name, password=None, is_staff=name == "staff_only"
            )
    membership_grant(user=users["county_officer"], role=Role.COUNTY_OFFICE, region=COUNTY)
    membership_grant(
        user=users["neighbour_officer"], role=Role.COUNTY_OFFICE, region=NEIGHBOUR_COUNTY
    )
    membership_grant(
        user=users["township_officer"], role=Role.TOWNSHIP_OFFICE, region=household.village.parent
    )
    membership_grant(
        user=users["province_officer"], role=Role.PROVINCE_OFFICE, region="620000000000"
    )
    membership_grant(user=users["cadre"], role=Role.HELPING_CADRE)
    cadre_households_set(user=users["cadre"], households=[household])

    campaign = campaign_create(
        kind="county_exit_assessment",
        year=2018,
        name="岷县退出专项评估",
        scope=[COUNTY],
        actor="test",
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.FIELDWORK)
    campaign.refresh_from_db()
    draw = Draw.objects.create(
        campaign=campaign,
        level=DrawLevel.HOUSEHOLD,
        county=county,
        seed="1",
        method="srs",
        frame_description="test",
        frame_size=2,
        frame_checksum="test",
        actor="test",
    )
    DrawItem.objects.create(
        draw=draw,
        unit_key=household.household_no,
        stratum="poor",
        inclusion_probability=0.5,
        order=1,
    )
    institution = Institution.objects.create(name="北京某大学评估中心", province_code="11")
    enumerator = Enumerator.objects.create(
        name="赵老",
        employer_province="11",
        experienced=True,
        exam_passed=True,
        institution=institution,
        user=users["enumerator"],
    )
    newcomer = Enumerator.objects.create(
        name="钱新", employer_province="11", exam_passed=True, institution=institution
    )
    expert = Expert.objects.create(
        name="孙专家", employer_province="11", exam_passed=True, user=users["expert"]
    )
    team = Team.objects.create(
        campaign=campaign,
        code="T01",
        institution=institution,
        experienced_member=enumerator,
        new_member=newcomer,
    )
    run = Assignment.objects.create(campaign=campaign, seed="1", actor="test")
    TeamHousehold.objects.create(assignment=run, team=team, household=household)
    ExpertCounty.objects.create(assignment=run, expert=expert, county=county)
    InstitutionCounty.objects.create(assignment=run, institution=institution, county=county)
    # The enumerator sees its team's household through the assignment alone; it holds no role row,
    # so it may not take verification steps (tests grant the enumerator role where they need it).
    membership_grant(user=users["expert"], role=Role.EXPERT)
    membership_grant(
        user=users["institution_admin"], role=Role.INSTITUTION_ADMIN, institution=institution
    )
    working_group_add(campaign=campaign, user=users["working_group"])
    return World(
        household=household,
        other_household=other,
        neighbour_household=far,
        campaign=campaign,
        users=users,
    )


@pytest.fixture
def world(household: Household) -> World:
    """Three households (two in 岷县, one next door), a campaign in fieldwork, every persona."""
    return build_world(household)


@pytest.fixture
def province_officer(gansu_village: Region) -> AbstractBaseUser:
    """甘肃省扶贫办: sees all of Gansu (for tests that need a user who sees the registry)."""
    user = get_user_model().objects.create_user("province_officer", password=PASSWORD)
    membership_grant(user=user, role=Role.PROVINCE_OFFICE, region="620000000000")
    return user


@pytest.fixture
def system_admin(db: None) -> AbstractBaseUser:
    """A superuser: sees every region, household and campaign (but not full ID numbers)."""
    return get_user_model().objects.create_superuser("system_admin", password=PASSWORD)


# --- the ID scan over the access-matrix walk (issue #18) ----------------------------------------

# The one page allowed to show a full ID number: the audited full-ID view.
FULL_ID_VIEW = re.compile(r"^/households/[^/]+/id/[0-9]+/$")


def audit_rows_that_once_leaked(world: World) -> None:
    """Audit rows of the shape that leaked before issue #18: an import keyed each member by
    their full ID number (the pages masked values, not keys) and notes quoted numbers. Written
    the ways the writers write (bulk insert as the importer does, a model save as the services
    do), so the walk's scan fails wherever a writer or a page stops masking."""
    now = timezone.now()
    rows = []
    for household in world.households.values():
        person = household.members.get()
        number = person.id_number
        members = {number: {"id_number": number, "name": person.name}}
        rows.append(
            (
                now,
                "import:members.csv",
                AuditEntry.Action.UPDATE,
                "Household",
                household.household_no,
                household.pk,
                {"members": members},
                {"members": {number: {"name": person.name + "改"}}},
                f"核对 {number}",
            )
        )
        AuditEntry.objects.create(
            actor="import:members.csv",
            action=AuditEntry.Action.IMPORT,
            model="Household",
            object_key=household.household_no,
            household=household,
            after={"members": [{"id_number": number, "name": person.name}], number: number},
            note=f"成员 {number} 导入",
        )
    bulk_insert(
        AuditEntry,
        ["at", "actor", "action", "model", "object_key", "household_id", "before", "after", "note"],
        rows,
    )


def full_ids_in_response(path: str, response: Any) -> list[str]:
    """Valid 18-digit ID numbers in a response's body, outside the full-ID view."""
    if FULL_ID_VIEW.match(path) or getattr(response, "streaming", False):
        return []
    return idnumber.numbers_in(response.content.decode("utf-8", errors="replace"))


@pytest.fixture
def id_scan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request made through Django's or DRF's test client is scanned for a full ID number
    (GB 11643 check digit right) outside the full-ID view; a hit fails the test at that request.
    With `world` in use, its audit trail first gets the rows that once leaked. Returns the paths
    scanned, so a test can check the scan ran."""
    if "world" in request.fixturenames:
        audit_rows_that_once_leaked(request.getfixturevalue("world"))
    scanned: list[str] = []
    original = Client.request

    def scanning(self: Client, **environ: Any) -> Any:
        response = original(self, **environ)
        path = environ.get("PATH_INFO", "")
        found = full_ids_in_response(path, response)
        assert not found, f"{path} 的响应含有完整身份证号 {found}"
        scanned.append(path)
        return response

    monkeypatch.setattr(Client, "request", scanning)
    return scanned
