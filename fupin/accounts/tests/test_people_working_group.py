"""A campaign's working group on the people pages: it sees its campaign's evaluators and gives
them the evaluator roles of its own campaign, under the assessments app's rules (the same as the
assignments page); another campaign's group sees and changes none of them."""

from __future__ import annotations

import pytest

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.people import (
    PeopleError,
    password_reset,
    people_for,
    person_create,
    person_for,
    role_end,
    role_grant,
    roles_grantable_by,
)
from fupin.accounts.services import working_group_add
from fupin.assessments.services import campaign_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_group_sees_its_campaigns_evaluators_and_no_office(world):
    seen = set(people_for(world.users["working_group"]).values_list("username", flat=True))
    assert {"expert", "enumerator", "institution_admin"} <= seen
    assert not seen & {"county_officer", "province_officer", "cadre"}


def test_the_group_may_give_every_evaluator_role_but_institution_admin_here(world):
    roles = {r for r, _label in roles_grantable_by(world.users["working_group"])}
    assert roles == {
        Role.EXPERT,
        Role.ENUMERATOR,
        Role.LEAD_EXPERT,
        Role.EXPERT_GROUP,
        Role.DEPARTMENT,
    }


def test_the_group_makes_its_assigned_expert_lead_expert_then_ends_it(world):
    group, expert = world.users["working_group"], world.users["expert"]
    row = role_grant(actor=group, person=expert, role=Role.LEAD_EXPERT, campaign=world.campaign)
    assert row.role == Role.LEAD_EXPERT and row.campaign is None
    granted = AuditEntry.objects.filter(model="Membership", action="grant").order_by("-id")[0]
    assert granted.actor == "working_group"
    # 专家组核 is never by the expert who did 复核: the assessments app's rule, here too.
    with pytest.raises(PeopleError, match="不能同时担任专家组成员"):
        role_grant(actor=group, person=expert, role=Role.EXPERT_GROUP, campaign=world.campaign)
    role_end(actor=group, membership=Membership.objects.get(user=expert, role=Role.LEAD_EXPERT))
    assert not Membership.objects.filter(user=expert, role=Role.LEAD_EXPERT).exists()
    row = role_grant(actor=group, person=expert, role=Role.EXPERT_GROUP, campaign=world.campaign)
    assert row.campaign == world.campaign


def test_the_group_gives_the_enumerator_role_to_its_own_enumerator_only(world):
    group = world.users["working_group"]
    row = role_grant(
        actor=group, person=world.users["enumerator"], role=Role.ENUMERATOR, campaign=world.campaign
    )
    assert row.role == Role.ENUMERATOR and row.campaign is None
    with pytest.raises(PeopleError, match="只能授予本任务已分派的评估人员"):
        person_create(
            actor=group,
            name="新调查员",
            username="xin",
            role=Role.ENUMERATOR,
            campaign=world.campaign,
        )
    with pytest.raises(PeopleError, match="随评估机构登记授予"):
        role_grant(
            actor=group,
            person=world.users["expert"],
            role=Role.INSTITUTION_ADMIN,
            campaign=world.campaign,
        )


def test_an_unregistered_person_cannot_join_the_expert_group(world):
    group = world.users["working_group"]
    with pytest.raises(PeopleError, match="不是登记的评估专家"):
        person_create(
            actor=group,
            name="某人",
            username="mouren",
            role=Role.EXPERT_GROUP,
            campaign=world.campaign,
        )
    assert not Membership.objects.filter(user__username="mouren").exists()


def test_the_group_resets_its_enumerators_password(world):
    password = password_reset(actor=world.users["working_group"], person=world.users["enumerator"])
    world.users["enumerator"].refresh_from_db()
    assert world.users["enumerator"].check_password(password)
    assert world.users["enumerator"].profile.must_change_password


def test_another_campaigns_group_sees_and_grants_nothing_here(world):
    other = campaign_create(
        kind="county_exit_assessment",
        year=2019,
        name="另一次评估",
        scope=["621223000000"],
        actor="test",
    )
    stranger = world.users["nobody"]
    working_group_add(campaign=other, user=stranger)
    assert person_for(stranger, world.users["expert"].pk) is None
    with pytest.raises(PeopleError, match="只能在本组的评估任务中"):
        role_grant(
            actor=stranger,
            person=world.users["expert"],
            role=Role.LEAD_EXPERT,
            campaign=world.campaign,
        )
    with pytest.raises(PeopleError, match="只能授予本任务已分派的评估人员"):
        role_grant(
            actor=stranger, person=world.users["enumerator"], role=Role.ENUMERATOR, campaign=other
        )
