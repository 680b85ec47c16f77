"""Figures are judged pass/fail with the interval's clarity, from confirmed problems only; no scores."""

from __future__ import annotations

import hashlib

import pytest
from django.apps import apps

from fupin.assessments.models import CountyDecision, CountyResult, Problem
from fupin.assessments.services import (
    AssessmentError,
    campaign_transition,
    counties_straddling,
    county_decision_record,
    county_results_record,
    evidence_receive,
    figure_inputs,
    judge,
    problem_raise,
    problem_transition,
)
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.test_verification import advance
from fupin.policy import DEFAULT_THRESHOLDS

pytestmark = pytest.mark.django_db

FIGURES = {
    "wrong_exit_rate": {"estimate": 0.004, "se": 0.002, "df": 28, "ci_low": 0.0, "ci_high": 0.009},
    "missed_rate": {"estimate": 0.015, "se": 0.004, "df": 28, "ci_low": 0.007, "ci_high": 0.023},
    "incidence": {"estimate": 0.011, "se": 0.003, "df": 28, "ci_low": 0.005, "ci_high": 0.017},
    "recognition": {"estimate": 0.96, "se": 0.01, "df": 28, "ci_low": 0.94, "ci_high": 0.98},
}


def test_no_model_has_a_score_or_rank_field():
    for model in apps.get_app_config("assessments").get_models():
        for field in model._meta.get_fields():
            name = field.name.lower()
            assert not any(word in name for word in ("score", "rank", "points", "position")), (
                f"{model.__name__}.{field.name}"
            )


def test_judge_says_pass_or_fail_and_whether_the_interval_straddles():
    below = DEFAULT_THRESHOLDS.threshold("wrong_exit_rate")
    assert judge(estimate=0.01, ci_low=0.005, ci_high=0.015, threshold=below) == ("pass", "clear")
    assert judge(estimate=0.015, ci_low=0.008, ci_high=0.024, threshold=below) == (
        "pass",
        "straddles",
    )
    assert judge(estimate=0.03, ci_low=0.021, ci_high=0.04, threshold=below) == ("fail", "clear")
    at_least = DEFAULT_THRESHOLDS.threshold("recognition")
    assert judge(estimate=0.91, ci_low=0.88, ci_high=0.94, threshold=at_least) == (
        "pass",
        "straddles",
    )
    assert judge(estimate=0.95, ci_low=0.92, ci_high=0.98, threshold=at_least) == ("pass", "clear")


@pytest.fixture
def verifying(world: World) -> World:
    campaign_transition(campaign=world.campaign, to="verification", user=world.working_group)
    return world


def _confirmed(world: World) -> Problem:
    p = problem_raise(
        campaign=world.campaign,
        county=world.county,
        kind="wrong_exit",
        description="错退",
        user=world.enumerator_user,
        household=world.household,
    )
    evidence_receive(
        owner=p, kind="photo", content=b"x", sha256=hashlib.sha256(b"x").hexdigest(), actor="t"
    )
    return advance(world, p, "none")


def test_results_use_only_confirmed_problems_and_the_draws_in_force(verifying: World):
    w = verifying
    confirmed = _confirmed(w)
    pending = problem_raise(
        campaign=w.campaign,
        county=w.county,
        kind="missed",
        description="漏评",
        user=w.enumerator_user,
        household=w.other_household,
    )
    inputs = figure_inputs(w.campaign, w.county)
    assert inputs["problems"] == [confirmed.pk]
    assert w.household_draw.pk in inputs["draws"]
    with pytest.raises(AssessmentError, match="未经终核认定"):
        county_results_record(
            campaign=w.campaign,
            county=w.county,
            figures=FIGURES,
            draw_ids=inputs["draws"],
            problem_ids=[confirmed.pk, pending.pk],
        )
    with pytest.raises(AssessmentError, match="遗漏已认定"):
        county_results_record(
            campaign=w.campaign,
            county=w.county,
            figures=FIGURES,
            draw_ids=inputs["draws"],
            problem_ids=[],
        )
    assert not CountyResult.objects.exists()
    rows = county_results_record(
        campaign=w.campaign,
        county=w.county,
        figures=FIGURES,
        draw_ids=inputs["draws"],
        problem_ids=inputs["problems"],
    )
    by = {r.figure: r for r in rows}
    assert by["incidence"].threshold == 0.03  # 岷县 is in the west
    assert by["missed_rate"].clarity == "straddles" and by["missed_rate"].verdict == "pass"
    assert by["recognition"].comparison == "at_least"
    assert rows[0].inputs["problems"] == [confirmed.pk]
    assert len({r.inputs_checksum for r in rows}) == 1


def test_an_unconfirmed_problem_changes_no_figure_input(verifying: World):
    w = verifying
    before = figure_inputs(w.campaign, w.county)
    p = problem_raise(
        campaign=w.campaign,
        county=w.county,
        kind="wrong_exit",
        description="疑点",
        user=w.enumerator_user,
        household=w.household,
    )
    advance(w, p, "final_confirm")  # at 终核, not yet confirmed
    assert figure_inputs(w.campaign, w.county) == before
    problem_transition(problem=p, action="final_reject", user=w.working_group, opinion="不予认定")
    assert figure_inputs(w.campaign, w.county) == before


def test_the_decision_is_a_veto_of_every_figure_and_lists_straddling_figures(verifying: World):
    w = verifying
    inputs = figure_inputs(w.campaign, w.county)
    failing = {
        **FIGURES,
        "recognition": {"estimate": 0.86, "se": 0.01, "ci_low": 0.84, "ci_high": 0.88},
    }
    county_results_record(
        campaign=w.campaign,
        county=w.county,
        figures=failing,
        draw_ids=inputs["draws"],
        problem_ids=inputs["problems"],
    )
    decision = county_decision_record(campaign=w.campaign, county=w.county, actor="t")
    assert decision.outcome == "fail"
    assert decision.straddling_figures == ["missed_rate"]
    assert counties_straddling(w.campaign) == [(w.county, ["missed_rate"])]
    county_results_record(
        campaign=w.campaign,
        county=w.county,
        figures=FIGURES,
        draw_ids=inputs["draws"],
        problem_ids=inputs["problems"],
    )
    assert county_decision_record(campaign=w.campaign, county=w.county, actor="t").outcome == "pass"
    assert CountyDecision.objects.count() == 1


def test_a_decision_is_refused_when_a_problem_was_confirmed_after_the_figures(verifying: World):
    w = verifying
    inputs = figure_inputs(w.campaign, w.county)
    county_results_record(
        campaign=w.campaign,
        county=w.county,
        figures=FIGURES,
        draw_ids=inputs["draws"],
        problem_ids=inputs["problems"],
    )
    _confirmed(w)
    with pytest.raises(AssessmentError, match="重新计算"):
        county_decision_record(campaign=w.campaign, county=w.county, actor="t")


def test_figures_are_frozen_once_decided(verifying: World):
    w = verifying
    campaign_transition(campaign=w.campaign, to="decided", user=w.working_group)
    inputs = figure_inputs(w.campaign, w.county)
    with pytest.raises(AssessmentError, match="出结果后指标不再改变"):
        county_results_record(
            campaign=w.campaign,
            county=w.county,
            figures=FIGURES,
            draw_ids=inputs["draws"],
            problem_ids=inputs["problems"],
        )


def test_a_figure_the_sample_cannot_support_is_flagged_for_the_overall_judgement(verifying: World):
    # The engine says the sample is too thin (样本不足以给出可靠区间): the figure is recorded
    # as such, not "clear", and the decision lists it with the straddling figures.
    w = verifying
    inputs = figure_inputs(w.campaign, w.county)
    thin = {**FIGURES, "wrong_exit_rate": {**FIGURES["wrong_exit_rate"], "sparse": True}}
    county_results_record(
        campaign=w.campaign,
        county=w.county,
        figures=thin,
        draw_ids=inputs["draws"],
        problem_ids=inputs["problems"],
    )
    row = CountyResult.objects.get(campaign=w.campaign, county=w.county, figure="wrong_exit_rate")
    assert row.clarity == "sparse"
    assert row.get_clarity_display() == "样本不足以给出可靠区间"
    decision = county_decision_record(campaign=w.campaign, county=w.county, actor="t")
    assert decision.straddling_figures == ["missed_rate", "wrong_exit_rate"]
    assert counties_straddling(w.campaign) == [(w.county, ["missed_rate", "wrong_exit_rate"])]
