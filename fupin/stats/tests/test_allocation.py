"""Allocation: rounding rules, minimums, caps and exact totals."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import numpy as np
import pytest

from fupin.stats.allocation import (
    equal,
    neyman,
    proportional,
    round_half_up,
    sample_size_for_proportion,
)


def test_round_half_up_is_not_bankers_rounding():
    assert [round_half_up(x) for x in (0.5, 1.5, 2.5, 3.5, 2.4999)] == [1, 2, 3, 4, 2]
    assert round_half_up(0.2 * 12.5 * 10) == 25


def test_rate_with_minimum_covers_every_stratum():
    counties = {"A": 1, "B": 2, "C": 7, "D": 13, "E": 40}
    n = proportional(counties, rate=0.2, minimum=1)
    assert n == {"A": 1, "B": 1, "C": 1, "D": 3, "E": 8}  # 0.2, 0.4 -> 1; 1.4 -> 1; 2.6 -> 3


def test_2019_spot_check_shape():
    """283 counties in 22 provinces at 20%, every province covered: near 57 plus the minimums."""
    sizes = np.array([1, 1, 2, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 18, 20, 25, 30, 34, 40])
    assert sizes.sum() == 283 and sizes.shape[0] == 22
    n = proportional(sizes, rate=0.2, minimum=1)
    assert np.all(n >= 1) and np.all(n <= sizes)
    assert 57 <= n.sum() <= 62
    assert n.sum() == sum(max(1, round_half_up(0.2 * s)) for s in sizes)


def test_rate_never_exceeds_stratum_size():
    assert proportional([1, 3], rate=0.9, minimum=2).tolist() == [1, 3]


def test_fixed_total_is_hit_exactly_with_largest_remainders():
    n = proportional([10, 20, 30, 40], total=11, minimum=1)
    assert n.sum() == 11
    assert n.tolist() == [1, 2, 3, 5]  # quotas 1.1, 2.2, 3.3, 4.4 -> the largest remainder gets 1


def test_neyman_allocates_by_size_times_sd_with_caps():
    n = neyman({"a": 100, "b": 100, "c": 5}, {"a": 1.0, "b": 3.0, "c": 50.0}, total=40)
    assert n["c"] == 5  # capped at the stratum size, the rest re-shared
    assert n["a"] + n["b"] == 35 and n["b"] > 2.5 * n["a"]


def test_equal_allocation_with_small_strata():
    n = equal([100, 2, 100], total=30)
    assert n.tolist() == [14, 2, 14]
    with pytest.raises(ValueError, match="exceeds"):
        equal([1, 2], total=4)


def test_sample_size_for_a_proportion():
    assert sample_size_for_proportion(0.5, 0.05) == 385
    assert sample_size_for_proportion(0.5, 0.05, deff=2) == 769
    assert sample_size_for_proportion(0.5, 0.05, population=1000) == 278


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="exactly one"):
        proportional([1, 2], rate=0.1, total=2)
    with pytest.raises(ValueError, match="whole numbers"):
        proportional([1.5], rate=0.5)
    with pytest.raises(ValueError, match="minimum"):
        proportional([10, 10], total=3, minimum=2)
