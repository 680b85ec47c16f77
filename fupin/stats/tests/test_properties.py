"""Invariants that hold for any design and data (hypothesis)."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin.stats import mean, proportion, ratio, svydesign, total

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def samples(draw):
    """A stratified (two-stage) cluster sample with at least two PSUs per stratum."""
    n_strata = draw(st.integers(1, 4))
    strata, psu, ssu, fpc1, fpc2 = [], [], [], [], []
    code = 0
    for h in range(n_strata):
        n_psu = draw(st.integers(2, 4))
        big_n = n_psu + draw(st.integers(0, 5))
        for _ in range(n_psu):
            n_ssu = draw(st.integers(1, 4))
            # a single sampled unit must be the whole PSU, or stage 2 has a lonely unit
            big_m = n_ssu + (draw(st.integers(0, 3)) if n_ssu > 1 else 0)
            for k in range(n_ssu):
                strata.append(h)
                psu.append(code)
                ssu.append(k)
                fpc1.append(big_n)
                fpc2.append(big_m)
            code += 1
    n = len(psu)
    y = np.array(draw(st.lists(st.floats(-100, 100, allow_nan=False), min_size=n, max_size=n)))
    w = np.array(draw(st.lists(st.floats(0.5, 50), min_size=n, max_size=n)))
    arrays = {
        k: np.array(v)
        for k, v in dict(strata=strata, psu=psu, ssu=ssu, fpc1=fpc1, fpc2=fpc2).items()
    }
    return arrays, y, w


def design_of(a, w, two_stage):
    if two_stage:
        return svydesign(
            ids=(a["psu"], a["ssu"]), strata=a["strata"], fpc=(a["fpc1"], a["fpc2"]), weights=w
        )
    return svydesign(ids=a["psu"], strata=a["strata"], weights=w)


@SETTINGS
@given(samples(), st.floats(0.01, 100), st.booleans())
def test_scaling_weights_leaves_means_unchanged_and_scales_totals(sample, c, two_stage):
    a, y, w = sample
    m1, m2 = mean(design_of(a, w, two_stage), y), mean(design_of(a, w * c, two_stage), y)
    assert m2.value == pytest.approx(m1.value, rel=1e-9, abs=1e-9)
    assert m2.se == pytest.approx(m1.se, rel=1e-7, abs=1e-9)
    t1, t2 = total(design_of(a, w, two_stage), y), total(design_of(a, w * c, two_stage), y)
    assert t2.value == pytest.approx(c * t1.value, rel=1e-9, abs=1e-6)
    assert t2.se == pytest.approx(c * t1.se, rel=1e-7, abs=1e-6)


@SETTINGS
@given(samples())
def test_indicator_total_equals_count_with_unit_weights(sample):
    a, y, _ = sample
    indicator = (y > 0).astype(float)
    est = total(design_of(a, np.ones(y.shape[0]), False), indicator)
    assert est.value == indicator.sum()


@SETTINGS
@given(samples())
def test_census_has_zero_variance(sample):
    a, y, w = sample
    n_psu = np.array([len(set(a["psu"][a["strata"] == h])) for h in a["strata"]])
    design = svydesign(ids=a["psu"], strata=a["strata"], weights=w, fpc=n_psu)
    assert design.complete
    assert total(design, y).se == 0 and mean(design, y).se == 0


@SETTINGS
@given(samples(), st.booleans())
def test_constant_has_zero_se_and_mean_equals_constant(sample, two_stage):
    a, _, w = sample
    est = mean(design_of(a, w, two_stage), np.full(w.shape[0], 7.0))
    assert est.value == pytest.approx(7.0)
    assert est.se == pytest.approx(0.0, abs=1e-9)


@SETTINGS
@given(samples(), st.booleans(), st.randoms(use_true_random=False))
def test_row_order_and_labels_do_not_matter(sample, two_stage, random):
    a, y, w = sample
    order = np.array(random.sample(range(y.shape[0]), y.shape[0]))
    shuffled = {k: v[order] for k, v in a.items()}
    shuffled["psu"] = shuffled["psu"] * 7 + 1000  # relabel PSUs
    m1 = mean(design_of(a, w, two_stage), y)
    m2 = mean(design_of(shuffled, w[order], two_stage), y[order])
    assert m2.value == pytest.approx(m1.value, rel=1e-9, abs=1e-9)
    assert m2.se == pytest.approx(m1.se, rel=1e-7, abs=1e-9)


@SETTINGS
@given(samples(), st.booleans())
def test_domain_estimates_equal_the_r_identities(sample, two_stage):
    """Domain total = total of y*1[d]; domain mean = ratio of y*1[d] to 1[d] (tests/domain.R)."""
    a, y, w = sample
    d = y > 0
    if not d.any():
        return
    design = design_of(a, w, two_stage)
    dom_total = total(design, y, domain=d)
    full = total(design, y * d)
    assert dom_total.value == pytest.approx(full.value, rel=1e-9, abs=1e-9)
    assert dom_total.se == pytest.approx(full.se, rel=1e-7, abs=1e-9)
    dom_mean = mean(design, y, domain=d)
    as_ratio = ratio(design, y * d, d.astype(float))
    assert dom_mean.value == pytest.approx(as_ratio.value, rel=1e-9, abs=1e-9)
    assert dom_mean.se == pytest.approx(as_ratio.se, rel=1e-7, abs=1e-9)


@SETTINGS
@given(samples())
def test_proportion_is_mean_of_indicator_and_interval_contains_it(sample):
    a, y, w = sample
    indicator = (y > 0).astype(float)
    design = design_of(a, w, False)
    p = proportion(design, indicator)
    assert p.value == pytest.approx(mean(design, indicator).value)
    for method in ("logit", "beta", "wilson"):
        lo, hi = p.ci(method=method)
        if not np.isnan(lo):
            assert 0 <= lo <= p.value <= hi <= 1


@SETTINGS
@given(samples())
def test_fpc_never_increases_variance(sample):
    a, y, w = sample
    without = mean(svydesign(ids=a["psu"], strata=a["strata"], weights=w), y)
    with_fpc = mean(svydesign(ids=a["psu"], strata=a["strata"], weights=w, fpc=a["fpc1"]), y)
    assert with_fpc.se <= without.se * (1 + 1e-12) + 1e-12
