"""Problems over the API: filters, and verification actions through `problem_transition`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from fupin.accounts.models import Role
from fupin.api.tests.conftest import Problems, grant_role
from fupin.assessments.models import Campaign, Problem, ProblemStep
from fupin.assessments.workflows import CampaignStatus, ProblemStatus
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

Api = Callable[[str | None], APIClient]


def _transition(api: Api, persona: str, problem: Problem, **body: object) -> Any:
    return api(persona).post(f"/api/problems/{problem.pk}/transition/", body, format="json")


def test_the_assigned_enumerator_makes_the_initial_check(
    api: Api, world: World, problems: Problems
) -> None:
    grant_role(world, "enumerator", Role.ENUMERATOR)
    response = _transition(
        api,
        "enumerator",
        problems.household,
        action="initial_check",
        opinion="入户核实，收入明显低于登记",
    )
    assert response.status_code == 200, response.content
    assert response.json()["problem"]["status"] == ProblemStatus.PENDING_REVIEW
    assert response.json()["problem"]["awaiting_step"] == "review"
    step = ProblemStep.objects.get()
    assert (step.problem_id, step.step, step.action, step.from_status, step.to_status) == (
        problems.household.pk,
        "initial",
        "initial_check",
        "pending_initial",
        "pending_review",
    )
    assert step.user == world.users["enumerator"] and step.opinion == "入户核实，收入明显低于登记"
    detail = api("enumerator").get(f"/api/problems/{problems.household.pk}/").json()
    assert [s["action"] for s in detail["steps"]] == ["initial_check"]


def test_the_assigned_lead_expert_reviews(api: Api, world: World, problems: Problems) -> None:
    grant_role(world, "expert", Role.LEAD_EXPERT)
    Problem.objects.filter(pk=problems.other.pk).update(status=ProblemStatus.PENDING_REVIEW)
    response = _transition(api, "expert", problems.other, action="review", opinion="请地方说明")
    assert response.status_code == 200, response.content
    assert response.json()["problem"]["status"] == ProblemStatus.EXPLAINING
    assert response.json()["problem"]["explain_until"] is not None


@pytest.mark.parametrize("persona", ["expert", "working_group", "superuser"])
def test_the_wrong_role_is_refused_and_nothing_changes(
    api: Api, world: World, problems: Problems, persona: str
) -> None:
    grant_role(world, "working_group", Role.WORKING_GROUP)
    response = _transition(
        api, persona, problems.household, action="initial_check", opinion="疑点成立"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "只有调查员才能进行初核"
    problems.household.refresh_from_db()
    assert problems.household.status == ProblemStatus.PENDING_INITIAL
    assert not ProblemStep.objects.exists()


def test_an_enumerator_of_another_team_is_refused(
    api: Api, world: World, problems: Problems
) -> None:
    """The enumerator's team is not assigned to the county-level problem's households (none)."""
    grant_role(world, "enumerator", Role.ENUMERATOR)
    grant_role(world, "superuser", Role.ENUMERATOR)  # holds the role, but on no team
    response = _transition(
        api, "superuser", problems.household, action="initial_check", opinion="疑点成立"
    )
    assert response.status_code == 403
    assert "调查小组" in response.json()["detail"]
    assert not ProblemStep.objects.exists()


def test_an_action_the_status_does_not_allow_is_a_conflict(
    api: Api, world: World, problems: Problems
) -> None:
    grant_role(world, "enumerator", Role.ENUMERATOR)
    response = _transition(
        api, "enumerator", problems.household, action="final_confirm", opinion="认定"
    )
    assert response.status_code == 409
    assert "待初核" in response.json()["detail"]
    Problem.objects.filter(pk=problems.household.pk).update(status=ProblemStatus.REJECTED)
    closed = _transition(
        api, "enumerator", problems.household, action="initial_check", opinion="疑点成立"
    )
    assert closed.status_code == 409 and "已办结" in closed.json()["detail"]
    assert not ProblemStep.objects.exists()


def test_a_campaign_past_verification_is_a_conflict(
    api: Api, world: World, problems: Problems
) -> None:
    grant_role(world, "working_group", Role.WORKING_GROUP)
    Problem.objects.filter(pk=problems.county.pk).update(status=ProblemStatus.PENDING_FINAL)
    Campaign.objects.filter(pk=world.campaign.pk).update(status=CampaignStatus.DECIDED)
    response = _transition(
        api, "working_group", problems.county, action="final_reject", opinion="证据不足"
    )
    assert response.status_code == 409
    assert "已出结果" in response.json()["detail"]
    assert not ProblemStep.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"action": "initial_check"},  # no opinion
        {"action": "initial_check", "opinion": "   "},
        {"action": "raise", "opinion": "x"},  # raising is not a transition
        {"action": "launch", "opinion": "x"},
        {"action": "initial_check", "opinion": "x", "disputed": True},  # only for review_conclude
    ],
)
def test_a_malformed_action_is_a_bad_request(
    api: Api, world: World, problems: Problems, body: dict[str, object]
) -> None:
    grant_role(world, "enumerator", Role.ENUMERATOR)
    response = api("enumerator").post(
        f"/api/problems/{problems.household.pk}/transition/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert not ProblemStep.objects.exists()


def test_review_conclusion_without_saying_whether_disputed_is_a_bad_request(
    api: Api, world: World, problems: Problems
) -> None:
    grant_role(world, "expert", Role.LEAD_EXPERT)
    Problem.objects.filter(pk=problems.other.pk).update(status=ProblemStatus.EXPLAINING)
    response = _transition(
        api, "expert", problems.other, action="review_conclude", opinion="维持初核意见"
    )
    assert response.status_code == 400
    assert "争议" in response.json()["detail"]


def test_filters(api: Api, world: World, problems: Problems) -> None:
    Problem.objects.filter(pk=problems.other.pk).update(status=ProblemStatus.EXPLAINING)
    client = api("working_group")

    def ids(**params: object) -> set[int]:
        response = client.get("/api/problems/", params)
        assert response.status_code == 200, response.content
        return {p["id"] for p in response.json()["results"]}

    assert ids(step="initial") == {problems.household.pk, problems.county.pk}
    assert ids(step="review") == {problems.other.pk}
    assert ids(status="explaining") == {problems.other.pk}
    assert ids(campaign=world.campaign.pk) == {
        problems.household.pk,
        problems.other.pk,
        problems.county.pk,
    }
    assert ids(campaign=999999) == set()
    for bad in (
        {"campaign": "abc"},
        {"status": "open"},
        {"step": "raise"},
        {"campaign": str(2**70)},
    ):
        assert client.get("/api/problems/", bad).status_code == 400, bad
