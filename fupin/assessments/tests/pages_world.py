"""For the page tests: the verification world (conftest.World) given the scopes the pages read.

The services and the pages' scoping read the same role rows (fupin.accounts.roles, scoping); the
conftest personas hold their duties, and here they get the rows tied to places the pages read: the
lead expert the evaluator role, the working group, department and expert-group users their roles
tied to the campaign, the county officers their county office. The campaign assesses 岷县 and its neighbour 漳县, so that the neighbour's officer
sees the campaign once decided, but nothing of 岷县.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.utils import timezone

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant, working_group_add
from fupin.assessments.models import (
    CountyDecision,
    CountyResult,
    Evidence,
    Problem,
    ProblemStep,
)
from fupin.assessments.services import (
    campaign_transition,
    evidence_receive,
    problem_raise,
    problem_transition,
)
from fupin.assessments.services.cadre_survey import cadre_response_record
from fupin.assessments.tests.conftest import World

ID_NUMBER = "621126198001010019"  # 张三, the head of world.household (fupin/conftest.py)
MASKED = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]


def scoped(world: World) -> World:
    """Grant the role rows the pages' scoping reads; returns the same world."""
    world.campaign.scope.add(world.neighbour)
    membership_grant(user=world.lead_expert, role=Role.EXPERT)
    working_group_add(campaign=world.campaign, user=world.working_group)
    membership_grant(user=world.department, role=Role.DEPARTMENT, campaign=world.campaign)
    membership_grant(user=world.expert_group, role=Role.EXPERT_GROUP, campaign=world.campaign)
    membership_grant(user=world.county_officer, role=Role.COUNTY_OFFICE, region=world.county)
    membership_grant(user=world.neighbour_officer, role=Role.COUNTY_OFFICE, region=world.neighbour)
    return world


def raise_problem(
    world: World, description: str = "人均纯收入低于标准线却已标注脱贫", user: Any = None
) -> Problem:
    return problem_raise(
        campaign=world.campaign,
        county=world.county,
        kind="wrong_exit",
        description=description,
        user=user or world.enumerator_user,
        household=world.household,
    )


def attach_photo(problem: Problem, content: bytes = b"photo of the leaking roof") -> Evidence:
    e, _ = evidence_receive(
        owner=problem,
        kind="photo",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        filename="roof.jpg",
        actor="t",
    )
    return e


def close_window(problem: Problem) -> None:
    Problem.objects.filter(pk=problem.pk).update(
        explain_until=timezone.now() - dt.timedelta(minutes=1)
    )


def to_status(world: World, problem: Problem, status: str) -> Problem:
    """Take an undisputed problem through the services until it reaches `status`."""
    path = [
        ("pending_initial", "initial_check", world.enumerator_user),
        ("pending_review", "review", world.lead_expert),
        ("explaining", "review_conclude", world.lead_expert),
        ("pending_expert", "expert_judge", world.expert_group),
        ("pending_final", "final_confirm", world.working_group),
    ]
    for current, action, user in path:
        problem.refresh_from_db()
        if problem.status == status:
            break
        assert problem.status == current
        if action == "review_conclude":
            close_window(problem)
        problem_transition(
            problem=problem,
            action=action,
            user=user,
            opinion=f"{action} 意见",
            disputed=False if action == "review_conclude" else None,
        )
    problem.refresh_from_db()
    assert problem.status == status
    return problem


def confirmed_problem(world: World) -> Problem:
    problem = raise_problem(world)
    attach_photo(problem)
    return to_status(world, problem, "confirmed")


def decide(world: World, *, straddling: str = "missed_rate") -> None:
    """Results for 岷县 (one figure straddling its threshold) and the campaign decided."""
    figures = {
        "wrong_exit_rate": (0.004, 0.001, 0.009, 0.02, "below", "pass"),
        "missed_rate": (0.015, 0.006, 0.031, 0.02, "below", "pass"),
        "incidence": (0.012, 0.008, 0.016, 0.03, "below", "pass"),
        "recognition": (0.95, 0.93, 0.97, 0.9, "at_least", "pass"),
    }
    for figure, (est, low, high, threshold, comparison, verdict) in figures.items():
        CountyResult.objects.create(
            campaign=world.campaign,
            county=world.county,
            figure=figure,
            estimate=est,
            se=0.003,
            ci_low=low,
            ci_high=high,
            threshold=threshold,
            comparison=comparison,
            verdict=verdict,
            clarity="straddles" if figure == straddling else "clear",
            inputs={},
            inputs_checksum="x",
        )
    CountyDecision.objects.create(
        campaign=world.campaign,
        county=world.county,
        outcome="pass",
        straddling_figures=[straddling],
        inputs_checksum="x",
        actor="test",
    )
    for to in ("verification", "decided"):
        campaign_transition(campaign=world.campaign, to=to, user=world.working_group)
    world.campaign.refresh_from_db()


def steps_of(problem: Problem) -> int:
    return ProblemStep.objects.filter(problem=problem).count()


def body(response: Any) -> str:
    return response.content.decode()


def cadre_answers(world: World, *answers: tuple[str, str, str]) -> None:
    """Responses of the cadre survey (category, answer, reason) entered for 岷县 by its enumerator."""
    for category, answer, reason in answers:
        cadre_response_record(
            campaign=world.campaign,
            county=world.county,
            user=world.enumerator_user,
            category=category,
            answer=answer,
            reason=reason,
        )
