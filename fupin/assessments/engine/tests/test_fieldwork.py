"""Simulated field answers, suspected problems and the five verification steps."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import numpy as np
import pytest

from fupin.assessments.engine.fieldwork import MeasurementError, simulate_survey
from fupin.assessments.engine.frames import (
    EXITED,
    NONREGISTERED,
    frame_from_batch,
    truth_from_batch,
)
from fupin.assessments.engine.sampling import SamplingSettings, draw_households, draw_villages
from fupin.assessments.engine.verification import (
    STEPS,
    ConfirmedProblems,
    VerificationErrors,
    confirm_fast,
    simulate_verification,
)
from fupin.synth import generate, preset

EXACT = MeasurementError(income_sigma=0.0, guarantee_misread=0.0, recognition_flip=0.0, margin=0.0)


@pytest.fixture(scope="module")
def county():
    config = preset("demo", wrong_exit_rate=0.05, missed_rate=0.05, seed=3)
    batch = next(generate(config))
    frame = frame_from_batch(batch)
    return frame, truth_from_batch(batch, frame)


@pytest.fixture(scope="module")
def draw(county):
    frame, _ = county
    settings = SamplingSettings(villages=20, exited_per_village=60, nonregistered_per_village=60)
    villages = draw_villages(frame, settings, np.random.default_rng(1))
    return draw_households(frame, villages, settings, np.random.default_rng(2))


def test_exact_answers_flag_exactly_the_true_problems(county, draw):
    frame, truth = county
    answers = simulate_survey(frame, truth, draw, np.random.default_rng(5), error=EXACT)
    idx = draw.index
    assert np.array_equal(answers.size, truth.size[idx])
    assert np.allclose(answers.income_per_capita, truth.income_per_capita[idx], atol=0.006)
    real = truth.meets_standard[idx]
    assert np.array_equal(answers.suspected == "wrong_exit", real & (draw.stratum == EXITED))
    assert np.array_equal(answers.suspected == "missed", real & (draw.stratum == NONREGISTERED))
    assert (answers.suspected == "wrong_exit").sum() > 0 and (
        answers.suspected == "missed"
    ).sum() > 0


def test_liberal_field_flags_every_true_problem_and_some_false_alarms(county, draw):
    frame, truth = county
    answers = simulate_survey(frame, truth, draw, np.random.default_rng(6))
    real = truth.meets_standard[draw.index] & (draw.stratum != 1)
    flagged = answers.suspected != ""
    assert np.all(flagged[real])
    assert (flagged & ~real).sum() > 0  # verification has work to do


def test_recognition_is_asked_of_registered_households_and_poor_villages_only(county, draw):
    frame, truth = county
    answers = simulate_survey(frame, truth, draw, np.random.default_rng(7))
    poor_village = frame.village_is_poor[frame.village[draw.index]]
    expected = (draw.stratum != NONREGISTERED) | poor_village
    assert np.array_equal(answers.recognition_asked, expected)
    assert not answers.recognises[~expected].any()


def test_verification_paths_follow_the_five_steps(county, draw):
    frame, truth = county
    answers = simulate_survey(frame, truth, draw, np.random.default_rng(8))
    paths = simulate_verification(frame, truth, draw, answers, np.random.default_rng(9))
    assert len(paths) == int((answers.suspected != "").sum())
    for p in paths:
        codes = [s.code for s in p.steps]
        assert codes == [c for c in STEPS if c in codes]  # in order
        assert codes[0] == "initial"
        if len(codes) > 1:
            assert codes[1] == "review" and codes[-2:] == ["expert", "final"]
            assert ("department" in codes) == p.disputed
        real = bool(truth.meets_standard[draw.index[p.position]])
        assert p.confirmed == real
        assert p.household_no == frame.household_no[draw.index[p.position]]
        assert all(s.opinion and s.label for s in p.steps)
    assert any(p.disputed for p in paths) and any(len(p.steps) == 1 for p in paths)


def test_fast_confirmation_agrees_with_the_paths(county, draw):
    frame, truth = county
    answers = simulate_survey(frame, truth, draw, np.random.default_rng(8))
    errors = VerificationErrors(false_confirmation=0.3, false_rejection=0.2)
    paths = simulate_verification(
        frame, truth, draw, answers, np.random.default_rng(10), errors=errors
    )
    slow = ConfirmedProblems.from_paths(paths, len(draw))
    fast = confirm_fast(truth, draw, answers, np.random.default_rng(10), errors=errors)
    assert np.array_equal(slow.wrong_exit, fast.wrong_exit)
    assert np.array_equal(slow.missed, fast.missed)
