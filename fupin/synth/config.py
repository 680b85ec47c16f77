"""Settings of a synthetic province: the county list, target counts, planted-problem rates, presets."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fupin.policy.lines import DEFAULT_LINES, PovertyLineTable
from fupin.regions.counties import CountyRow, read_counties

# 三区三州 in Gansu: 临夏州, 甘南州 and 天祝县; every county that exited in 2020 is also deep.
GANSU_DEEPLY_POOR_CITIES = frozenset({"临夏回族自治州", "甘南藏族自治州"})
GANSU_DEEPLY_POOR_COUNTIES = frozenset({"620623"})


def poverty_line(year: int, lines: PovertyLineTable = DEFAULT_LINES) -> float:
    """The national line for `year` (yuan per person per year), from the policy table."""
    return lines.yuan(year)


@dataclass(frozen=True)
class SynthConfig:
    """Everything that decides a synthetic province; the same config gives the same data.

    Totals (villages, households) are met exactly; registered persons follow from the
    household-size distribution, tuned so that its mean is registered_persons /
    registered_households. Rates are shares of the eligible households in each county,
    rounded per county, so they hold to within one household per county.
    """

    counties: tuple[CountyRow, ...]
    seed: int = 2015
    year: int = 2019
    # Target counts over all counties.
    poor_villages: int = 6_220
    nonpoor_villages: int = 5_800
    registered_households: int = 1_010_000
    registered_persons: int = 4_170_000
    nonregistered_households: int = 1_520_000
    nonregistered_mean_size: float = 3.9
    villages_per_township: float = 14.0
    # How unevenly villages and households spread over counties and villages.
    county_size_sigma: float = 0.35
    village_size_shape: float = 4.0
    # Share of a poor village's (non-poor village's) households in the registry, roughly.
    registered_weight_poor_village: float = 4.0
    registered_weight_nonpoor_village: float = 1.0
    # Household attribute shares among registered households.
    dibao_share: float = 0.20
    tekun_share: float = 0.05
    # Planted problems.
    wrong_exit_rate: float = 0.01
    missed_rate: float = 0.01
    recording_error_rate: float = 0.02
    return_rate: float = 0.01
    removed_rate: float = 0.01
    recognition_rate: float = 0.95
    # Errors only the registry checks (fupin.checks) look for, drawn from their own random
    # stream; 0 by default so that the other columns stay as they were for a given seed.
    check_error_rate: float = 0.0
    deeply_poor_counties: frozenset[str] = frozenset()
    lines: PovertyLineTable = field(default=DEFAULT_LINES, compare=False, hash=False)

    def __post_init__(self) -> None:
        rows = tuple(
            CountyRow(str(c[0]), str(c[1]), str(c[2]), str(c[3]), int(c[4]), str(c[5]))
            for c in self.counties
        )
        object.__setattr__(self, "counties", rows)
        if not self.counties:
            raise ValueError("a synthetic province needs at least one county")
        codes = [c.code for c in self.counties]
        if len(set(codes)) != len(codes) or any(len(c) != 6 or not c.isdigit() for c in codes):
            raise ValueError("county codes must be distinct 6-digit strings")
        if self.year not in range(2014, 2021):
            raise ValueError("year must be between 2014 and 2020")
        for name in (
            "wrong_exit_rate",
            "missed_rate",
            "recording_error_rate",
            "return_rate",
            "check_error_rate",
        ):
            if not 0.0 <= getattr(self, name) <= 0.5:
                raise ValueError(f"{name} must be between 0 and 0.5")
        if self.poor_villages + self.nonpoor_villages < len(self.counties):
            raise ValueError("need at least one village per county")
        if self.registered_persons < self.registered_households:
            raise ValueError("registered_persons must be at least registered_households")

    @property
    def line(self) -> float:
        return poverty_line(self.year, self.lines)

    def is_deeply_poor(self, county: CountyRow) -> bool:
        return county.code in self.deeply_poor_counties or county.exit_year >= 2020

    def replace(self, **changes: Any) -> SynthConfig:
        return dataclasses.replace(self, **changes)


def _gansu_deep(counties: Iterable[CountyRow]) -> frozenset[str]:
    return frozenset(
        c.code
        for c in counties
        if c.city in GANSU_DEEPLY_POOR_CITIES or c.code in GANSU_DEEPLY_POOR_COUNTIES
    )


def preset(
    name: str, *, counties: Iterable[CountyRow] | None = None, **overrides: Any
) -> SynthConfig:
    """Named configurations: "demo" (one small Gansu county) and "gansu" (58 poor counties).

    gansu: 6 220 poor villages, 1.01 million registered households and 4.17 million
    registered people (the 2015 registry, exited households included) as in the seed text;
    5 800 non-poor villages and 1.52 million non-registered households of about 3.9 people
    bring the rural population of the 58 counties to about 10 million.
    """
    rows = list(counties) if counties is not None else read_counties(province="甘肃省")
    if name == "gansu":
        base = SynthConfig(counties=tuple(rows), deeply_poor_counties=_gansu_deep(rows))
    elif name == "demo":
        first = rows[:1]
        base = SynthConfig(
            counties=tuple(first),
            poor_villages=12,
            nonpoor_villages=8,
            registered_households=600,
            registered_persons=2_480,
            nonregistered_households=900,
            villages_per_township=7.0,
            deeply_poor_counties=_gansu_deep(first),
        )
    else:
        raise ValueError(f"unknown preset {name!r}: use 'demo' or 'gansu'")
    return base.replace(**overrides) if overrides else base
