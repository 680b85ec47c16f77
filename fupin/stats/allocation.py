"""Sample allocation across strata: proportional at a rate, proportional to a total, Neyman, equal.

Inputs are stratum population sizes N_h, either a mapping {stratum: N_h} (the result is a dict
with the same keys, in the same order) or a sequence (the result is an integer array).  Every
allocation satisfies min(minimum, N_h) <= n_h <= N_h.

Rounding rules, and why:

* `proportional(sizes, rate=..., minimum=1)`: n_h = min(N_h, max(minimum, round_half_up(rate N_h))).
  This is how a rule such as "draw 20% of each province's exiting counties, every province
  covered" is read by the people who apply and audit it: each stratum is rounded on its own, the
  conventional way (0.5 rounds up: 四舍五入, not banker's rounding, which would round 2.5 down
  and 3.5 up), and the minimum guarantees coverage.  The total is not fixed in advance: it is
  the sum of the rounded strata, e.g. about 57 for 20% of 283 counties plus whatever the
  minimum adds in provinces with one or two exiting counties (a province with 2 gets
  round(0.4) = 0, raised to 1).  That is how 283 counties in 22 provinces can give 60.  Ceiling
  would overshoot (every stratum rounds up) and floor would leave small provinces to the minimum.
* `proportional(sizes, total=...)`, `neyman`, `equal`: the total is fixed, so rounding each
  stratum on its own would miss it.  Shares are computed with the caps (N_h) and floors
  (`minimum`) imposed iteratively (a stratum that hits a bound is fixed there and the rest is
  re-shared), then rounded by largest remainders (Hamilton's method): floors first, then one
  more unit to the strata with the largest fractional parts, ties to the earlier stratum.  The
  result sums exactly to `total`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from fupin.stats.design import FloatArray, IntArray

Sizes = Mapping[Any, float] | Sequence[float] | npt.NDArray[np.float64] | npt.NDArray[np.int64]


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves away from zero (2.5 -> 3), exactly in decimal."""
    return int(Decimal(repr(float(x))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _split(sizes: Sizes) -> tuple[list[Any] | None, FloatArray]:
    if isinstance(sizes, Mapping):
        keys = list(sizes.keys())
        values = np.array([float(sizes[k]) for k in keys])
    else:
        keys = None
        values = np.asarray(sizes, dtype=np.float64)
    if values.ndim != 1 or not np.isfinite(values).all() or (values < 0).any():
        raise ValueError("stratum sizes must be finite and non-negative")
    if (values != np.floor(values)).any():
        raise ValueError("stratum sizes must be whole numbers")
    return keys, values


def _join(keys: list[Any] | None, n: IntArray) -> dict[Any, int] | IntArray:
    if keys is None:
        return n
    return {k: int(v) for k, v in zip(keys, n.tolist(), strict=True)}


def _largest_remainder(shares: FloatArray, total: int) -> IntArray:
    base = np.floor(shares + 1e-9).astype(np.int64)
    left = total - int(base.sum())
    if left > 0:
        remainder = shares - base
        order = np.lexsort((np.arange(shares.shape[0]), -remainder))
        base[order[:left]] += 1
    return base


def _fixed_total(weights: FloatArray, caps: FloatArray, total: int, minimum: int) -> IntArray:
    floors = np.minimum(float(minimum), caps)
    if total > caps.sum():
        raise ValueError(f"total {total} exceeds the population {int(caps.sum())}")
    if total < floors.sum():
        raise ValueError(
            f"total {total} is below the minimum of {minimum} per stratum ({int(floors.sum())})"
        )
    shares = np.zeros(caps.shape[0])
    fixed = np.zeros(caps.shape[0], dtype=bool)
    for _ in range(caps.shape[0] + 1):
        free = ~fixed
        budget = total - shares[fixed].sum()
        w = np.where(free, weights, 0.0)
        if w.sum() <= 0:
            # nothing to share by: spread what is left over free strata by capacity
            w = np.where(free, caps - floors, 0.0)
        if w.sum() <= 0:
            break
        shares[free] = budget * w[free] / w.sum()
        over = free & (shares > caps)
        under = free & (shares < floors)
        if not over.any() and not under.any():
            break
        shares[over] = caps[over]
        shares[under] = floors[under]
        fixed |= over | under
    n = _largest_remainder(shares, total)
    return np.clip(n, floors.astype(np.int64), caps.astype(np.int64))


@overload
def proportional(
    sizes: Mapping[Any, float],
    *,
    rate: float | None = ...,
    total: int | None = ...,
    minimum: int = ...,
) -> dict[Any, int]: ...
@overload
def proportional(
    sizes: Sequence[float] | npt.NDArray[np.float64] | npt.NDArray[np.int64],
    *,
    rate: float | None = ...,
    total: int | None = ...,
    minimum: int = ...,
) -> IntArray: ...
def proportional(
    sizes: Sizes, *, rate: float | None = None, total: int | None = None, minimum: int = 1
) -> dict[Any, int] | IntArray:
    """Allocation proportional to N_h, at a sampling `rate` or to a fixed `total` (see module)."""
    keys, big_n = _split(sizes)
    if (rate is None) == (total is None):
        raise ValueError("give exactly one of rate and total")
    if minimum < 0:
        raise ValueError("minimum must be non-negative")
    if rate is not None:
        if not 0 < rate <= 1:
            raise ValueError(f"rate must be in (0, 1], got {rate}")
        n = np.array(
            [min(int(nh), max(minimum, round_half_up(rate * nh))) for nh in big_n.tolist()],
            dtype=np.int64,
        )
        return _join(keys, n)
    assert total is not None
    return _join(keys, _fixed_total(big_n, big_n, int(total), minimum))


@overload
def neyman(
    sizes: Mapping[Any, float], sd: Mapping[Any, float], *, total: int, minimum: int = ...
) -> dict[Any, int]: ...
@overload
def neyman(
    sizes: Sequence[float] | npt.NDArray[np.float64] | npt.NDArray[np.int64],
    sd: Sequence[float] | npt.NDArray[np.float64],
    *,
    total: int,
    minimum: int = ...,
) -> IntArray: ...
def neyman(
    sizes: Sizes,
    sd: Mapping[Any, float] | Sequence[float] | npt.NDArray[np.float64],
    *,
    total: int,
    minimum: int = 1,
) -> dict[Any, int] | IntArray:
    """Neyman allocation n_h proportional to N_h S_h, for a fixed total (see module for rounding).

    For a proportion p_h, S_h = sqrt(p_h (1 - p_h)) (the N_h/(N_h - 1) factor is ignored).
    """
    keys, big_n = _split(sizes)
    if isinstance(sd, Mapping):
        if keys is None:
            raise ValueError("give sizes and sd both as mappings or both as sequences")
        s = np.array([float(sd[k]) for k in keys])
    else:
        s = np.asarray(sd, dtype=np.float64)
    if s.shape != big_n.shape or not np.isfinite(s).all() or (s < 0).any():
        raise ValueError("sd must be finite, non-negative, one per stratum")
    return _join(keys, _fixed_total(big_n * s, big_n, int(total), minimum))


@overload
def equal(sizes: Mapping[Any, float], *, total: int, minimum: int = ...) -> dict[Any, int]: ...
@overload
def equal(
    sizes: Sequence[float] | npt.NDArray[np.float64] | npt.NDArray[np.int64],
    *,
    total: int,
    minimum: int = ...,
) -> IntArray: ...
def equal(sizes: Sizes, *, total: int, minimum: int = 0) -> dict[Any, int] | IntArray:
    """The same n_h in every stratum (capped at N_h, the excess re-shared), summing to `total`."""
    keys, big_n = _split(sizes)
    return _join(keys, _fixed_total(np.ones_like(big_n), big_n, int(total), minimum))


def sample_size_for_proportion(
    p: float, margin: float, *, level: float = 0.95, deff: float = 1.0, population: float = math.inf
) -> int:
    """Observations needed for a proportion p within +/- margin: z^2 p (1-p) deff / margin^2, fpc."""
    from scipy import stats

    if not (0 < p < 1 and margin > 0 and 0 < level < 1 and deff > 0):
        raise ValueError("need 0 < p < 1, margin > 0, 0 < level < 1 and deff > 0")
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    n0 = z * z * p * (1 - p) * deff / (margin * margin)
    n = n0 if math.isinf(population) else n0 / (1 + (n0 - 1) / population)
    return math.ceil(n - 1e-9)
