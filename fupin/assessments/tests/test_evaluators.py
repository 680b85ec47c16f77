"""Teams pair an experienced enumerator with a new one; assignments are re-checked against 三回避."""

from __future__ import annotations

import pytest

from fupin.assessments.models import Assignment, Enumerator, Expert, Institution
from fupin.assessments.services import (
    AssessmentError,
    assignment_current,
    assignment_record,
    team_create,
)
from fupin.assessments.tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_team_needs_one_experienced_and_one_new_member(world: World):
    inst = world.team.institution
    a = Enumerator.objects.create(
        name="甲", employer_province="42", experienced=True, institution=inst
    )
    b = Enumerator.objects.create(
        name="乙", employer_province="42", experienced=True, institution=inst
    )
    with pytest.raises(AssessmentError, match="以老带新"):
        team_create(campaign=world.campaign, code="T09", institution=inst, experienced=a, new=b)
    with pytest.raises(AssessmentError, match="两名不同"):
        team_create(campaign=world.campaign, code="T09", institution=inst, experienced=a, new=a)


def test_an_enumerator_is_in_one_team_only(world: World):
    inst = world.team.institution
    c = Enumerator.objects.create(
        name="丙", employer_province="42", experienced=False, institution=inst
    )
    with pytest.raises(AssessmentError, match="每人只能在一个小组"):
        team_create(
            campaign=world.campaign, code="T09", institution=inst, experienced=world.mentor, new=c
        )


def test_an_institution_never_evaluates_its_own_province(world: World):
    gansu = Institution.objects.create(name="兰州大学", province_code="62")
    with pytest.raises(AssessmentError, match="本省回避"):
        assignment_record(
            campaign=world.campaign, seed=1, institutions=[(gansu, world.county)], actor="t"
        )


def test_an_expert_never_evaluates_the_province_of_the_employer(world: World):
    e = Expert.objects.create(
        name="赵专家", employer_province="62", institution=world.team.institution
    )
    with pytest.raises(AssessmentError, match="雇主省份回避"):
        assignment_record(campaign=world.campaign, seed=1, experts=[(e, world.county)], actor="t")


def test_whoever_took_part_in_the_provinces_own_assessment_stays_away(world: World):
    e = Expert.objects.create(
        name="钱专家",
        employer_province="42",
        took_part_in=["62"],
        institution=world.team.institution,
    )
    with pytest.raises(AssessmentError, match="参评回避"):
        assignment_record(campaign=world.campaign, seed=1, experts=[(e, world.county)], actor="t")


def test_households_outside_the_draw_cannot_be_assigned(world: World, gansu_village):
    from fupin.registry.models import Household

    picked = Household.objects.create(household_no="6211261000019999", village=gansu_village)
    before = Assignment.objects.count()
    with pytest.raises(AssessmentError, match="只能随机抽取"):
        assignment_record(
            campaign=world.campaign,
            seed=1,
            teams=[
                (world.team, world.household),
                (world.team, world.other_household),
                (world.team, picked),
            ],
            actor="t",
        )
    assert Assignment.objects.count() == before


def test_teams_only_work_where_their_institution_does(world: World):
    with pytest.raises(AssessmentError, match="调查组只去本机构承担的县"):
        assignment_record(
            campaign=world.campaign,
            seed=2,
            teams=[(world.other_team, world.household), (world.other_team, world.other_household)],
            actor="t",
        )


def test_the_latest_run_of_each_kind_is_in_force(world: World):
    inst = world.team.institution
    first = assignment_current(world.campaign, "team")
    spare = team_create(
        campaign=world.campaign,
        code="T03",
        institution=inst,
        experienced=Enumerator.objects.create(
            name="丁", employer_province="42", experienced=True, exam_passed=True, institution=inst
        ),
        new=Enumerator.objects.create(
            name="戊", employer_province="42", exam_passed=True, institution=inst
        ),
    )
    run = assignment_record(
        campaign=world.campaign,
        seed=2,
        teams=[(spare, world.household), (spare, world.other_household)],
        actor="t",
    )
    assert assignment_current(world.campaign, "team") == run != first
    assert assignment_current(world.campaign, "expert") == first
