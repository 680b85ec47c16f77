"""Households of one synthetic county: village rosters, registry status paths, size, attribute."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fupin.synth.config import SynthConfig
from fupin.synth.plan import CountyPlan
from fupin.synth.regions import Villages

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

STATUSES = ("", "poor", "exited", "returned", "removed")
REMOVED = 4
POOR, EXITED, RETURNED = 1, 2, 3
ATTRIBUTES = ("", "ordinary", "dibao", "tekun")
ORDINARY, DIBAO, TEKUN = 1, 2, 3

MAX_SIZE = 8
# Household sizes 1..8 of rural Gansu before tilting to the configured mean.
BASE_SIZE_PMF = np.array([0.05, 0.12, 0.17, 0.24, 0.20, 0.12, 0.07, 0.03])
TEKUN_SIZE_PMF = np.array([0.7, 0.3])
# Share of registered households identified in each year 2014..2020 (2014 is the first registry).
IDENTIFIED_YEAR_PMF = np.array([0.86, 0.06, 0.04, 0.02, 0.012, 0.006, 0.002])
# Share of a county's registered households still poor when the county exits, and how fast the
# remainder exits in later years.
POOR_AT_COUNTY_EXIT = 0.03
EXITED_BEFORE_COUNTY_EXIT = 0.88
LATER_EXIT_DECAY = 0.4


def tilted_pmf(base: FloatArray, mean: float) -> FloatArray:
    """Exponentially tilt a pmf on 1..len(base) until its mean is `mean` (bisection)."""
    sizes = np.arange(1, len(base) + 1, dtype=np.float64)
    if not sizes[0] < mean < sizes[-1]:
        raise ValueError(f"mean household size {mean} out of range")
    lo, hi = -10.0, 10.0
    pmf = base
    for _ in range(80):
        theta = (lo + hi) / 2
        w = base * np.exp(theta * (sizes - sizes.mean()))
        pmf = w / w.sum()
        if float(pmf @ sizes) < mean:
            lo = theta
        else:
            hi = theta
    return pmf


@dataclass
class Households:
    """Column arrays of one county's households, filled in stage by stage."""

    village: IntArray
    serial: IntArray
    registered: BoolArray
    attribute: IntArray
    size: IntArray
    status: IntArray
    identified_year: IntArray
    exited_year: IntArray
    returned_year: IntArray
    removed_year: IntArray
    extra: dict[str, npt.NDArray[np.generic]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.village)


def exit_year_cdf(county_exit: int, years: IntArray) -> FloatArray:
    """Share of a county's registered households exited by the end of each year.

    Exits ramp up evenly from 2015 to EXITED_BEFORE_COUNTY_EXIT in the year before the county's
    exit; the exit year brings the county to 1 - POOR_AT_COUNTY_EXIT, and the remainder keeps
    exiting afterwards.
    """
    county_exit = max(county_exit, 2015)
    at_exit = 1.0 - POOR_AT_COUNTY_EXIT
    ramp_years = county_exit - 2015
    ramp = EXITED_BEFORE_COUNTY_EXIT * (years - 2014) / max(ramp_years, 1)
    later = 1.0 - POOR_AT_COUNTY_EXIT * LATER_EXIT_DECAY ** np.maximum(years - county_exit, 0)
    out: FloatArray = np.where(years < county_exit, ramp, later)
    out = np.where(years == county_exit, at_exit, out)
    return out


def make_households(
    plan: CountyPlan, villages: Villages, config: SynthConfig, rng: np.random.Generator
) -> Households:
    n_v = len(villages)
    scale = rng.gamma(config.village_size_shape, 1.0 / config.village_size_shape, n_v)
    reg_w = scale * np.where(
        villages.is_poor,
        config.registered_weight_poor_village,
        config.registered_weight_nonpoor_village,
    )
    unreg_w = scale * np.where(villages.is_poor, 1.0, 1.6)
    reg_per_village = rng.multinomial(plan.registered_households, reg_w / reg_w.sum())
    unreg_per_village = rng.multinomial(plan.nonregistered_households, unreg_w / unreg_w.sum())
    per_village = reg_per_village + unreg_per_village
    if per_village.max(initial=0) > 9999:
        raise ValueError("a village would have more than 9999 households")
    village = np.repeat(np.arange(n_v), per_village)
    registered = np.r_[
        np.ones(int(reg_per_village.sum()), bool), np.zeros(int(unreg_per_village.sum()), bool)
    ]
    village_unsorted = np.r_[
        np.repeat(np.arange(n_v), reg_per_village), np.repeat(np.arange(n_v), unreg_per_village)
    ]
    # Interleave registered and other households on each village roster.
    order = np.lexsort((rng.random(len(village_unsorted)), village_unsorted))
    registered = registered[order]
    n = len(village)
    starts = np.cumsum(per_village) - per_village
    serial = np.arange(n, dtype=np.int64) - starts[village] + 1

    u = rng.random(n)
    attribute = np.where(
        registered,
        np.where(
            u < config.tekun_share,
            TEKUN,
            np.where(u < config.tekun_share + config.dibao_share, DIBAO, ORDINARY),
        ),
        0,
    ).astype(np.int64)

    tekun_mean = float(TEKUN_SIZE_PMF @ np.arange(1, 3))
    reg_mean = config.registered_persons / config.registered_households
    other_share = 1.0 - config.tekun_share
    other_mean = (reg_mean - config.tekun_share * tekun_mean) / other_share
    reg_pmf = tilted_pmf(BASE_SIZE_PMF, other_mean)
    unreg_pmf = tilted_pmf(BASE_SIZE_PMF, config.nonregistered_mean_size)
    sizes = np.arange(1, MAX_SIZE + 1)
    size = np.where(
        registered,
        rng.choice(sizes, size=n, p=reg_pmf),
        rng.choice(sizes, size=n, p=unreg_pmf),
    )
    size = np.where(attribute == TEKUN, rng.choice([1, 2], size=n, p=TEKUN_SIZE_PMF), size)

    year = config.year
    id_years = np.arange(2014, 2014 + len(IDENTIFIED_YEAR_PMF))
    id_pmf = np.where(id_years <= year, IDENTIFIED_YEAR_PMF, 0.0)
    identified = rng.choice(id_years, size=n, p=id_pmf / id_pmf.sum()).astype(np.int64)

    cdf_years = np.arange(2015, 2041)
    cdf = exit_year_cdf(plan.county.exit_year, cdf_years)
    cdf[-1] = 1.0
    exit_draw = cdf_years[np.searchsorted(cdf, rng.random(n), side="right").clip(0, len(cdf) - 1)]
    exit_draw = np.maximum(exit_draw, identified + 1).astype(np.int64)
    exited = registered & (exit_draw <= year)
    exited_year = np.where(exited, exit_draw, 0)
    can_return = exited & (exited_year < year)
    returned = can_return & (rng.random(n) < config.return_rate)
    span = np.maximum(year - exited_year, 1)
    returned_year = np.where(
        returned, exited_year + 1 + np.floor(rng.random(n) * span).astype(np.int64), 0
    )
    returned_year = np.minimum(returned_year, year)
    status = np.where(
        registered, np.where(returned, RETURNED, np.where(exited, EXITED, POOR)), 0
    ).astype(np.int64)

    # Some non-registered households were registered in 2014 and removed by the 2015-2016
    # review (回头看) as wrongly identified: they keep that history.
    n_unreg = int((~registered).sum())
    n_removed = min(round(config.removed_rate * n_unreg), n_unreg) if year >= 2015 else 0
    removed = np.zeros(n, bool)
    removed[rng.choice(np.flatnonzero(~registered), size=n_removed, replace=False)] = True
    removed_year = np.where(removed, np.where(rng.random(n) < 0.6, 2015, 2016), 0)
    removed_year = np.minimum(removed_year, year)
    identified_year = np.where(registered, identified, np.where(removed, 2014, 0))
    # Their status is the last event's: removed (清退), and they are not in the registry now.
    status = np.where(removed, REMOVED, status)

    return Households(
        village=village,
        serial=serial,
        registered=registered,
        attribute=attribute,
        size=size.astype(np.int64),
        status=status,
        identified_year=identified_year.astype(np.int64),
        exited_year=exited_year.astype(np.int64),
        returned_year=returned_year.astype(np.int64),
        removed_year=removed_year.astype(np.int64),
    )
