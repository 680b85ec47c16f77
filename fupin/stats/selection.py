"""Probability sampling: SRS, systematic, PPS, stratified and two-stage selection with known pi.

Every function takes the random source as an explicit `numpy.random.Generator` (never global
state), so a recorded seed reproduces the sample: `np.random.default_rng(seed)`.  Every function
returns the selected positions (indices into the frame, in increasing order) and their first-order
inclusion probabilities, from which the design weights are 1 / pi.

PPS methods share one rule for large units: a unit whose size would give pi >= 1 is taken with
certainty (pi = 1), removed, and the remaining sample is allocated proportionally to size among
the rest, repeated until no remaining unit reaches 1.  Those certainty units are then
self-representing: give them their own stratum (or an fpc equal to their count) in the design.

* `srs`: simple random sampling without replacement, pi = n / N.
* `systematic`: a random start in [0, N/n) and a fractional interval N/n, giving exactly n units,
  pi = n / N; the frame order acts as an implicit stratification.
* `pps_systematic`: systematic sampling on cumulated sizes (Madow 1949), pi_i = n x_i / X
  exactly; joint probabilities depend on frame order (some are zero), so variance is usually
  estimated with the with-replacement approximation (weights only, no fpc).
* `pps_brewer`: Brewer's (1975) draw-by-draw method, without replacement, pi_i = n x_i / X
  exactly and all joint probabilities positive; the same algorithm as `UPbrewer` in R's sampling
  package.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from fupin.stats.design import FloatArray, IntArray

Method = Literal["srs", "systematic", "pps_systematic", "pps_brewer"]
METHODS: tuple[str, ...] = ("srs", "systematic", "pps_systematic", "pps_brewer")
_CERTAINTY = 1 - 1e-9


@dataclass(frozen=True)
class Sample:
    """Selected positions in the frame (sorted) and their inclusion probabilities."""

    index: IntArray
    pi: FloatArray

    @property
    def weights(self) -> FloatArray:
        return 1.0 / self.pi

    def __len__(self) -> int:
        return int(self.index.shape[0])


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError("pass a numpy.random.Generator, e.g. np.random.default_rng(seed)")
    return rng


def _check_n(n: int, population: int) -> int:
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"sample size must be a non-negative integer, got {n!r}")
    if n > population:
        raise ValueError(f"sample size {n} exceeds the population of {population}")
    return int(n)


def srs(population: int, n: int, rng: np.random.Generator) -> Sample:
    """Simple random sample of n of `population` units without replacement."""
    rng = _check_rng(rng)
    n = _check_n(n, population)
    index = np.sort(rng.choice(population, size=n, replace=False)).astype(np.int64)
    return Sample(index, np.full(n, n / population if population else 0.0))


def systematic(population: int, n: int, rng: np.random.Generator) -> Sample:
    """Systematic sample with a fractional interval N/n: exactly n units, each with pi = n/N."""
    rng = _check_rng(rng)
    n = _check_n(n, population)
    if n == 0:
        return Sample(np.zeros(0, dtype=np.int64), np.zeros(0))
    step = population / n
    start = rng.uniform(0, step)
    index = np.floor(start + step * np.arange(n)).astype(np.int64)
    return Sample(np.minimum(index, population - 1), np.full(n, n / population))


def inclusion_probabilities(sizes: npt.ArrayLike, n: int) -> FloatArray:
    """pi_i proportional to size with units reaching 1 taken with certainty (iteratively)."""
    x = np.asarray(sizes, dtype=np.float64)
    if x.ndim != 1 or not np.isfinite(x).all() or (x < 0).any():
        raise ValueError("sizes must be finite and non-negative")
    n = _check_n(n, int((x > 0).sum()))
    pi = np.zeros(x.shape[0])
    certain = np.zeros(x.shape[0], dtype=bool)
    while True:
        remaining = n - int(certain.sum())
        rest = ~certain & (x > 0)
        if remaining == 0:
            break
        candidate = remaining * x[rest] / x[rest].sum()
        reach = candidate >= _CERTAINTY
        if not reach.any():
            pi[rest] = candidate
            break
        idx = np.flatnonzero(rest)[reach]
        certain[idx] = True
    pi[certain] = 1.0
    return pi


def pps_systematic(sizes: npt.ArrayLike, n: int, rng: np.random.Generator) -> Sample:
    """Systematic PPS in frame order: certainty units first, then a random start on cum. sizes."""
    rng = _check_rng(rng)
    pi = inclusion_probabilities(sizes, n)
    certain = pi >= 1.0
    rest = np.flatnonzero((pi > 0) & ~certain)
    chosen = [np.flatnonzero(certain)]
    m = n - int(certain.sum())
    if m > 0:
        cumulative = np.cumsum(pi[rest])  # sums to m; unit i covers [cum_{i-1}, cum_i)
        points = rng.uniform(0, 1) + np.arange(m)
        hits = np.searchsorted(cumulative, points, side="right")
        chosen.append(rest[np.minimum(hits, rest.shape[0] - 1)])
    index = np.sort(np.concatenate(chosen)).astype(np.int64)
    return Sample(index, pi[index])


def brewer_draw_probabilities(
    pi: FloatArray, selected: npt.NDArray[np.bool_], draw: int
) -> FloatArray:
    """Brewer's selection probabilities for draw number `draw` (1-based) among unselected units.

    p_k proportional to pi_k (n - a - pi_k) / (n - a - pi_k (n - draw + 1)), where a is the sum of
    pi over units already selected; exposed so tests can check pi exactly by enumeration.
    """
    n = round(float(pi.sum()))
    a = float(pi[selected].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        p = pi * (n - a - pi) / (n - a - pi * (n - draw + 1))
    p[selected] = 0.0
    p = np.where(np.isfinite(p) & (p > 0), p, 0.0)
    out: FloatArray = p / p.sum()
    return out


def pps_brewer(sizes: npt.ArrayLike, n: int, rng: np.random.Generator) -> Sample:
    """PPS without replacement by Brewer's method: exactly n distinct units, pi = n x / X."""
    rng = _check_rng(rng)
    pi = inclusion_probabilities(sizes, n)
    certain = pi >= 1.0
    rest = np.flatnonzero((pi > 0) & ~certain)
    sub = pi[rest]
    m = n - int(certain.sum())
    selected = np.zeros(rest.shape[0], dtype=bool)
    for draw in range(1, m + 1):
        p = brewer_draw_probabilities(sub, selected, draw)
        selected[rng.choice(rest.shape[0], p=p)] = True
    index = np.sort(np.concatenate([np.flatnonzero(certain), rest[selected]])).astype(np.int64)
    return Sample(index, pi[index])


def select(
    population: int,
    n: int,
    rng: np.random.Generator,
    method: Method = "srs",
    sizes: npt.ArrayLike | None = None,
) -> Sample:
    """Dispatch to one of the methods; PPS methods need `sizes` (one per unit)."""
    if method == "srs":
        return srs(population, n, rng)
    if method == "systematic":
        return systematic(population, n, rng)
    if method in ("pps_systematic", "pps_brewer"):
        if sizes is None:
            raise ValueError(f"{method} needs sizes")
        x = np.asarray(sizes, dtype=np.float64)
        if x.shape != (population,):
            raise ValueError("sizes must have one value per unit")
        return pps_systematic(x, n, rng) if method == "pps_systematic" else pps_brewer(x, n, rng)
    raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")


@dataclass(frozen=True)
class StratifiedSample:
    """Selected positions (sorted), their pi, and their stratum labels."""

    index: IntArray
    pi: FloatArray
    stratum: npt.NDArray[Any]

    @property
    def weights(self) -> FloatArray:
        return 1.0 / self.pi


def stratified(
    strata: npt.ArrayLike,
    sizes_per_stratum: Mapping[Hashable, int],
    rng: np.random.Generator,
    method: Method = "srs",
    sizes: npt.ArrayLike | None = None,
) -> StratifiedSample:
    """Independent selection within each stratum (strata in sorted order, for reproducibility).

    `sizes_per_stratum` gives n_h for every stratum label present in `strata` (see
    `fupin.stats.allocation`); `sizes` are the PPS measures of size, one per frame unit.
    """
    rng = _check_rng(rng)
    s = np.asarray(strata)
    x = None if sizes is None else np.asarray(sizes, dtype=np.float64)
    labels = np.unique(s)
    missing = [lab.item() for lab in labels if lab.item() not in sizes_per_stratum]
    if missing:
        raise ValueError(f"no sample size for strata {missing}")
    index_parts, pi_parts = [], []
    for label in labels:
        members = np.flatnonzero(s == label)
        part = select(
            members.shape[0],
            sizes_per_stratum[label.item()],
            rng,
            method,
            None if x is None else x[members],
        )
        index_parts.append(members[part.index])
        pi_parts.append(part.pi)
    index = np.concatenate(index_parts) if index_parts else np.zeros(0, dtype=np.int64)
    pi = np.concatenate(pi_parts) if pi_parts else np.zeros(0)
    order = np.argsort(index, kind="stable")
    return StratifiedSample(index[order].astype(np.int64), pi[order], s[index[order]])


@dataclass(frozen=True)
class TwoStageSample:
    """A two-stage sample of frame rows (units), with pi at each stage and overall.

    `psu` is the PSU label of each selected unit; `psu_population` (N_h, PSUs in the unit's
    stratum) and `unit_population` (M_i, units in the unit's PSU or second-stage stratum) are the
    population counts to pass as `fpc=(psu_population, unit_population)` when both stages are
    simple random samples, the design R's `svydesign(id=~psu+unit, fpc=~N+M)` expects.
    """

    index: IntArray
    psu: npt.NDArray[Any]
    pi_psu: FloatArray
    pi_unit: FloatArray
    psu_population: FloatArray
    unit_population: FloatArray

    @property
    def pi(self) -> FloatArray:
        return self.pi_psu * self.pi_unit

    @property
    def weights(self) -> FloatArray:
        return 1.0 / self.pi


def two_stage(
    psu_of_unit: npt.ArrayLike,
    n_psu: int,
    units_per_psu: int | Mapping[Hashable, int],
    rng: np.random.Generator,
    *,
    psu_method: Method = "srs",
    psu_sizes: Mapping[Hashable, float] | None = None,
    unit_strata: npt.ArrayLike | None = None,
    unit_method: Literal["srs", "systematic"] = "srs",
) -> TwoStageSample:
    """Select n_psu PSUs, then units within each selected PSU.

    `psu_of_unit` gives each frame unit's PSU (a village for each household).  PSUs are drawn
    by `psu_method` among the distinct labels in sorted order; for PPS the size is `psu_sizes`
    or, by default, the number of frame units in the PSU.  Within each selected PSU,
    `units_per_psu` units are drawn (all of them when the PSU is smaller), or, with
    `unit_strata`, that many per second-stage stratum, which may be a mapping
    {stratum label: n} (e.g. exited / still poor / non-registered households).
    For stratified first stages, call this once per stratum.
    """
    rng = _check_rng(rng)
    g = np.asarray(psu_of_unit)
    labels, inverse, counts = np.unique(g, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    sizes = (
        counts.astype(np.float64)
        if psu_sizes is None
        else np.array([float(psu_sizes[lab.item()]) for lab in labels])
    )
    first = select(labels.shape[0], n_psu, rng, psu_method, sizes)
    st = None if unit_strata is None else np.asarray(unit_strata)
    idx, psu, pi1, pi2, big_n, big_m = [], [], [], [], [], []
    for code, p1 in zip(first.index.tolist(), first.pi.tolist(), strict=True):
        members = np.flatnonzero(inverse == code)
        groups = (
            [(None, members)]
            if st is None
            else [(lab.item(), members[st[members] == lab]) for lab in np.unique(st[members])]
        )
        for lab, group in groups:
            want = units_per_psu if isinstance(units_per_psu, int) else units_per_psu[lab]
            m = min(int(want), group.shape[0])
            part = select(group.shape[0], m, rng, unit_method)
            idx.append(group[part.index])
            pi2.append(part.pi)
            pi1.append(np.full(m, p1))
            psu.append(np.repeat(labels[code], m))
            big_n.append(np.full(m, float(labels.shape[0])))
            big_m.append(np.full(m, float(group.shape[0])))
    index = np.concatenate(idx).astype(np.int64) if idx else np.zeros(0, dtype=np.int64)
    order = np.argsort(index, kind="stable")

    def cat(parts: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
        return np.concatenate(parts)[order] if parts else np.zeros(0)

    return TwoStageSample(
        index=index[order],
        psu=cat(psu),
        pi_psu=cat(pi1),
        pi_unit=cat(pi2),
        psu_population=cat(big_n),
        unit_population=cat(big_m),
    )
