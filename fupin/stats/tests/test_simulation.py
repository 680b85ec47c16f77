"""Coverage of 95% intervals for a rate of about 1.5% over repeated stratified two-stage samples."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import numpy as np
import pytest

from fupin.stats import proportion, svydesign
from fupin.stats.selection import srs

VILLAGES_PER_STRATUM = (60, 80, 50, 70)
VILLAGES_SAMPLED = 10  # per stratum: 40 villages, df = 36
HOUSEHOLDS_SAMPLED = 25  # per village: 1000 households, about 15 problem households expected
REPLICATES = 1000


def synthetic_population(rng: np.random.Generator) -> list[list[np.ndarray]]:
    """Four strata of villages of 40-200 households; village rates vary (Beta(1.5, 98.5))."""
    strata = []
    for villages in VILLAGES_PER_STRATUM:
        sizes = rng.integers(40, 200, size=villages)
        rates = rng.beta(1.5, 98.5, size=villages)
        strata.append(
            [(rng.random(m) < r).astype(float) for m, r in zip(sizes, rates, strict=True)]
        )
    return strata


@pytest.fixture(scope="module")
def coverage() -> dict[str, float]:
    rng = np.random.default_rng(20190101)
    population = synthetic_population(rng)
    truth = np.concatenate([y for stratum in population for y in stratum]).mean()
    assert 0.01 < truth < 0.02
    hits = {"logit": 0, "beta": 0, "wilson": 0, "wald": 0}
    for _ in range(REPLICATES):
        strata, village, household, n_villages, n_households, ys = [], [], [], [], [], []
        for h, villages in enumerate(population):
            for v in srs(len(villages), VILLAGES_SAMPLED, rng).index.tolist():
                chosen = srs(len(villages[v]), HOUSEHOLDS_SAMPLED, rng).index
                k = chosen.shape[0]
                strata.append(np.full(k, h))
                village.append(np.full(k, 1000 * h + v))
                household.append(chosen)
                n_villages.append(np.full(k, len(villages)))
                n_households.append(np.full(k, len(villages[v])))
                ys.append(villages[v][chosen])
        design = svydesign(
            ids=(np.concatenate(village), np.concatenate(household)),
            strata=np.concatenate(strata),
            fpc=(np.concatenate(n_villages), np.concatenate(n_households)),
        )
        est = proportion(design, np.concatenate(ys))
        for method in hits:
            lo, hi = est.ci(0.95, method)
            hits[method] += lo <= truth <= hi
    return {method: count / REPLICATES for method, count in hits.items()}


@pytest.mark.parametrize("method", ["logit", "beta"])
def test_95_percent_intervals_cover_a_rare_rate_93_to_97_percent(coverage, method):
    assert 0.93 <= coverage[method] <= 0.97, coverage


def test_wald_covers_less_than_logit_and_beta(coverage):
    assert coverage["wald"] < min(coverage["logit"], coverage["beta"]), coverage
