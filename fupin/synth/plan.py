"""How the province's target counts are shared out over counties, reproducibly from the seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fupin.regions.counties import CountyRow
from fupin.synth.config import SynthConfig

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CountyPlan:
    """The counts one county must produce, and where its random numbers come from."""

    index: int
    county: CountyRow
    poor_villages: int
    nonpoor_villages: int
    registered_households: int
    nonregistered_households: int
    deeply_poor: bool
    seed: tuple[int, int]


def apportion(total: int, weights: FloatArray, minimum: int = 0) -> IntArray:
    """Integers proportional to `weights` that sum to `total` exactly (largest remainder)."""
    n = len(weights)
    floor_total = minimum * n
    if total < floor_total:
        raise ValueError(f"cannot give {minimum} to each of {n} parts out of {total}")
    share = weights / weights.sum() * (total - floor_total)
    base = np.floor(share).astype(np.int64)
    short = int(total - floor_total - base.sum())
    if short:
        order = np.argsort(-(share - base), kind="stable")
        base[order[:short]] += 1
    out: IntArray = base + minimum
    return out


def county_seed(config: SynthConfig, county: CountyRow) -> tuple[int, int]:
    """Seed entropy of one county: independent of which other counties are in the list."""
    return (config.seed, int(county.code))


def plan_counties(config: SynthConfig) -> list[CountyPlan]:
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 0]))
    counties = config.counties
    n = len(counties)
    deep = np.array([config.is_deeply_poor(c) for c in counties])
    size = np.exp(rng.normal(0.0, config.county_size_sigma, n))
    poor_weight = size * np.where(deep, 1.4, 1.0)
    nonpoor_weight = size * np.where(deep, 0.7, 1.0)
    n_villages = config.poor_villages + config.nonpoor_villages
    poor_min = 1 if config.poor_villages >= n else 0
    poor = apportion(config.poor_villages, poor_weight, poor_min)
    nonpoor_min = 1 if poor_min == 0 else 0
    nonpoor = apportion(config.nonpoor_villages, nonpoor_weight, nonpoor_min)
    if (poor + nonpoor).min() < 1 or (poor + nonpoor).sum() != n_villages:
        raise ValueError("every county needs at least one village")
    reg_w = (
        poor * config.registered_weight_poor_village
        + nonpoor * config.registered_weight_nonpoor_village
    ).astype(np.float64)
    registered = apportion(config.registered_households, reg_w + 1e-9)
    # Non-registered households: what is left of a village of roughly even total size.
    unreg_w = (poor * 1.0 + nonpoor * 1.6).astype(np.float64)
    nonregistered = apportion(config.nonregistered_households, unreg_w + 1e-9)
    return [
        CountyPlan(
            index=i,
            county=c,
            poor_villages=int(poor[i]),
            nonpoor_villages=int(nonpoor[i]),
            registered_households=int(registered[i]),
            nonregistered_households=int(nonregistered[i]),
            deeply_poor=bool(deep[i]),
            seed=county_seed(config, c),
        )
        for i, c in enumerate(counties)
    ]
