"""Five-step verification (五核): each step only by its role, in order, with the explanation window."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from fupin.accounts.models import AuditEntry, Role
from fupin.assessments.models import AppendOnlyError, Expert, Problem, ProblemStep
from fupin.assessments.services import (
    AssessmentError,
    evidence_receive,
    problem_explain,
    problem_raise,
    problem_transition,
    problems_confirmed,
)
from fupin.assessments.tests.conftest import World, make_user

pytestmark = pytest.mark.django_db


def raise_problem(world: World, kind: str = "wrong_exit") -> Problem:
    return problem_raise(
        campaign=world.campaign,
        county=world.county,
        kind=kind,
        description="人均纯收入低于标准线却已标注脱贫",
        user=world.enumerator_user,
        household=world.household,
    )


def close_window(problem: Problem) -> None:
    Problem.objects.filter(pk=problem.pk).update(
        explain_until=timezone.now() - dt.timedelta(minutes=1)
    )


def attach_photo(problem: Problem, content: bytes = b"photo of the leaking roof"):
    e, _ = evidence_receive(
        owner=problem,
        kind="photo",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        filename="roof.jpg",
        actor="t",
    )
    return e


def advance(world: World, problem: Problem, upto: str, *, disputed: bool = False) -> Problem:
    """Take the problem through the steps up to (not including) `upto`."""
    steps = [
        ("initial_check", world.enumerator_user),
        ("review", world.lead_expert),
        ("review_conclude", world.lead_expert),
        ("department_appraise", world.department),
        ("expert_judge", world.expert_group),
        ("final_confirm", world.working_group),
    ]
    for action, user in steps:
        if action == upto:
            break
        if action == "review_conclude":
            close_window(problem)
            if disputed:
                Problem.objects.filter(pk=problem.pk).update(
                    explain_until=timezone.now() + dt.timedelta(hours=1)
                )
                problem_explain(
                    problem=problem,
                    user=world.county_officer,
                    text="该户有在外务工收入，提供工资流水",
                )
                close_window(problem)
        if action == "department_appraise" and not disputed:
            continue
        problem_transition(
            problem=problem,
            action=action,
            user=user,
            opinion=f"{action} 意见",
            disputed=disputed if action == "review_conclude" else None,
        )
    problem.refresh_from_db()
    return problem


# (action, the status it acts on, the right personas, whether the problem must be disputed)
STEPS = [
    ("initial_check", "pending_initial", {"enumerator"}, False),
    ("review", "pending_review", {"lead_expert"}, False),
    ("review_conclude", "explaining", {"lead_expert"}, False),
    ("department_appraise", "pending_department", {"department"}, True),
    ("expert_judge", "pending_expert", {"expert_group"}, False),
    ("final_confirm", "pending_final", {"working_group"}, False),
    ("final_reject", "pending_final", {"working_group"}, False),
]


@pytest.mark.parametrize(
    ("action", "status", "right", "disputed"), STEPS, ids=[s[0] for s in STEPS]
)
def test_each_step_is_taken_only_by_its_role(world: World, action, status, right, disputed):
    problem = raise_problem(world)
    attach_photo(problem)
    upto = "final_confirm" if action == "final_reject" else action
    problem = advance(world, problem, upto, disputed=disputed)
    assert problem.status == status
    if action == "review_conclude":
        close_window(problem)
    extra = {"disputed": False} if action == "review_conclude" else {}
    steps_before = ProblemStep.objects.filter(problem=problem).count()
    for name, user in world.everyone().items():
        if name in right:
            continue
        with pytest.raises(AssessmentError):
            problem_transition(problem=problem, action=action, user=user, opinion="越权", **extra)
        problem.refresh_from_db()
        assert problem.status == status, name
    assert ProblemStep.objects.filter(problem=problem).count() == steps_before
    (who,) = right
    step = problem_transition(
        problem=problem, action=action, user=world.everyone()[who], opinion="同意", **extra
    )
    assert step.from_status == status and step.user == world.everyone()[who]


def test_an_enumerator_of_another_team_cannot_check_the_household(world: World):
    problem = raise_problem(world)
    with pytest.raises(AssessmentError, match="分派到该户的调查小组"):
        problem_transition(
            problem=problem, action="initial_check", user=world.outsider_user, opinion="x"
        )
    problem_transition(
        problem=problem,
        action="initial_check",
        user=world.newcomer_user,
        opinion="入户核实，疑点成立",
    )


def test_a_lead_expert_reviews_only_in_assigned_counties(world: World):
    problem = advance(world, raise_problem(world), "review")
    other = make_user("other_lead", Role.LEAD_EXPERT)
    Expert.objects.create(name="孙专家", employer_province="42", user=other)
    with pytest.raises(AssessmentError, match="分派到岷县的带队专家"):
        problem_transition(problem=problem, action="review", user=other, opinion="x")


def test_an_expert_group_member_from_the_province_stands_aside(world: World):
    problem = advance(world, raise_problem(world), "expert_judge")
    local = make_user("local_expert", Role.EXPERT_GROUP)
    Expert.objects.create(name="周专家", employer_province="62", user=local)
    with pytest.raises(AssessmentError, match="回避"):
        problem_transition(problem=problem, action="expert_judge", user=local, opinion="x")


def test_steps_are_taken_in_order(world: World):
    problem = raise_problem(world)
    for action, user in [
        ("review", world.lead_expert),
        ("expert_judge", world.expert_group),
        ("final_confirm", world.working_group),
        ("department_appraise", world.department),
    ]:
        with pytest.raises(AssessmentError, match="当前为“待初核”，不能进行"):
            problem_transition(problem=problem, action=action, user=user, opinion="跳步")
    assert ProblemStep.objects.filter(problem=problem).count() == 1  # the raise step


def test_without_a_dispute_the_department_step_is_skipped(world: World):
    problem = advance(world, raise_problem(world), "review_conclude")
    close_window(problem)
    problem_transition(
        problem=problem,
        action="review_conclude",
        user=world.lead_expert,
        opinion="地方无异议",
        disputed=False,
    )
    problem.refresh_from_db()
    assert problem.status == "pending_expert"
    with pytest.raises(AssessmentError, match="当前为“待专家组核”"):
        problem_transition(
            problem=problem, action="department_appraise", user=world.department, opinion="x"
        )


def test_a_dispute_goes_to_the_department_first(world: World):
    problem = advance(world, raise_problem(world), "department_appraise", disputed=True)
    assert problem.status == "pending_department" and problem.disputed is True
    step = problem_transition(
        problem=problem,
        action="department_appraise",
        user=world.department,
        opinion="住建部门：该房屋为C级危房",
    )
    assert step.to_status == "pending_expert"


def test_a_dispute_needs_an_explanation_from_the_county(world: World):
    problem = advance(world, raise_problem(world), "review_conclude")
    close_window(problem)
    with pytest.raises(AssessmentError, match="不存在争议"):
        problem_transition(
            problem=problem,
            action="review_conclude",
            user=world.lead_expert,
            opinion="x",
            disputed=True,
        )
    with pytest.raises(AssessmentError, match="是否存在争议"):
        problem_transition(
            problem=problem, action="review_conclude", user=world.lead_expert, opinion="x"
        )
    other = raise_problem(world)
    with pytest.raises(AssessmentError, match="只有复核结论"):
        problem_transition(
            problem=other,
            action="initial_check",
            user=world.enumerator_user,
            opinion="x",
            disputed=True,
        )


def test_the_explanation_window(world: World):
    problem = advance(world, raise_problem(world), "review_conclude")
    assert problem.status == "explaining"
    assert problem.explain_until > timezone.now() + dt.timedelta(hours=23)
    with pytest.raises(AssessmentError, match="期满后才能作出复核结论"):
        problem_transition(
            problem=problem,
            action="review_conclude",
            user=world.lead_expert,
            opinion="x",
            disputed=False,
        )
    with pytest.raises(AssessmentError, match="只有岷县的县级干部"):
        problem_explain(problem=problem, user=world.neighbour_officer, text="x")
    with pytest.raises(AssessmentError, match="县级干部"):
        problem_explain(problem=problem, user=world.working_group, text="x")
    explanation = problem_explain(
        problem=problem, user=world.county_officer, text="该户 2019 年有务工收入 8000 元"
    )
    doc = b"wage slip"
    e, created = evidence_receive(
        owner=explanation,
        kind="document",
        content=doc,
        sha256=hashlib.sha256(doc).hexdigest(),
        filename="slip.pdf",
        actor="county",
    )
    assert created and e.explanation == explanation
    close_window(problem)
    with pytest.raises(AssessmentError, match="说明期已过"):
        problem_explain(problem=problem, user=world.county_officer, text="再补充")
    with pytest.raises(AssessmentError, match="说明期已过"):
        evidence_receive(
            owner=explanation,
            kind="document",
            content=b"late",
            sha256=hashlib.sha256(b"late").hexdigest(),
            actor="county",
        )
    step = problem_transition(
        problem=problem,
        action="review_conclude",
        user=world.lead_expert,
        opinion="地方说明不能成立",
        disputed=True,
        evidence=[e],
    )
    assert list(step.evidence.all()) == [e]


def test_no_explanation_outside_the_window(world: World):
    problem = raise_problem(world)
    with pytest.raises(AssessmentError, match="不在地方说明期"):
        problem_explain(problem=problem, user=world.county_officer, text="x")


def test_a_closed_problem_takes_no_further_step(world: World):
    problem = advance(world, raise_problem(world), "final_confirm")
    problem_transition(
        problem=problem,
        action="final_reject",
        user=world.working_group,
        opinion="证据不足，不予认定",
    )
    for action in ("final_confirm", "initial_check", "review"):
        with pytest.raises(AssessmentError, match="已办结（不予认定）"):
            problem_transition(
                problem=problem, action=action, user=world.working_group, opinion="x"
            )


def test_an_opinion_is_required(world: World):
    problem = raise_problem(world)
    with pytest.raises(AssessmentError, match="请填写初核意见"):
        problem_transition(
            problem=problem, action="initial_check", user=world.enumerator_user, opinion="  "
        )


def test_confirmation_needs_evidence(world: World):
    problem = advance(world, raise_problem(world), "final_confirm")
    with pytest.raises(AssessmentError, match="证据不足"):
        problem_transition(
            problem=problem, action="final_confirm", user=world.working_group, opinion="认定"
        )
    photo = attach_photo(problem)
    step = problem_transition(
        problem=problem,
        action="final_confirm",
        user=world.working_group,
        opinion="认定错退",
        evidence=[photo],
    )
    assert step.to_status == "confirmed"


def test_evidence_of_another_problem_cannot_be_cited(world: World):
    a, b = raise_problem(world), raise_problem(world, "recognition")
    photo = attach_photo(a)
    with pytest.raises(AssessmentError, match="不属于该问题"):
        problem_transition(
            problem=b,
            action="initial_check",
            user=world.enumerator_user,
            opinion="x",
            evidence=[photo],
        )


def test_every_step_is_recorded_and_audited(world: World):
    problem = raise_problem(world)
    attach_photo(problem)
    problem = advance(world, problem, "none", disputed=True)
    assert problem.status == "confirmed"
    steps = list(problem.steps.order_by("id"))
    assert [s.step for s in steps] == [
        "raise",
        "initial",
        "review",
        "review",
        "department",
        "expert",
        "final",
    ]
    assert all(s.user_id and s.opinion and s.at for s in steps)
    assert [s.to_status for s in steps][-1] == "confirmed"
    audits = AuditEntry.objects.filter(model="Problem", object_key=str(problem.pk))
    assert audits.count() == 7
    assert all(a.household == world.household for a in audits)
    with pytest.raises(AppendOnlyError):
        steps[0].delete()
    steps[0].opinion = "改写"
    with pytest.raises(AppendOnlyError):
        steps[0].save()


def test_only_problems_confirmed_at_the_final_step_count(world: World):
    pending = raise_problem(world)
    rejected = advance(world, raise_problem(world), "final_confirm")
    problem_transition(
        problem=rejected, action="final_reject", user=world.working_group, opinion="不予认定"
    )
    dismissed = problem_raise(  # by the working group: the team that raises never dismisses
        campaign=world.campaign,
        county=world.county,
        kind="wrong_exit",
        description="工作组提出的疑点",
        user=world.working_group,
        household=world.household,
    )
    problem_transition(
        problem=dismissed,
        action="initial_dismiss",
        user=world.enumerator_user,
        opinion="入户核实，疑点不成立",
    )
    confirmed = raise_problem(world)
    attach_photo(confirmed)
    advance(world, confirmed, "none")
    forged = raise_problem(world)
    Problem.objects.filter(pk=forged.pk).update(status="confirmed")  # no 终核 step: must not count
    assert list(problems_confirmed(world.campaign)) == [confirmed]
    assert list(problems_confirmed(world.campaign, world.county)) == [confirmed]
    assert list(problems_confirmed(world.campaign, world.neighbour)) == []
    assert pending not in problems_confirmed(world.campaign)


def test_only_assigned_people_or_the_working_group_raise_problems(world: World):
    with pytest.raises(AssessmentError, match="提出疑点"):
        problem_raise(
            campaign=world.campaign,
            county=world.county,
            kind="missed",
            description="x",
            user=world.outsider_user,
            household=world.household,
        )
    with pytest.raises(AssessmentError, match="提出疑点"):
        problem_raise(
            campaign=world.campaign,
            county=world.county,
            kind="missed",
            description="x",
            user=world.county_officer,
            household=world.household,
        )
