"""Townships and villages of one synthetic county, with their poor-village flags and years."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fupin.synth.arrow import ascii_strings, digit_matrix, nullable_int, text_matrix
from fupin.synth.config import SynthConfig
from fupin.synth.geo import geo_generator, place
from fupin.synth.names import place_names
from fupin.synth.plan import CountyPlan, apportion

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_VILLAGES_PER_TOWNSHIP = 190


@dataclass
class Villages:
    code: npt.NDArray[np.uint8]  # (n, 12) ASCII
    is_poor: BoolArray
    deeply_poor: BoolArray
    named_year: IntArray  # 0 when not a poor village
    exit_year: IntArray  # 0 when not (yet) exited
    table: pa.Table  # townships then villages

    def __len__(self) -> int:
        return len(self.is_poor)


def village_exit_years(
    rng: np.random.Generator, named: IntArray, county_exit: int, year: int
) -> IntArray:
    """Poor villages exit from 2015 up to the county's exit year, most in the last two years."""
    n = len(named)
    last = max(county_exit, 2015)
    years = np.arange(2015, last + 1)
    weights = 1.8 ** (years - 2015).astype(np.float64)
    exit_year = rng.choice(years, size=n, p=weights / weights.sum()).astype(np.int64)
    exit_year = np.maximum(exit_year, named + 1)
    return np.where(exit_year <= year, exit_year, 0)


def make_villages(
    plan: CountyPlan,
    config: SynthConfig,
    rng: np.random.Generator,
    geo_rng: np.random.Generator | None = None,
) -> Villages:
    """The county's townships and villages; map coordinates come from `geo_rng` alone."""
    n_villages = plan.poor_villages + plan.nonpoor_villages
    n_townships = max(1, round(n_villages / config.villages_per_township))
    n_townships = max(n_townships, -(-n_villages // MAX_VILLAGES_PER_TOWNSHIP))
    per_township = apportion(
        n_villages, rng.gamma(6.0, 1.0, n_townships), minimum=1 if n_villages >= n_townships else 0
    )
    township_of = np.repeat(np.arange(n_townships), per_township)
    starts = np.cumsum(per_township) - per_township
    serial_in_township = np.arange(n_villages) - starts[township_of]

    # Towns (镇) are numbered 100-199 and townships proper (乡) 200-399, as in the statistical codes.
    is_town = rng.random(n_townships) < 0.45
    town_serial = np.cumsum(is_town) - 1
    xiang_serial = np.cumsum(~is_town) - 1
    township_digits = np.where(is_town, 100 + town_serial, 200 + xiang_serial).astype(np.int64)
    county6 = plan.county.code
    township_code = np.concatenate(
        [
            text_matrix(county6, n_townships),
            digit_matrix(township_digits, 3),
            text_matrix("000", n_townships),
        ],
        axis=1,
    )
    village_code = np.concatenate(
        [
            np.repeat(township_code[:, :9], per_township, axis=0),
            digit_matrix(200 + serial_in_township.astype(np.int64) + 1, 3),
        ],
        axis=1,
    )

    is_poor: BoolArray = rng.permutation(
        np.r_[np.ones(plan.poor_villages, bool), np.zeros(plan.nonpoor_villages, bool)]
    ).astype(bool)
    named = np.where(
        is_poor, rng.choice([2014, 2015, 2016], size=n_villages, p=[0.92, 0.05, 0.03]), 0
    ).astype(np.int64)
    named = np.where(named > config.year, 2014, named)
    exit_year = np.where(
        is_poor, village_exit_years(rng, named, plan.county.exit_year, config.year), 0
    )
    deep: BoolArray = is_poor & (plan.deeply_poor | (rng.random(n_villages) < 0.25))

    township_names = place_names(rng, n_townships, np.where(is_town, "镇", "乡"))
    village_names = place_names(rng, n_villages, "村")
    n = n_townships + n_villages
    xy = place(plan.county, township_of, n_townships, geo_rng or geo_generator(plan.seed))
    table = pa.table(
        {
            "code": ascii_strings(np.concatenate([township_code, village_code])),
            "name": pa.array(np.concatenate([township_names, village_names])),
            "level": pa.array(["township"] * n_townships + ["village"] * n_villages),
            "parent_code": ascii_strings(
                np.concatenate(
                    [
                        np.concatenate(
                            [text_matrix(county6, n_townships), text_matrix("000000", n_townships)],
                            axis=1,
                        ),
                        np.repeat(township_code, per_township, axis=0),
                    ]
                )
            ),
            "is_poor_village": pa.array(np.r_[np.zeros(n_townships, bool), is_poor]),
            "poor_named_year": nullable_int(np.r_[np.zeros(n_townships, np.int64), named]),
            "poor_exit_year": nullable_int(np.r_[np.zeros(n_townships, np.int64), exit_year]),
            "deeply_poor": pa.array(np.r_[np.full(n_townships, plan.deeply_poor), deep]),
            "lon": pa.array(np.r_[xy.township_lon, xy.village_lon]),
            "lat": pa.array(np.r_[xy.township_lat, xy.village_lat]),
        }
    )
    assert len(table) == n
    return Villages(
        code=village_code,
        is_poor=is_poor,
        deeply_poor=deep,
        named_year=named,
        exit_year=exit_year,
        table=table,
    )
