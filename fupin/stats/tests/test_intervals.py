"""Confidence intervals: R's formulas, and honest intervals when no case is observed."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from fupin.stats import Estimate, mean, proportion, svydesign
from fupin.stats.tests.datasets import num


def ell_zero():
    """svyciprop(~I(ell==0), dclus1): the example on R's svyciprop help page."""
    design = svydesign(ids=num("apiclus1.csv", "dnum"), fpc=num("apiclus1.csv", "fpc"))
    return proportion(design, (num("apiclus1.csv", "ell") == 0).astype(float))


def test_beta_interval_is_r_korn_graubard_code():
    est = ell_zero()
    p, v, df, n = est.value, est.var, est.df, est.n
    n_eff = p * (1 - p) / v * (stats.t.ppf(0.025, n - 1) / stats.t.ppf(0.025, df)) ** 2
    expected = (
        stats.beta.ppf(0.025, n_eff * p, n_eff * (1 - p) + 1),
        stats.beta.ppf(0.975, n_eff * p + 1, n_eff * (1 - p)),
    )
    assert est.ci(method="beta") == pytest.approx(expected, rel=1e-12)


def test_logit_interval_is_wald_on_log_odds_with_design_df():
    est = ell_zero()
    p = est.value
    half = stats.t.ppf(0.975, est.df) * est.se / (p * (1 - p))
    lo, hi = est.ci(method="logit")
    assert math.log(lo / (1 - lo)) == pytest.approx(math.log(p / (1 - p)) - half, rel=1e-12)
    assert math.log(hi / (1 - hi)) == pytest.approx(math.log(p / (1 - p)) + half, rel=1e-12)
    assert est.ci() == est.ci(method="logit")  # logit is R's default


def test_wald_for_proportion_uses_design_df_but_mean_uses_normal():
    est = ell_zero()
    q = stats.t.ppf(0.975, est.df)
    assert est.ci(method="wald") == pytest.approx((est.value - q * est.se, est.value + q * est.se))
    m = mean(
        svydesign(ids=num("apiclus1.csv", "dnum"), fpc=num("apiclus1.csv", "fpc")),
        num("apiclus1.csv", "api00"),
    )
    z = stats.norm.ppf(0.975)
    assert m.ci() == pytest.approx((m.value - z * m.se, m.value + z * m.se))
    assert m.ci(df=m.df)[1] > m.ci()[1]


def test_wilson_interval_uses_effective_sample_size():
    est = ell_zero()
    p = est.value
    n_eff = p * (1 - p) / est.var
    q = stats.t.ppf(0.975, est.df)
    centre = (p + q * q / (2 * n_eff)) / (1 + q * q / n_eff)
    lo, hi = est.ci(method="wilson")
    assert (lo + hi) / 2 == pytest.approx(centre, rel=1e-12)
    assert lo < p < hi


def test_methods_are_asymmetric_near_zero_like_r_testthat():
    est = ell_zero()
    assert est.value < 0.5
    for method in ("logit", "beta", "wilson"):
        lo, hi = est.ci(method=method)
        assert est.value - lo < hi - est.value, method
    lo, hi = est.ci(method="wald")
    assert est.value - lo == pytest.approx(hi - est.value)


def test_zero_cases_give_an_honest_interval_not_zero_zero():
    design = svydesign(n=10)
    est = proportion(design, np.zeros(10))
    assert est.value == 0 and est.se == 0
    lo, hi = est.ci(method="beta")
    assert lo == 0
    # n_eff = n = 10 and df = n - 1, so this is binom.test(0, 10): upper 0.3084971
    assert hi == pytest.approx(0.3084971, abs=5e-8)
    for method in ("logit", "wilson", "beta"):
        lo, hi = est.ci(method=method)
        assert lo == 0 and hi > 0.1, method
    assert est.ci(method="wald") == (0.0, 0.0)  # the reason wald is not the default


def test_all_cases_give_an_interval_below_one():
    est = proportion(svydesign(n=10), np.ones(10))
    lo, hi = est.ci(method="beta")
    assert hi == 1 and lo == pytest.approx(1 - 0.3084971, abs=5e-8)


def test_census_gives_exact_interval():
    design = svydesign(fpc=np.full(10, 10.0))
    assert design.complete
    est = proportion(design, np.zeros(10))
    assert est.ci(method="beta") == (0.0, 0.0)
    est = proportion(design, np.r_[np.ones(3), np.zeros(7)])
    assert est.ci(method="logit") == (0.3, 0.3)


def test_intervals_widen_with_level_and_stay_in_unit_interval():
    est = ell_zero()
    for method in ("logit", "beta", "wilson"):
        lo90, hi90 = est.ci(0.90, method)
        lo99, hi99 = est.ci(0.99, method)
        assert 0 <= lo99 < lo90 < est.value < hi90 < hi99 <= 1


def test_bad_level_and_method_are_refused():
    est = ell_zero()
    with pytest.raises(ValueError, match="level"):
        est.ci(1.5)
    with pytest.raises(ValueError, match="unknown interval method"):
        est.ci(method="likelihood")
    m = Estimate(value=1.0, se=0.1, df=10, deff=1.0, statistic="mean")
    with pytest.raises(ValueError, match="proportions only"):
        m.ci(method="beta")


def test_estimate_is_immutable_with_cv():
    est = Estimate(value=2.0, se=0.5, df=3, deff=1.0)
    assert est.cv == 0.25 and est.var == 0.25
    with pytest.raises(AttributeError):
        est.value = 3.0  # type: ignore[misc]
    assert math.isinf(Estimate(0.0, 1.0, 3, 1.0).cv)
