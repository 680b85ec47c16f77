"""Who took part in a problem may not take certain of its later steps, checked at the step itself
(not only when roles are given): enumerators raise and never conclude, so the team that raised a
problem never dismisses it at 初核; and 专家组核 is by experts other than the one who did 复核."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import Campaign, Problem, ProblemStep
from fupin.assessments.services import (
    AssessmentError,
    TransitionItem,
    TransitionRefused,
    evidence_receive,
    problem_raise,
    problem_transition,
    problems_transition,
)
from fupin.assessments.services.verification import (
    RAISED_BY_TEAM_REFUSED,
    REVIEWED_BY_SELF_REFUSED,
)
from fupin.assessments.tests.conftest import World

pytestmark = pytest.mark.django_db


def raise_problem(world: World, user=None) -> Problem:
    problem = problem_raise(
        campaign=world.campaign,
        county=world.county,
        kind="wrong_exit",
        description="人均纯收入低于标准线却已标注脱贫",
        user=user or world.enumerator_user,
        household=world.household,
    )
    content = b"photo of the income book"
    evidence_receive(
        owner=problem,
        kind="photo",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        filename="book.jpg",
        actor="t",
    )
    return problem


def step(problem: Problem, action: str, user, **kw) -> Problem:
    problem_transition(problem=problem, action=action, user=user, opinion=f"{action} 意见", **kw)
    problem.refresh_from_db()
    return problem


def close_window(problem: Problem) -> None:
    Problem.objects.filter(pk=problem.pk).update(
        explain_until=timezone.now() - dt.timedelta(minutes=1)
    )


def reviewed(world: World, problem: Problem) -> Problem:
    """The lead expert's 复核 and its conclusion: the problem awaits the expert group."""
    step(problem, "initial_check", world.enumerator_user)
    step(problem, "review", world.lead_expert)
    close_window(problem)
    return step(problem, "review_conclude", world.lead_expert, disputed=False)


def lead_also_in_expert_group(world: World) -> None:
    """The lead expert also holds the campaign's expert-group role (given some other way than
    campaign_role_grant, which refuses it): the step must still refuse."""
    membership_grant(user=world.lead_expert, role=Role.EXPERT_GROUP, campaign=world.campaign)


# --- enumerators raise and never conclude ------------------------------------------------------


@pytest.mark.parametrize("who", ["enumerator_user", "newcomer_user"], ids=["raiser", "teammate"])
def test_the_team_that_raised_a_problem_cannot_dismiss_it(world: World, who: str):
    problem = raise_problem(world)
    steps_before = ProblemStep.objects.filter(problem=problem).count()
    with pytest.raises(AssessmentError) as refused:
        step(problem, "initial_dismiss", getattr(world, who))
    assert str(refused.value) == RAISED_BY_TEAM_REFUSED
    assert "不下结论" in str(refused.value) and "初核：疑点不成立" in str(refused.value)
    problem.refresh_from_db()
    assert problem.status == "pending_initial"
    assert ProblemStep.objects.filter(problem=problem).count() == steps_before
    # The team's initial check that the suspicion holds is still theirs.
    assert step(problem, "initial_check", getattr(world, who)).status == "pending_review"


def test_the_team_may_dismiss_at_the_initial_check_a_problem_others_raised(world: World):
    problem = raise_problem(world, user=world.working_group)
    assert step(problem, "initial_dismiss", world.enumerator_user).status == "rejected"
    (dismissal,) = ProblemStep.objects.filter(problem=problem, action="initial_dismiss")
    assert dismissal.user == world.enumerator_user and dismissal.step == "initial"


def test_a_dismissal_by_the_raising_team_refuses_its_whole_batch(world: World):
    by_wg = raise_problem(world, user=world.working_group)
    by_team = raise_problem(world)
    with pytest.raises(TransitionRefused) as refused:
        problems_transition(
            [
                TransitionItem(by_wg, "initial_dismiss", world.enumerator_user, "入户核实不成立"),
                TransitionItem(by_team, "initial_dismiss", world.newcomer_user, "入户核实不成立"),
            ]
        )
    assert refused.value.index == 1 and str(refused.value) == RAISED_BY_TEAM_REFUSED
    assert set(Problem.objects.values_list("status", flat=True)) == {"pending_initial"}


# --- 专家组核 by experts other than the one who did 复核 ---------------------------------------


def test_the_expert_who_reviewed_cannot_judge_in_the_expert_group(world: World):
    lead_also_in_expert_group(world)
    problem = reviewed(world, raise_problem(world))
    assert problem.status == "pending_expert"
    with pytest.raises(AssessmentError) as refused:
        step(problem, "expert_judge", world.lead_expert)
    assert str(refused.value) == REVIEWED_BY_SELF_REFUSED
    assert "专家组核须由复核以外的专家进行" in str(refused.value)
    problem.refresh_from_db()
    assert problem.status == "pending_expert"
    assert not ProblemStep.objects.filter(problem=problem, step="expert").exists()
    # Another expert of the group may.
    assert step(problem, "expert_judge", world.expert_group).status == "pending_final"


def test_a_review_earlier_in_the_same_batch_counts(world: World):
    """Within one batch the review steps are written at the end; the rule still sees them."""
    lead_also_in_expert_group(world)
    Campaign.objects.filter(pk=world.campaign.pk).update(explain_window_hours=0)
    problem = raise_problem(world)
    step(problem, "initial_check", world.enumerator_user)
    now = timezone.now()
    with pytest.raises(TransitionRefused) as refused:
        problems_transition(
            [
                TransitionItem(problem, "review", world.lead_expert, "复核属实，反馈地方"),
                TransitionItem(
                    problem, "review_conclude", world.lead_expert, "维持", disputed=False
                ),
                TransitionItem(problem, "expert_judge", world.lead_expert, "认定"),
            ],
            now=now,
        )
    assert refused.value.index == 2 and str(refused.value) == REVIEWED_BY_SELF_REFUSED
    problem.refresh_from_db()
    assert problem.status == "pending_review"  # nothing of the batch was written
    assert not ProblemStep.objects.filter(problem=problem, step="review").exists()


# --- through the API ---------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_refuses_both_with_403_and_the_rule(world: World):
    problem = raise_problem(world)
    url = f"/api/problems/{problem.pk}/transition/"
    dismissed = api(world.newcomer_user).post(
        url, {"action": "initial_dismiss", "opinion": "不成立"}, format="json"
    )
    assert dismissed.status_code == 403, dismissed.json()
    assert dismissed.json()["detail"] == RAISED_BY_TEAM_REFUSED
    assert Problem.objects.get(pk=problem.pk).status == "pending_initial"

    lead_also_in_expert_group(world)
    reviewed(world, problem)
    judged = api(world.lead_expert).post(
        url, {"action": "expert_judge", "opinion": "认定"}, format="json"
    )
    assert judged.status_code == 403, judged.json()
    assert judged.json()["detail"] == REVIEWED_BY_SELF_REFUSED
    assert Problem.objects.get(pk=problem.pk).status == "pending_expert"
    membership_grant(user=world.expert_group, role=Role.EXPERT_GROUP, campaign=world.campaign)
    other = api(world.expert_group).post(
        url, {"action": "expert_judge", "opinion": "证据充分，认定"}, format="json"
    )
    assert other.status_code == 200, other.json()
    assert other.json()["problem"]["status"] == "pending_final"
