"""Design-based totals, means, ratios and proportions, for the whole sample, a domain or by group.

Each function mirrors R's survey package (`svytotal`, `svymean`, `svyratio`, `svyciprop`'s point
estimate, `svyby`) and returns an `Estimate`.

Domains never subset the rows: rows outside `domain` get zero influence and the design keeps
every stratum and PSU count, which is what R's `subset(design, ...)` does (it keeps
`fpc$sampsize`, so PSUs without domain rows count as zeros).  Missing values (NaN) are refused
unless `na_rm=True`, which treats them like rows outside the domain (R's `na.rm=TRUE` subsets
the design the same way).

Influence values, as R passes them to `svyrecvar`:

* total:  z = w y
* mean:   z = w (y - ybar) / sum(w)
* ratio:  z = w (y - R x) / sum(w x)
* proportion: the mean of a 0/1 variable.

Design effects (R's `deff=TRUE`), with N = sum of domain weights and n = domain observations,
s2 = sum w (u - ubar)^2 / N * n / (n - 1) (R's svyvar):

* mean:  v / (s2 (N - n) / (N n)), NaN when N < n (R: NA, "are weights correctly scaled?")
* total: v / (s2 N^2 (N - n) / (N n))
* ratio: the total's deff of u = (y - R x) / X, as R's `deff(svytotal(r, design, deff=TRUE))`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import numpy.typing as npt

from fupin.stats.design import BoolArray, DesignError, FloatArray, SurveyDesign
from fupin.stats.estimate import Estimate, Statistic
from fupin.stats.variance import domain_df, total_variance


def _values(design: SurveyDesign, y: npt.ArrayLike, name: str) -> FloatArray:
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DesignError(f"{name} must be numeric") from exc
    if arr.ndim != 1 or arr.shape[0] != design.n:
        raise DesignError(f"{name} must have one value per row of the design ({design.n})")
    if np.isinf(arr).any():
        raise DesignError(f"{name} has infinite values")
    return arr


def _rows(
    design: SurveyDesign,
    columns: list[tuple[FloatArray, str]],
    domain: npt.ArrayLike | None,
    na_rm: bool,
) -> BoolArray | None:
    """The rows that enter the estimate, or None for every row."""
    rows: BoolArray | None = None
    if domain is not None:
        dom = np.asarray(domain)
        if dom.shape != (design.n,):
            raise DesignError(f"domain must have one value per row of the design ({design.n})")
        if dom.dtype != np.bool_:
            if not np.isin(dom, (0, 1)).all():
                raise DesignError("domain must be boolean (or 0/1)")
            dom = dom.astype(bool)
        rows = dom
    for arr, name in columns:
        missing = np.isnan(arr)
        if rows is not None:
            missing &= rows
        if missing.any():
            if not na_rm:
                raise DesignError(
                    f"{name} has {int(missing.sum())} missing values in the estimate; "
                    "pass na_rm=True to leave them out (R's na.rm=TRUE)"
                )
            rows = ~np.isnan(arr) if rows is None else rows & ~np.isnan(arr)
    if rows is not None and not rows.any():
        raise DesignError("no observations in the domain")
    if rows is not None and rows.all():
        return None
    return rows


def _in(arr: FloatArray, rows: BoolArray | None) -> FloatArray:
    return arr if rows is None else np.where(rows, arr, 0.0)


def _srs_variance_factor(n: int, big_n: float) -> float:
    """(N - n) / (N n) of R's deff, NaN when N < n as in svymean."""
    if big_n < n:
        return float("nan")
    return (big_n - n) / (big_n * n)


def _weighted_s2(u: FloatArray, w: FloatArray, n: int) -> float:
    """R's svyvar(): weighted variance with the n/(n-1) factor; w is zero outside the domain."""
    if n < 2:
        return float("nan")
    big_n = float(w.sum())
    centre = float((w * u).sum()) / big_n
    return float((w * (u - centre) ** 2).sum()) / big_n * n / (n - 1)


def _ratio(num: float, den: float) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(num) / np.float64(den))


def _result(
    design: SurveyDesign,
    statistic: Statistic,
    value: float,
    z: FloatArray,
    rows: BoolArray | None,
    srs_var: float,
) -> Estimate:
    var = total_variance(design, z, rows)
    n = design.n if rows is None else int(rows.sum())
    return Estimate(
        value=value,
        se=float(np.sqrt(var)),
        df=domain_df(design, rows),
        deff=_ratio(var, srs_var),
        statistic=statistic,
        n=n,
        complete=design.complete,
    )


def total(
    design: SurveyDesign,
    y: npt.ArrayLike,
    *,
    domain: npt.ArrayLike | None = None,
    na_rm: bool = False,
) -> Estimate:
    """Estimated population total of `y` (R's svytotal), optionally within a domain."""
    yv = _values(design, y, "y")
    rows = _rows(design, [(yv, "y")], domain, na_rm)
    w = _in(design.weights, rows)
    y0 = _in(yv, rows)
    z = w * y0
    n = design.n if rows is None else int(rows.sum())
    big_n = float(w.sum())
    # R's svytotal has no N < n guard (unlike svymean): there (N - n) / (N n) is just negative.
    srs = _weighted_s2(y0, w, n) * big_n * big_n * (big_n - n) / (big_n * n)
    return _result(design, "total", float(z.sum()), z, rows, srs)


def _mean(
    design: SurveyDesign,
    yv: FloatArray,
    rows: BoolArray | None,
    statistic: Statistic,
) -> Estimate:
    w = _in(design.weights, rows)
    y0 = _in(yv, rows)
    big_n = float(w.sum())
    value = float((w * y0).sum()) / big_n
    z = w * (y0 - value) / big_n
    n = design.n if rows is None else int(rows.sum())
    srs = _weighted_s2(y0, w, n) * _srs_variance_factor(n, big_n)
    return _result(design, statistic, value, z, rows, srs)


def mean(
    design: SurveyDesign,
    y: npt.ArrayLike,
    *,
    domain: npt.ArrayLike | None = None,
    na_rm: bool = False,
) -> Estimate:
    """Estimated population mean of `y` (R's svymean), optionally within a domain."""
    yv = _values(design, y, "y")
    rows = _rows(design, [(yv, "y")], domain, na_rm)
    return _mean(design, yv, rows, "mean")


def proportion(
    design: SurveyDesign,
    y: npt.ArrayLike,
    *,
    domain: npt.ArrayLike | None = None,
    na_rm: bool = False,
) -> Estimate:
    """Estimated population proportion of rows where `y` is true (1/True), R's svyciprop.

    The point estimate and se are svymean's of the 0/1 variable; use `.ci(method=...)` for the
    intervals (logit by default, as R).
    """
    yv = _values(design, y, "y")
    rows = _rows(design, [(yv, "y")], domain, na_rm)
    used = yv if rows is None else yv[rows]
    if not np.isin(used, (0.0, 1.0)).all():
        raise DesignError("a proportion needs a 0/1 (or boolean) variable")
    return _mean(design, yv, rows, "proportion")


def ratio(
    design: SurveyDesign,
    y: npt.ArrayLike,
    x: npt.ArrayLike,
    *,
    domain: npt.ArrayLike | None = None,
    na_rm: bool = False,
) -> Estimate:
    """Estimated ratio of population totals sum(y) / sum(x) (R's svyratio)."""
    yv = _values(design, y, "numerator")
    xv = _values(design, x, "denominator")
    rows = _rows(design, [(yv, "numerator"), (xv, "denominator")], domain, na_rm)
    w = _in(design.weights, rows)
    y0, x0 = _in(yv, rows), _in(xv, rows)
    x_total = float((w * x0).sum())
    if x_total == 0:
        raise DesignError("the estimated total of the denominator is zero")
    value = float((w * y0).sum()) / x_total
    u = (y0 - value * x0) / x_total
    z = w * u
    n = design.n if rows is None else int(rows.sum())
    big_n = float(w.sum())
    srs = _weighted_s2(u, w, n) * big_n * big_n * (big_n - n) / (big_n * n)
    return _result(design, "ratio", value, z, rows, srs)


def by(
    design: SurveyDesign,
    groups: npt.ArrayLike,
    estimator: Callable[..., Estimate],
    *args: Any,
    domain: npt.ArrayLike | None = None,
    **kwargs: Any,
) -> dict[Hashable, Estimate]:
    """One estimate per group, each a domain of the full design (R's svyby).

    `estimator(design, *args, domain=group_rows, **kwargs)` is called for each distinct value of
    `groups`, in sorted order; rows whose group is missing (NaN, None or "") belong to no group.
    With `domain`, each group is intersected with it, and groups with no rows are left out.
    """
    g = np.asarray(groups)
    if g.shape != (design.n,):
        raise DesignError(f"groups must have one value per row of the design ({design.n})")
    if g.dtype.kind == "f":
        valid = ~np.isnan(g)
    elif g.dtype.kind == "O":
        valid = np.array([v is not None and v == v and v != "" for v in g.tolist()], dtype=bool)
    elif g.dtype.kind in "US":
        valid = g != ""
    else:
        valid = np.ones(design.n, dtype=bool)
    base = valid
    if domain is not None:
        base = base & np.asarray(domain, dtype=bool)
    labels = np.unique(g[base]) if g.dtype.kind != "O" else sorted(set(g[base].tolist()))
    result: dict[Hashable, Estimate] = {}
    for label in labels:
        rows = base & (g == label)
        key = label.item() if isinstance(label, np.generic) else label
        result[key] = estimator(design, *args, domain=rows, **kwargs)
    return result
