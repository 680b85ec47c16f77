"""Intervals for a rate with a full-count part and a sampled part (Korn & Graubard; NCHS 2017).

A two-stage sample often takes some cells in full: villages drawn with certainty (pi = 1) in
which a household stratum is taken whole (at-risk households, or a stratum smaller than its
quota).  The part of a rate that comes from such cells is known without sampling error; only the
rest is estimated.  Write the estimate of a rate (or a proportion) over a domain as

    r = w r_c + (1 - w) q,     w = X_c / (X_c + X_s),

with r_c = Y_c / X_c the full-count cells' rate (exact), q = Y_s / X_s the sampled part's
estimate and w the full-count share of the denominator (taken as fixed).  The interval is
built for q alone and mapped back: [w r_c + (1 - w) L, w r_c + (1 - w) U].

The interval for q follows Korn & Graubard (1998, "Confidence intervals for proportions with
small expected number of positive counts estimated from survey data", Survey Methodology
24:193-201) and the NCHS Data Presentation Standards for Proportions (Parker et al. 2017,
Vital Health Stat 2(175)):

* effective sample size n_eff = q (1 - q) / var(q), never more than the sampled households of
  the domain, n (a design effect of at least 1; NCHS: "if n_eff > n, or var = 0, n_eff = n").
  Several rates combined (the incidence) use Kish's n = (sum a)^2 / sum(a_k^2 / n_k) in
  place of n;
* df: the degrees of freedom of the sampled part only (the caller counts the PSUs that carry
  variance), and Korn & Graubard's adjustment n_eff x (t_{n-1} / t_df)^2;
* "beta": the Clopper-Pearson limits with that n_eff (exact for q = 0: [0, 1 - (a/2)^(1/n)]);
* "logit": the logit interval with var(q) raised to q (1 - q) / n_eff, when the sampled part
  has at least MIN_EVENTS households on each side (with a problem and without); otherwise the
  beta interval (few events: the normal approximation on the logit scale is not reliable).

"样本不足以给出可靠区间" (unreliable): fewer than MIN_SAMPLED sampled households in the domain's
sampled part, or an effective sample size (after the df adjustment) below MIN_EFFECTIVE_N
(NCHS: n < 30 or n_eff < 30 is unreliable), unless the sampled part is empty and the whole
domain was counted in full, where the rate is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import special

from fupin.stats import intervals

MIN_SAMPLED = 30
MIN_EFFECTIVE_N = 30.0
MIN_EVENTS = 10
MAX_FRACTION = 0.5

Interval = tuple[float, float]


@dataclass(frozen=True)
class PartInterval:
    """The interval of a rate from its full-count and sampled parts, with what it rests on."""

    ci: Interval
    method: str  # the method used for the sampled part ("beta" or "logit"; "exact" when none)
    full_share: float  # w: the full-count share of the denominator
    full_value: float  # r_c (0 when w = 0)
    sampled_value: float  # q
    sampled_n: float  # households in the sampled part (Kish n for a combination)
    events: int  # sampled-part households on the rarer side (with / without a problem)
    n_eff: float  # the effective sample size used (after the df adjustment)
    df: float
    unreliable: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "full_share": self.full_share,
            "full_value": self.full_value,
            "sampled_value": self.sampled_value,
            "sampled_n": self.sampled_n,
            "events": self.events,
            "n_eff": self.n_eff,
            "df": self.df,
            "method": self.method,
            "unreliable": self.unreliable,
        }


def _kg_adjust(n_eff: float, n: float, df: float, level: float) -> float:
    """Korn & Graubard's df adjustment of an effective sample size: x (t_{n-1} / t_df)^2."""
    alpha = 1 - level
    if not df > 0 or n <= 1:
        return math.nan
    ratio = intervals.t_quantile(alpha / 2, n - 1) / intervals.t_quantile(alpha / 2, df)
    return min(n_eff, n_eff * ratio * ratio)  # the adjustment never enlarges n_eff


def clopper_pearson(q: float, n_eff: float, level: float) -> Interval:
    """Clopper-Pearson limits for a proportion q observed on n_eff (possibly fractional) trials."""
    alpha = 1 - level
    q = min(max(q, 0.0), 1.0)
    lower = 0.0 if q <= 0 else float(special.betaincinv(n_eff * q, n_eff * (1 - q) + 1, alpha / 2))
    upper = (
        1.0 if q >= 1 else float(special.betaincinv(n_eff * q + 1, n_eff * (1 - q), 1 - alpha / 2))
    )
    return (lower, upper)


def sampled_interval(
    q: float,
    var: float,
    n: float,
    events: int,
    df: float,
    level: float = 0.95,
    method: str = "logit",
    fraction: float = 0.0,
) -> tuple[Interval, str, float]:
    """(interval, method used, n_eff after the df adjustment) for the sampled part's proportion.

    `fraction` is the sampled part's sampling fraction f = n / N: the design effect is taken
    against simple random sampling without replacement, so n_eff is at most n / (1 - f), with f
    counted up to MAX_FRACTION only (at most 2 n: no zero-event bound shrinks further).
    """
    level = intervals.check_level(level)
    name = intervals.normalise_method(method)
    q = min(max(q, 0.0), 1.0)
    cap = n / (1 - min(max(fraction, 0.0), MAX_FRACTION))
    n_eff = cap
    if var > 0 and 0 < q < 1:
        n_eff = min(cap, q * (1 - q) / var)
    adjusted = _kg_adjust(n_eff, n, df, level)
    if math.isnan(adjusted) or adjusted <= 0:
        return (0.0, 1.0), "beta", 0.0
    if name == "logit" and events >= MIN_EVENTS and 0 < q < 1:
        se_logit = math.sqrt(1.0 / (n_eff * q * (1 - q)))
        t = intervals.t_quantile(1 - (1 - level) / 2, df)
        centre = math.log(q / (1 - q))
        lo = 1.0 / (1.0 + math.exp(-(centre - t * se_logit)))
        hi = 1.0 / (1.0 + math.exp(-(centre + t * se_logit)))
        return (lo, hi), "logit", adjusted
    if name == "wald":
        t = intervals.t_quantile(1 - (1 - level) / 2, df)
        half = t * math.sqrt(q * (1 - q) / n_eff) if 0 < q < 1 else 0.0
        if half > 0:
            return (max(0.0, q - half), min(1.0, q + half)), "wald", adjusted
    return clopper_pearson(q, adjusted, level), "beta", adjusted


def part_interval(
    *,
    full_share: float,
    full_value: float,
    q: float,
    var: float,
    n: float,
    events: int,
    df: float,
    level: float = 0.95,
    method: str = "logit",
    fraction: float = 0.0,
) -> PartInterval:
    """The interval of r = w r_c + (1 - w) q (see the module docstring)."""
    w = min(max(full_share, 0.0), 1.0)
    if n <= 0 or w >= 1.0:
        value = full_value if w >= 1.0 else math.nan
        return PartInterval(
            ci=(value, value),
            method="exact",
            full_share=w,
            full_value=full_value,
            sampled_value=math.nan,
            sampled_n=0.0,
            events=0,
            n_eff=0.0,
            df=df,
            unreliable=not w >= 1.0,
        )
    (lo, hi), used, n_eff = sampled_interval(q, var, n, events, df, level, method, fraction)
    base = w * full_value
    ci = (base + (1 - w) * lo, base + (1 - w) * hi)
    unreliable = n < MIN_SAMPLED or n_eff < MIN_EFFECTIVE_N
    return PartInterval(
        ci=ci,
        method=used,
        full_share=w,
        full_value=full_value,
        sampled_value=q,
        sampled_n=n,
        events=events,
        n_eff=n_eff,
        df=df,
        unreliable=unreliable,
    )


def kish_n(weights: list[float], sizes: list[float]) -> float:
    """Kish's effective n of a combination sum(a_k q_k) of independent parts of n_k units each."""
    total = sum(weights)
    denominator = sum(a * a / n for a, n in zip(weights, sizes, strict=True) if n > 0 and a > 0)
    if total <= 0 or denominator <= 0:
        return 0.0
    return total * total / denominator
