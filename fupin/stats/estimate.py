"""The one immutable result type of every estimator: value, standard error, df, deff and intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from fupin.stats import intervals

Statistic = Literal["total", "mean", "ratio", "proportion"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A design-based estimate, as R's svystat objects carry it.

    `value` and `se` are R's `coef()` and `SE()`; `df` is R's `degf()` of the design restricted
    to the domain (PSUs with domain rows minus strata with domain rows); `deff` is R's
    `deff=TRUE` design effect (against simple random sampling without replacement of the same
    number of observations: NaN or Inf where R gives NA or Inf); `n` is the number of
    observations used (the domain's non-missing rows); `complete` says the design makes every
    variance zero (a census), so that se = 0 is exact.
    """

    value: float
    se: float
    df: int
    deff: float
    statistic: Statistic = "mean"
    n: int = 0
    complete: bool = False

    @property
    def var(self) -> float:
        return self.se * self.se

    @property
    def cv(self) -> float:
        """Coefficient of variation se / value (R's cv()): Inf or NaN when the value is 0."""
        if self.value == 0:
            return math.nan if self.se == 0 else math.inf
        return self.se / abs(self.value)

    def ci(
        self, level: float = 0.95, method: str | None = None, *, df: float | None = None
    ) -> tuple[float, float]:
        """Confidence interval at `level`.

        For proportions `method` is one of "logit" (default, as R's svyciprop), "beta"
        (Korn-Graubard), "wilson" or "wald" (R's "mean"), with t quantiles on `df`, by default
        the design df (R's `svyciprop(df=degf(design))`); see `fupin.stats.intervals`.  For
        means, totals and ratios only "wald" applies and the default `df` is infinite, i.e.
        Normal quantiles, as R's `confint(svymean(...))`; pass `df=est.df` for
        `confint(..., df=degf(design))`.
        """
        level = intervals.check_level(level)
        if self.statistic == "proportion":
            name = intervals.normalise_method(method or "logit")
            used_df = self.df if df is None else df
            return intervals.proportion_interval(
                name, self.value, self.se, self.n, used_df, level, self.complete
            )
        name = intervals.normalise_method(method or "wald")
        if name != "wald":
            raise ValueError(f"interval method {name!r} applies to proportions only")
        return intervals.wald(self.value, self.se, level, math.inf if df is None else df)
