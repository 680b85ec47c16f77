"""Confidence intervals: Wald for any estimate, and R svyciprop()'s methods for proportions.

Quantiles follow R.  For means, totals and ratios R's `confint(svymean(...))` uses the Normal
distribution unless `df=` is given; `svyciprop()` uses Student's t with `df=degf(design)` for
every method.  Methods for proportions (p = estimate, v = se^2, d = design df, n = observations):

* "wald" (R's "mean"): p -/+ t_d * se.  Not clipped to [0, 1], as in R.  Gives [0, 0] when no
  case is observed, which is why it is not the default.
* "logit" (R's default "logit", also "xlogit" for linearisation designs): the Wald interval on
  the log-odds scale, se(logit p) = se / (p (1 - p)), back-transformed.  R fits
  svyglm(family=quasibinomial), whose sandwich variance for an intercept-only model is exactly
  this delta-method variance.
* "wilson": Wilson's score interval with the effective sample size n_eff = p (1 - p) / v and
  the t_d quantile in place of z (Kish's effective sample size; compare Dean & Pagano 2015).
  Not checked against R's "wilson", which only recent versions of the survey package have.
* "beta" (Korn & Graubard 1998), exactly R's code: n_eff = p (1 - p) / v, multiplied by
  (t_{n-1, a/2} / t_{d, a/2})^2, and the Clopper-Pearson limits
  Beta(a/2; n_eff p, n_eff (1 - p) + 1) and Beta(1 - a/2; n_eff p + 1, n_eff (1 - p)).

Zero variance.  At p = 0 or 1 (and in degenerate samples) the estimated variance is 0 and
n_eff = p (1 - p) / v is undefined; R then returns NaN (beta) or an interval collapsed on p.  An
interval of [0, 0] after observing no problems is wrong, so, unless the design itself makes
every variance zero (a census, `complete=True`, where [p, p] is exact), we take n_eff = n, the
number of observations, i.e. a design effect of 1, and keep the degrees-of-freedom adjustment.
Beta then gives the Clopper-Pearson bound [0, 1 - (a/2)^(1/n)] (shrunk by the df factor) and
Wilson gives [0, t^2 / (n + t^2)].  The logit interval does not exist at p = 0 or 1; it falls
back to the beta interval.  These deviations from R are the only ones.
"""

from __future__ import annotations

import math
from typing import Literal

# scipy.special, not scipy.stats: the same quantile functions, without a second of import time.
from scipy import special

CIMethod = Literal["wald", "logit", "wilson", "beta"]
CI_METHODS: tuple[str, ...] = ("wald", "logit", "wilson", "beta")
_ALIASES = {"mean": "wald", "xlogit": "logit", "korn-graubard": "beta"}

Interval = tuple[float, float]


def normalise_method(method: str) -> str:
    name = _ALIASES.get(method.lower(), method.lower())
    if name not in CI_METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {', '.join(CI_METHODS)}")
    return name


def check_level(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {level!r}")
    return float(level)


def t_quantile(prob: float, df: float) -> float:
    """Student's t quantile; Normal for infinite df; NaN for df <= 0 (as R's qt)."""
    if math.isinf(df):
        return float(special.ndtri(prob))
    if not df > 0:
        return math.nan
    return float(special.stdtrit(df, prob))


def wald(value: float, se: float, level: float, df: float) -> Interval:
    q = t_quantile(1 - (1 - level) / 2, df)
    return (value - q * se, value + q * se)


def _effective_n(p: float, se: float, n: int, complete: bool) -> float | None:
    """p(1-p)/var, or n under the zero-variance convention; None when [p, p] is exact."""
    var = se * se
    if var > 0:
        return p * (1 - p) / var
    if complete:
        return None
    return float(n)


def korn_graubard(p: float, se: float, n: int, df: float, level: float, complete: bool) -> Interval:
    n_eff = _effective_n(p, se, n, complete)
    if n_eff is None:
        return (p, p)
    alpha = 1 - level
    ratio = t_quantile(alpha / 2, n - 1) / t_quantile(alpha / 2, df)
    n_eff *= ratio * ratio
    if math.isnan(n_eff):
        return (math.nan, math.nan)
    lower = 0.0 if p <= 0 else float(special.betaincinv(n_eff * p, n_eff * (1 - p) + 1, alpha / 2))
    upper = (
        1.0 if p >= 1 else float(special.betaincinv(n_eff * p + 1, n_eff * (1 - p), 1 - alpha / 2))
    )
    return (lower, upper)


def logit(p: float, se: float, n: int, df: float, level: float, complete: bool) -> Interval:
    if 0 < p < 1 and se > 0:
        q = t_quantile(1 - (1 - level) / 2, df)
        centre = math.log(p / (1 - p))
        half = q * se / (p * (1 - p))
        return (_expit(centre - half), _expit(centre + half))
    return korn_graubard(p, se, n, df, level, complete)


def wilson(p: float, se: float, n: int, df: float, level: float, complete: bool) -> Interval:
    n_eff = _effective_n(p, se, n, complete)
    if n_eff is None:
        return (p, p)
    q = t_quantile(1 - (1 - level) / 2, df)
    q2 = q * q
    denominator = 1 + q2 / n_eff
    centre = (p + q2 / (2 * n_eff)) / denominator
    half = q / denominator * math.sqrt(p * (1 - p) / n_eff + q2 / (4 * n_eff * n_eff))
    lower = 0.0 if p <= 0 else max(0.0, centre - half)  # exactly 0 at p = 0, whatever rounding
    upper = 1.0 if p >= 1 else min(1.0, centre + half)
    return (lower, upper)


def proportion_interval(
    method: str, p: float, se: float, n: int, df: float, level: float, complete: bool
) -> Interval:
    name = normalise_method(method)
    if name == "wald":
        return wald(p, se, level, df)
    if name == "logit":
        return logit(p, se, n, df, level, complete)
    if name == "wilson":
        return wilson(p, se, n, df, level, complete)
    return korn_graubard(p, se, n, df, level, complete)


def _expit(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
