"""Selection: reproducible with a Generator, exact inclusion probabilities, certainty units."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import itertools

import numpy as np
import pytest

from fupin.stats import selection
from fupin.stats.selection import (
    brewer_draw_probabilities,
    inclusion_probabilities,
    pps_brewer,
    pps_systematic,
    srs,
    stratified,
    systematic,
    two_stage,
)


def test_same_seed_same_sample_and_global_state_is_not_used():
    a = srs(1000, 50, np.random.default_rng(7))
    np.random.seed(0)  # legacy global state must not matter
    b = srs(1000, 50, np.random.default_rng(7))
    assert np.array_equal(a.index, b.index)
    assert not np.array_equal(a.index, srs(1000, 50, np.random.default_rng(8)).index)
    with pytest.raises(TypeError, match="Generator"):
        srs(10, 2, np.random.RandomState(1))  # type: ignore[arg-type]


def test_srs_and_systematic_give_n_distinct_units_with_pi_n_over_n():
    rng = np.random.default_rng(1)
    for sample in (srs(283, 57, rng), systematic(283, 57, rng)):
        assert len(sample) == 57 and np.unique(sample.index).shape[0] == 57
        assert sample.index.min() >= 0 and sample.index.max() < 283
        assert np.allclose(sample.pi, 57 / 283)
    with pytest.raises(ValueError, match="exceeds"):
        srs(5, 6, rng)


def test_systematic_takes_one_unit_per_interval():
    sample = systematic(100, 10, np.random.default_rng(3))
    assert np.array_equal(sample.index // 10, np.arange(10))


def test_large_units_become_certainty_units():
    sizes = np.array([1000, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    pi = inclusion_probabilities(sizes, 3)
    assert pi[0] == 1.0
    assert pi.sum() == pytest.approx(3)
    assert pi[1:] == pytest.approx(2 * sizes[1:] / sizes[1:].sum())
    for method in (pps_systematic, pps_brewer):
        sample = method(sizes, 3, np.random.default_rng(5))
        assert len(sample) == 3 and 0 in sample.index.tolist()


def test_brewer_inclusion_probabilities_are_exact_by_enumeration():
    sizes = np.array([3.0, 5.0, 8.0, 2.0, 6.0, 4.0])
    n = 3
    pi = inclusion_probabilities(sizes, n)
    got = np.zeros(sizes.shape[0])
    for path in itertools.permutations(range(sizes.shape[0]), n):
        selected = np.zeros(sizes.shape[0], dtype=bool)
        prob = 1.0
        for draw, unit in enumerate(path, start=1):
            prob *= brewer_draw_probabilities(pi, selected, draw)[unit]
            selected[unit] = True
        got[list(path)] += prob
    assert got == pytest.approx(pi, abs=1e-12)


def test_pps_systematic_inclusion_frequencies_match_pi():
    sizes = np.array([3.0, 5.0, 8.0, 2.0, 6.0, 4.0])
    pi = inclusion_probabilities(sizes, 3)
    rng = np.random.default_rng(11)
    counts = np.zeros(6)
    for _ in range(4000):
        counts[pps_systematic(sizes, 3, rng).index] += 1
    assert counts / 4000 == pytest.approx(pi, abs=0.03)


def test_stratified_selection_respects_allocation():
    strata = np.repeat(["甲", "乙", "丙"], [10, 20, 30])
    sample = stratified(strata, {"甲": 2, "乙": 5, "丙": 3}, np.random.default_rng(2))
    labels, counts = np.unique(sample.stratum, return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist(), strict=True)) == {"甲": 2, "乙": 5, "丙": 3}
    assert np.all(strata[sample.index] == sample.stratum)
    assert sample.pi[sample.stratum == "乙"] == pytest.approx(5 / 20)
    with pytest.raises(ValueError, match="no sample size"):
        stratified(strata, {"甲": 2}, np.random.default_rng(2))


def test_two_stage_sample_gives_pi_and_fpc_columns():
    villages = np.repeat(np.arange(12), np.arange(12) * 3 + 5)
    sample = two_stage(villages, 4, 6, np.random.default_rng(9))
    assert np.unique(sample.psu).shape[0] == 4
    assert len(sample.index) == 24
    assert np.all(villages[sample.index] == sample.psu)
    sizes = np.bincount(villages)
    assert sample.pi_unit == pytest.approx(6 / sizes[sample.psu])
    assert sample.pi == pytest.approx(4 / 12 * 6 / sizes[sample.psu])
    assert sample.unit_population == pytest.approx(sizes[sample.psu])
    assert np.all(sample.psu_population == 12)


def test_two_stage_pps_with_household_strata():
    villages = np.repeat(np.arange(6), 20)
    status = np.tile(np.repeat(["exited", "poor", "other"], [8, 4, 8]), 6)
    sample = two_stage(
        villages,
        3,
        {"exited": 3, "poor": 4, "other": 2},
        np.random.default_rng(4),
        psu_method="pps_brewer",
        unit_strata=status,
    )
    assert len(sample.index) == 3 * (3 + 4 + 2)
    chosen = status[sample.index]
    assert (chosen == "poor").sum() == 12
    assert sample.pi_psu == pytest.approx(0.5)  # equal sizes: pi = 3/6


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method"):
        selection.select(10, 2, np.random.default_rng(1), "bernoulli")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs sizes"):
        selection.select(10, 2, np.random.default_rng(1), "pps_brewer")
