"""Computing the four figures from the records (issue #14, item 8): equal to the pure engine's on
the same draw and answers, refused with the lists while households are unsurveyed or problems
open, a recomputation appends rows and keeps the old; the county result (item 9)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import CountyDecision, CountyResult
from fupin.assessments.services import (
    AssessmentError,
    ResultsRefused,
    campaign_results_compute,
    county_decision_record,
    county_results_record,
    results_compute,
)
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.results_world import (
    EXITED,
    NONREGISTERED,
    ResultsWorld,
    results_world,
)
from fupin.assessments.workflows import CampaignStatus, ProblemStatus

pytestmark = pytest.mark.django_db
FIGURES = ("wrong_exit_rate", "missed_rate", "incidence", "recognition")


@pytest.fixture
def rw(tmp_path: Path) -> ResultsWorld:
    return results_world(tmp_path)


def _surveyed_with_problems(w: ResultsWorld) -> ResultsWorld:
    w.survey()
    exited, nonreg = w.households(EXITED), w.households(NONREGISTERED)
    w.problem(exited[0], "wrong_exit")
    w.problem(exited[3], "wrong_exit")
    w.problem(nonreg[1], "missed")
    w.problem(exited[5], "wrong_exit", status=ProblemStatus.REJECTED)  # does not count
    return w


def _same(rows: list[CountyResult], pure) -> None:
    got = {r.figure: r for r in rows}
    assert set(got) == set(FIGURES)
    for name in FIGURES:
        want = getattr(pure, name)
        r = got[name]
        for a, b in (
            (r.estimate, want.estimate.value),
            (r.se, want.estimate.se),
            (r.ci_low, want.ci[0]),
            (r.ci_high, want.ci[1]),
        ):
            assert math.isclose(a, b, rel_tol=0, abs_tol=1e-12), (name, a, b)
        assert r.verdict == want.verdict
        assert (r.clarity == "clear") == (want.clarity == "clear")


def test_figures_from_the_records_equal_the_pure_engine_and_a_recomputation_keeps_the_old(
    rw: ResultsWorld,
) -> None:
    w = _surveyed_with_problems(rw)
    assert len(w.wrong_exit) == 2 and len(w.missed) == 1
    (computed,) = campaign_results_compute(w.campaign, user=w.working_group)
    assert computed.county == w.county
    pure = w.pure()
    assert pure.wrong_exit_rate.estimate.value > 0 and pure.missed_rate.estimate.value > 0
    _same(computed.rows, pure)
    _same(list(CountyResult.objects.filter(campaign=w.campaign, current=True)), pure)
    # What the rows were computed from: the draws in force and the confirmed problems only.
    row = computed.rows[0]
    assert len(row.inputs["draws"]) == 2 and len(row.inputs["problems"]) == 3
    audit = AuditEntry.objects.filter(note="记录县级指标").latest("id")
    assert audit.after["county"] == w.county.code and audit.user == w.working_group

    # A change (one more problem confirmed at 终核), then 计算结果 again: new rows, old kept.
    first = computed.rows
    w.problem(w.households(EXITED)[7], "wrong_exit")
    second = results_compute(w.campaign, w.county, user=w.working_group).rows
    _same(second, w.pure())
    rows = CountyResult.objects.filter(campaign=w.campaign, county=w.county)
    assert len(w.wrong_exit) == 3 and rows.count() == 8
    assert set(rows.filter(current=True).values_list("pk", flat=True)) == {r.pk for r in second}
    old = {r.figure: r for r in rows.filter(current=False)}
    assert {r.pk for r in old.values()} == {r.pk for r in first}
    new_we = next(r for r in second if r.figure == "wrong_exit_rate")
    assert new_we.estimate > old["wrong_exit_rate"].estimate
    assert AuditEntry.objects.filter(note="重新计算县级指标").exists()
    # The decision reads the rows in force.
    decision = county_decision_record(
        campaign=w.campaign, county=w.county, user=w.working_group, note="依据逐项判定"
    )
    assert decision.outcome == w.pure().decision


def test_refused_with_the_lists_while_households_are_unsurveyed_or_problems_open(
    rw: ResultsWorld,
) -> None:
    w = rw
    with pytest.raises(ResultsRefused) as refused:
        campaign_results_compute(w.campaign, user=w.working_group)
    (gaps,) = refused.value.gaps
    assert [h.household_no for h in gaps.unsurveyed] == w.keys
    assert "尚未调查" in str(refused.value) and w.keys[0] in str(refused.value)

    w.survey(list(range(1, len(w.keys))))  # all but the first
    open_problem = w.problem(w.households(EXITED)[0], "wrong_exit", status="pending_review")
    with pytest.raises(ResultsRefused) as refused:
        results_compute(w.campaign, w.county, user=w.working_group)
    (gaps,) = refused.value.gaps
    assert [h.household_no for h in gaps.unsurveyed] == [w.keys[0]]
    assert [(p.number, p.status) for p in gaps.open_problems] == [(open_problem.pk, "待复核")]
    assert f"#{open_problem.pk} 待复核" in str(refused.value)
    assert gaps.as_dict()["open_problems"][0]["number"] == open_problem.pk
    assert not CountyResult.objects.exists()

    # Only the campaign's working group computes, and only in verification.
    w.survey([0])
    open_problem.status = ProblemStatus.REJECTED
    open_problem.save(update_fields=["status"])
    with pytest.raises(AssessmentError, match="评估工作组"):
        campaign_results_compute(w.campaign, user=w.other_user)
    w.campaign.status = CampaignStatus.FIELDWORK
    w.campaign.save(update_fields=["status"])
    with pytest.raises(AssessmentError, match="问题核实"):
        campaign_results_compute(w.campaign, user=w.working_group)
    assert not CountyResult.objects.exists()


# --- the county result: pass or fail with reasons ---------------------------------------------

STRADDLING = {
    "wrong_exit_rate": {
        "estimate": 0.015,
        "se": 0.004,
        "df": 28,
        "ci_low": 0.008,
        "ci_high": 0.024,
    },
    "missed_rate": {"estimate": 0.005, "se": 0.002, "df": 28, "ci_low": 0.001, "ci_high": 0.009},
    "incidence": {"estimate": 0.011, "se": 0.003, "df": 28, "ci_low": 0.005, "ci_high": 0.017},
    "recognition": {"estimate": 0.96, "se": 0.01, "df": 28, "ci_low": 0.94, "ci_high": 0.98},
}


def _record(world: World, figures: dict) -> None:
    from fupin.assessments.services import campaign_transition

    campaign_transition(campaign=world.campaign, to="verification", user=world.working_group)
    county_results_record(
        campaign=world.campaign,
        county=world.county,
        figures=figures,
        draw_ids=[world.household_draw.pk],
        problem_ids=[],
        actor="t",
    )


def test_a_result_other_than_the_figures_needs_the_comprehensive_judgement_and_reasons(
    world: World,
) -> None:
    _record(world, STRADDLING)
    kwargs = {"campaign": world.campaign, "county": world.county, "user": world.working_group}
    with pytest.raises(AssessmentError, match="理由"):
        county_decision_record(**kwargs, outcome="fail")
    with pytest.raises(AssessmentError, match="达标"):
        county_decision_record(**kwargs, outcome="score-97", note="x")
    decision = county_decision_record(
        **kwargs, outcome="fail", note="错退率区间跨越阈值，暗访发现同类问题，综合研判不通过"
    )
    assert decision.outcome == "fail" and decision.straddling_figures == ["wrong_exit_rate"]
    audit = AuditEntry.objects.filter(after__outcome="fail").latest("id")
    assert audit.after["by_figures"] == "pass" and "综合研判" in audit.after["note"]
    assert CountyDecision.objects.count() == 1


def test_a_clear_result_cannot_be_overturned(world: World) -> None:
    clear = dict(STRADDLING)
    clear["wrong_exit_rate"] = {
        "estimate": 0.004,
        "se": 0.002,
        "df": 28,
        "ci_low": 0.0,
        "ci_high": 0.009,
    }
    _record(world, clear)
    with pytest.raises(AssessmentError, match="置信区间均在阈值一侧"):
        county_decision_record(
            campaign=world.campaign,
            county=world.county,
            user=world.working_group,
            outcome="fail",
            note="不同意",
        )
    assert not CountyDecision.objects.exists()
