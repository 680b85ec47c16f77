"""Honest intervals (issue #19): the full-count part, the seed-7 collapse, the sparse flag."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fupin.assessments.engine.coverage import county
from fupin.assessments.engine.fieldwork import MeasurementError, simulate_survey
from fupin.assessments.engine.figures import county_figures
from fupin.assessments.engine.frames import NONREGISTERED
from fupin.assessments.engine.pipeline import truth_figures
from fupin.assessments.engine.sampling import SamplingSettings, draw_households, draw_villages
from fupin.assessments.engine.verification import ConfirmedProblems
from fupin.stats.parts import MIN_SAMPLED, part_interval

# The collapse must never give an interval narrower than this fraction of the estimate.
MIN_RELATIVE_WIDTH = 0.5


@pytest.fixture(scope="module")
def demo():
    return county("demo")


def _draw(frame, settings, seed):
    villages = draw_villages(frame, settings, np.random.default_rng(seed))
    return draw_households(frame, villages, settings, np.random.default_rng(seed + 1))


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_all_problems_in_full_count_cells_give_a_wide_interval(demo, seed):
    # The seed-7 collapse: every confirmed missed household lies in a full-count cell (a
    # certainty village, at-risk households taken in full); the sampled part shows none.  The
    # old interval was [0.0029, 0.0036] around 0.0032 (width 22 % of the estimate).
    frame, truth = demo
    settings = SamplingSettings(villages=12, exited_per_village=10, nonregistered_per_village=8)
    draw = _draw(frame, settings, seed)
    answers = simulate_survey(frame, truth, draw, np.random.default_rng(seed + 2))
    full = (draw.village_pi >= 1 - 1e-9) & (draw.pi >= 1 - 1e-9)
    nonreg = draw.stratum == NONREGISTERED
    candidates = np.flatnonzero(full & nonreg)
    assert candidates.size >= 2  # the demo has certainty villages with at-risk households
    missed = np.zeros(len(draw), dtype=bool)
    missed[candidates[:2]] = True
    confirmed = ConfirmedProblems(wrong_exit=np.zeros(len(draw), dtype=bool), missed=missed)
    figs = county_figures(frame, draw, answers, confirmed)
    m = figs.missed_rate
    basis = m.basis
    assert basis is not None
    assert m.value > 0 and basis.events == 0 and basis.sampled_n > 0
    width = m.ci[1] - m.ci[0]
    assert m.sparse or width >= MIN_RELATIVE_WIDTH * m.value, (m.value, m.ci)
    # Zero events in the sampled part: the exact (Clopper-Pearson) bound, on no more than the
    # sampled households, added to the full-count part.
    assert m.ci_method == "beta"
    assert m.ci[0] == pytest.approx(basis.full_share * basis.full_value)
    assert basis.n_eff <= 2 * basis.sampled_n
    assert m.clarity != "clear" or not (m.ci[0] <= m.threshold <= m.ci[1])


def test_a_domain_with_few_sampled_households_is_flagged_not_clear():
    got = part_interval(
        full_share=0.3, full_value=0.01, q=0.02, var=1e-6, n=MIN_SAMPLED - 1, events=1, df=5
    )
    assert got.unreliable
    ok = part_interval(full_share=0.3, full_value=0.01, q=0.02, var=1e-4, n=400, events=8, df=20)
    assert not ok.unreliable


def test_the_effective_sample_never_exceeds_the_sampled_households():
    # A tiny design variance (here deff 0.001) would claim ~ 200 000 households; n_eff stays n.
    got = part_interval(full_share=0.0, full_value=0.0, q=0.02, var=1e-10, n=200, events=4, df=30)
    assert got.n_eff <= 200
    width = got.ci[1] - got.ci[0]
    assert width > 0.02  # about the binomial width on 200 households, not 0.0001


def test_many_events_use_the_logit_interval_and_few_the_exact_one():
    many = part_interval(full_share=0.0, full_value=0.0, q=0.1, var=1e-4, n=900, events=90, df=30)
    few = part_interval(full_share=0.0, full_value=0.0, q=0.005, var=1e-5, n=900, events=4, df=30)
    assert many.method == "logit" and few.method == "beta"
    zero = part_interval(full_share=0.5, full_value=0.02, q=0.0, var=0.0, n=300, events=0, df=30)
    assert zero.ci[0] == pytest.approx(0.01) and zero.ci[1] > 0.01 + 0.5 * 0.009


def test_recognition_truth_is_what_the_survey_measures(demo):
    frame, truth = demo
    exact = truth_figures(frame, truth, MeasurementError(recognition_flip=0.0))
    flipped = truth_figures(frame, truth, MeasurementError(recognition_flip=0.02))
    a = exact.recognition
    assert exact.recognition == exact.recognition_attitude
    assert flipped.recognition == pytest.approx(a * 0.98 + (1 - a) * 0.02)
    assert flipped.recognition_attitude == a
    assert dataclasses.replace(flipped, recognition=a) == dataclasses.replace(exact, recognition=a)
