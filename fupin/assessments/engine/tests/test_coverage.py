"""Replicated demo assessments: the 95% intervals of the wrong-exit and missed rates cover the truth.

The population (a demo-like county of 60 villages and 10 000 households with 2.5 % wrong exits
and missed households) is generated once; each replicate redraws villages (PPS, the default)
and households, simulates the survey with measurement error and the five verification steps,
and estimates the figures.  The estimand is the county's finite-population truth.  Seeds are
fixed, so the result is deterministic; with 1 000 replicates the Monte Carlo standard error of a
95 % coverage is about 0.7 points.
"""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fupin.assessments.engine.frames import frame_from_batch, truth_from_batch
from fupin.assessments.engine.pipeline import assess_county, truth_figures
from fupin.assessments.engine.sampling import SamplingSettings
from fupin.synth import generate, preset

POPULATION: dict[str, Any] = {
    "seed": 7,
    "poor_villages": 36,
    "nonpoor_villages": 24,
    "registered_households": 4_000,
    "registered_persons": 16_500,
    "nonregistered_households": 6_000,
    "wrong_exit_rate": 0.025,
    "missed_rate": 0.025,
}
SETTINGS = SamplingSettings(
    villages=12, exited_per_village=30, poor_per_village=5, nonregistered_per_village=25
)
REPLICATES = 1000
SEED = 2024  # replicate i uses np.random.default_rng([SEED, i])


@pytest.fixture(scope="module")
def coverage():
    batch = next(generate(preset("demo", **POPULATION)))
    frame = frame_from_batch(batch)
    truth = truth_from_batch(batch, frame)
    target = truth_figures(frame, truth)
    hits = {
        key: 0 for key in ("wrong_exit_logit", "wrong_exit_beta", "missed_logit", "missed_beta")
    }
    sizes = []
    for i in range(REPLICATES):
        a = assess_county(
            frame, truth, SETTINGS, np.random.default_rng([SEED, i]), with_paths=False, score=False
        )
        sizes.append(len(a.households))
        for name, figure, true in (
            ("wrong_exit", a.figures.wrong_exit_rate, target.wrong_exit_rate),
            ("missed", a.figures.missed_rate, target.missed_rate),
        ):
            for method in ("logit", "beta"):
                lo, hi = figure.estimate.ci(0.95, method)
                hits[f"{name}_{method}"] += lo <= true <= hi
    out = {key: value / REPLICATES for key, value in hits.items()}
    out["households"] = float(np.mean(sizes))
    out["true_wrong_exit"] = target.wrong_exit_rate
    out["true_missed"] = target.missed_rate
    return out


def test_the_population_has_problems_to_find(coverage):
    assert 0.015 < coverage["true_wrong_exit"] < 0.035
    assert 0.015 < coverage["true_missed"] < 0.035
    assert 900 < coverage["households"] < 1500


@pytest.mark.parametrize("rate", ["wrong_exit", "missed"])
def test_logit_intervals_cover_the_truth_93_to_97_percent(coverage, rate):
    assert 0.93 <= coverage[f"{rate}_logit"] <= 0.97, coverage


@pytest.mark.parametrize("rate", ["wrong_exit", "missed"])
def test_beta_intervals_cover_the_truth_93_to_97_percent(coverage, rate):
    assert 0.93 <= coverage[f"{rate}_beta"] <= 0.97, coverage
