"""Suspected problems proposed from a questionnaire's answers (the rules, on hand-made answers), and
raising a problem once by its client id (retries stored once, a conflicting resend refused, only
on the team's households)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Problem
from fupin.assessments.services import (
    PROBLEM_CONFLICT_MESSAGE,
    AssessmentError,
    problem_raise_once,
    proposals_for,
    submission_receive,
)
from fupin.assessments.services.proposals import (
    proposal_standard,
    proposal_target,
    propose,
)
from fupin.assessments.tests.conftest import World, new_client_id, payload, registered_answers
from fupin.assessments.workflows import ProblemStatus
from fupin.policy.lines import DEFAULT_LINES
from fupin.registry.models import Status

EXITED = proposal_target(registered=True, status=Status.EXITED)
POOR = proposal_target(registered=True, status=Status.POOR)
NOT_REGISTERED = proposal_target(registered=False, status="")
REMOVED = proposal_target(registered=True, status=Status.REMOVED)


def answers(**changes: Any) -> dict[str, Any]:
    a = registered_answers()  # everything met, income 4200 per person
    a.update(changes)
    return a


def kinds(found: list[Any]) -> list[str]:
    return [p.kind for p in found]


# --- the rules ----------------------------------------------------------------------------------


def test_nothing_is_proposed_when_income_is_above_the_line_and_every_guarantee_is_met():
    standard = proposal_standard(2018)
    for target in (EXITED, POOR, NOT_REGISTERED, REMOVED):
        assert propose(answers(), standard, target) == []


def test_income_at_or_below_the_line_is_a_wrong_exit_for_an_exited_household():
    standard = proposal_standard(2018)  # 2995 yuan
    assert standard.line == 2995
    [found] = propose(answers(income_per_capita=2995), standard, EXITED)
    assert found.kind == "wrong_exit" and found.kind_label == "错退"
    assert found.reasons == ("人均纯收入 2995 元，不高于2018 年国家扶贫标准 2995 元",)
    assert found.description == (
        "入户调查发现疑似错退（已脱贫户）：人均纯收入 2995 元，不高于2018 年国家扶贫标准 2995 元"
    )
    assert propose(answers(income_per_capita=2995.01), standard, EXITED) == []
    [below] = propose(answers(income_per_capita=1234.5), standard, EXITED)
    assert "1234.50 元" in below.description


def test_a_household_not_registered_meeting_the_standard_is_missed():
    standard = proposal_standard(2018)
    [by_income] = propose(answers(income_per_capita=2000), standard, NOT_REGISTERED)
    assert by_income.kind == "missed" and "非建档立卡户" in by_income.description
    [by_guarantee] = propose(answers(education_ok=False), standard, NOT_REGISTERED)
    assert by_guarantee.kind == "missed"
    assert by_guarantee.reasons == ("义务教育有保障未达到",)
    [removed] = propose(answers(medical_ok=False), standard, REMOVED)
    assert removed.kind == "missed" and "已清退户" in removed.description


def test_an_exited_household_failing_several_rules_gets_one_proposal_with_every_reason():
    found = propose(
        answers(income_per_capita=100, food_ok=False, housing_ok=False),
        proposal_standard(2018),
        EXITED,
    )
    assert kinds(found) == ["wrong_exit"]
    assert found[0].reasons == (
        "人均纯收入 100 元，不高于2018 年国家扶贫标准 2995 元",
        "不愁吃未达到",
        "住房安全有保障未达到",
    )


def test_a_poor_household_below_the_line_is_expected_but_a_failed_guarantee_is_a_policy_gap():
    standard = proposal_standard(2018)
    assert propose(answers(income_per_capita=1000), standard, POOR) == []
    [found] = propose(answers(income_per_capita=1000, medical_ok=False), standard, POOR)
    assert found.kind == "policy_not_delivered" and found.kind_label == "政策未落实"
    assert found.reasons == ("基本医疗有保障未达到",)
    assert "未脱贫户" in found.description


def test_safe_water_counts_from_2019_as_in_the_national_standard():
    failing = answers(water_ok=False)
    assert propose(failing, proposal_standard(2018), EXITED) == []
    [found] = propose(failing, proposal_standard(2019), EXITED)
    assert found.reasons == ("饮水安全有保障未达到",)


def test_a_c_or_d_grade_house_fails_housing_even_when_the_answer_says_it_is_safe():
    [found] = propose(answers(housing_grade="D"), proposal_standard(2018), EXITED)
    assert found.reasons == ("住房安全有保障未达到（住房安全等级 D 级，属危房）",)
    assert propose(answers(housing_grade="B"), proposal_standard(2018), EXITED) == []


def test_a_year_without_a_line_proposes_from_the_guarantees_only_never_a_guessed_line():
    year = max(DEFAULT_LINES.years) + 1
    standard = proposal_standard(year)
    assert standard.line is None
    assert propose(answers(income_per_capita=1), standard, EXITED) == []
    assert kinds(propose(answers(food_ok=False), standard, EXITED)) == ["wrong_exit"]


def test_the_device_gets_the_same_rules_as_json():
    data = proposal_standard(2019).as_json()
    assert data["line"] == 3218 and data["line_label"] == "2019 年国家扶贫标准 3218 元"
    assert [g["code"] for g in data["guarantees"]][-1] == "water_ok"
    assert data["kinds"]["wrong_exit"] == "错退"
    assert [k["label"] for k in data["manual_kinds"]] == ["政策未落实", "认可度", "其他"]
    assert EXITED.as_json() == {
        "label": "已脱贫户",
        "income": "wrong_exit",
        "guarantees": "wrong_exit",
    }
    assert POOR.as_json()["income"] == ""


# --- on stored questionnaires and raising once ---------------------------------------------------


def stored(world: World, household: Any, **changes: Any) -> Any:
    body = payload(household, answers=answers(**changes))
    if not household.registered:
        kept = {k: v for k, v in body["answers"].items() if not k.startswith("rec_")}
        public = ("rec_infrastructure", "rec_public_services", "rec_fairness")
        body["answers"] = kept | dict.fromkeys(public, "satisfied")
    submission, _ = submission_receive(
        campaign=world.campaign,
        client_id=new_client_id(),
        payload=body,
        enumerator=world.mentor,
        user=world.enumerator_user,
    )
    return submission


@pytest.mark.django_db
def test_a_stored_questionnaire_proposes_by_its_campaign_year_and_household_status(world: World):
    # 2020: line 4000; the non-registered household with 3900 per person looks missed.
    submission = stored(world, world.other_household, income_per_capita=3900)
    [found] = proposals_for(submission)
    assert found.kind == "missed"
    assert "不高于2020 年国家扶贫标准 约 4000 元" in found.description
    assert proposals_for(stored(world, world.household, income_per_capita=3900)) == []


def raise_(world: World, cid: uuid.UUID, **changes: Any) -> tuple[Problem, bool]:
    args: dict[str, Any] = {
        "campaign": world.campaign,
        "client_id": cid,
        "household": world.household,
        "kind": "policy_not_delivered",
        "description": "危房改造补助未到户",
        "user": world.enumerator_user,
        "enumerator": world.mentor,
    }
    args.update(changes)
    return problem_raise_once(**args)


@pytest.mark.django_db
def test_the_same_client_id_twice_is_one_problem(world: World):
    cid = uuid.uuid4()
    first, created = raise_(world, cid)
    assert created and first.client_id == cid
    assert first.status == ProblemStatus.PENDING_INITIAL
    assert first.county == world.county and first.raised_by == world.enumerator_user
    again, created_again = raise_(world, str(cid))
    assert not created_again and again.pk == first.pk
    assert Problem.objects.filter(client_id=cid).count() == 1
    assert AuditEntry.objects.filter(model="Problem", object_key=str(first.pk)).count() == 1
    assert first.steps.count() == 1


@pytest.mark.django_db
def test_a_conflicting_resend_under_the_same_client_id_is_refused(world: World):
    cid = uuid.uuid4()
    first, _ = raise_(world, cid)
    for change in (
        {"description": "另一段描述"},
        {"kind": "other"},
        {"household": world.other_household},
        {"user": world.newcomer_user, "enumerator": world.newcomer},
    ):
        with pytest.raises(AssessmentError) as refused:
            raise_(world, cid, **change)
        assert str(refused.value) == PROBLEM_CONFLICT_MESSAGE
    assert Problem.objects.filter(client_id=cid).count() == 1
    first.refresh_from_db()
    assert first.description == "危房改造补助未到户" and first.kind == "policy_not_delivered"


@pytest.mark.django_db
def test_another_teams_enumerator_cannot_raise_on_the_household(world: World):
    with pytest.raises(AssessmentError, match="不在您所在小组的调查任务中"):
        raise_(world, uuid.uuid4(), user=world.outsider_user, enumerator=world.outsider)
    assert not Problem.objects.exists()


@pytest.mark.django_db
def test_raising_keeps_problem_raises_rules(world: World):
    with pytest.raises(AssessmentError, match="未知的问题类型"):
        raise_(world, uuid.uuid4(), kind="dismissed")
    with pytest.raises(AssessmentError, match="请描述疑点问题"):
        raise_(world, uuid.uuid4(), description="  ")
    with pytest.raises(AssessmentError, match="问题编号格式不正确"):
        raise_(world, "not-a-uuid")
    assert not Problem.objects.exists()
