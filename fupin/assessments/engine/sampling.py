"""The three random draws (三随机): counties by province, villages by stratum, households by stratum."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from fupin.assessments.engine.frames import STRATA, CountyFrame, FloatArray, IntArray
from fupin.regions.counties import CountyRow
from fupin.stats import selection
from fupin.stats.allocation import proportional, round_half_up

BoolArray = npt.NDArray[np.bool_]
VillageMethod = Literal["pps", "srs"]
VILLAGE_STRATA: tuple[str, ...] = ("poor", "nonpoor")
# Second-stage (within-village) design strata: the three household strata, plus the at-risk
# households (低保, serious illness, unsafe housing) taken in full as their own certainty stratum.
AT_RISK = len(STRATA)
DESIGN_STRATA: tuple[str, ...] = (*STRATA, "at_risk")


class DrawError(ValueError):
    """A draw that cannot be made (no county exited that year, a rate out of range, ...)."""


@dataclass(frozen=True)
class SeedRecord:
    """Where a draw's random numbers came from: replay with `generator()`.

    `fresh` is False when the generator had been used before the draw, in which case the seed
    alone does not replay it (the pipeline always hands each draw a fresh child generator).
    """

    entropy: int | tuple[int, ...]
    spawn_key: tuple[int, ...]
    fresh: bool

    def generator(self) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.entropy, spawn_key=self.spawn_key))

    def as_dict(self) -> dict[str, Any]:
        entropy = list(self.entropy) if isinstance(self.entropy, tuple) else self.entropy
        return {"entropy": entropy, "spawn_key": list(self.spawn_key), "fresh": self.fresh}


def seed_record(rng: np.random.Generator) -> SeedRecord:
    """The seed of `rng` and whether it is still unused."""
    seq = rng.bit_generator.seed_seq
    if not isinstance(seq, np.random.SeedSequence):
        return SeedRecord(entropy=0, spawn_key=(), fresh=False)
    entropy_raw = seq.entropy
    entropy: int | tuple[int, ...] = (
        int(entropy_raw)
        if isinstance(entropy_raw, (int, np.integer))
        else tuple(int(e) for e in entropy_raw)
        if entropy_raw is not None
        else 0
    )
    replay = np.random.default_rng(seq)
    fresh = replay.bit_generator.state == rng.bit_generator.state
    return SeedRecord(entropy=entropy, spawn_key=tuple(int(k) for k in seq.spawn_key), fresh=fresh)


# --------------------------------------------------------------------------------------------
# Counties
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampledCounty:
    code: str
    county: str
    province: str
    pi: float

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "county": self.county, "province": self.province}


@dataclass(frozen=True)
class CountyDraw:
    """Counties drawn from one year's exits: rows sorted by code, and the frame they came from.

    `allocation` is, per province (sorted by name), (counties that exited, counties drawn).
    """

    exit_year: int
    rate: float
    minimum: int
    rows: tuple[SampledCounty, ...]
    allocation: tuple[tuple[str, int, int], ...]
    frame_size: int
    seed: SeedRecord
    method: str = "stratified srs by province, proportional allocation (round half up, >= 1)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "exit_year": self.exit_year,
            "rate": self.rate,
            "minimum": self.minimum,
            "method": self.method,
            "frame_size": self.frame_size,
            "seed": self.seed.as_dict(),
            "allocation": [
                {"province": p, "exited": big_n, "drawn": n} for p, big_n, n in self.allocation
            ],
            "rows": [{**r.as_dict(), "pi": r.pi} for r in self.rows],
        }


def sample_counties(
    counties: Sequence[CountyRow],
    *,
    exit_year: int,
    rate: float,
    rng: np.random.Generator,
    minimum: int = 1,
) -> CountyDraw:
    """Draw `rate` of the counties that exited in `exit_year`, every province covered.

    Each province gets round_half_up(rate x its exits), at least `minimum` (DOMAIN §6: the 2019
    spot check of 2018 exits: 283 counties, 22 provinces, 20 %, 60 counties).  Within a
    province the counties are a simple random sample, from the list sorted by code.
    """
    if not 0 < rate <= 1:
        raise DrawError(f"rate must be in (0, 1], got {rate}")
    record = seed_record(rng)
    frame = sorted((c for c in counties if c.exit_year == exit_year), key=lambda c: c.code)
    if not frame:
        years = sorted({c.exit_year for c in counties})
        raise DrawError(f"no county exited in {exit_year} (exit years in the list: {years})")
    provinces = sorted({c.province for c in frame})
    members = {p: [c for c in frame if c.province == p] for p in provinces}
    sizes = {p: len(members[p]) for p in provinces}
    alloc = proportional(sizes, rate=rate, minimum=minimum)
    rows: list[SampledCounty] = []
    for p in provinces:
        part = selection.srs(sizes[p], alloc[p], rng)
        for i, pi in zip(part.index.tolist(), part.pi.tolist(), strict=True):
            c = members[p][i]
            rows.append(SampledCounty(c.code, c.name, c.province, float(pi)))
    rows.sort(key=lambda r: r.code)
    return CountyDraw(
        exit_year=exit_year,
        rate=rate,
        minimum=minimum,
        rows=tuple(rows),
        allocation=tuple((p, sizes[p], alloc[p]) for p in provinces),
        frame_size=len(frame),
        seed=record,
    )


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamplingSettings:
    """How villages and households are drawn in one county (campaign settings, DOMAIN §6).

    The defaults are chosen for honest intervals (issue #19): 16 villages, 65 % of them poor
    villages, drawn with probability proportional to households within the poor and non-poor
    strata; in each village every at-risk household (低保, serious illness, unsafe housing),
    plus 30 exited, 5 still-poor and 30 non-registered households (all of a stratum when it has
    fewer).  On a county of 10 000 households and 60 villages with 2.5 % wrong exits and missed
    households that is about 1 650 households, and over 500 redraws the 95 % intervals of the
    four figures cover the truth 95.6-96.4 % of the time (bench/bench_coverage.py); the old
    default (12 villages, 10 / 5 / 8) gave about 800 households and 90-94 %.  `fupin plan-sample`
    works out a plan for other counties and rates.  The 2017 first batch drew 29 villages per
    county on average.  `min_villages_per_stratum` keeps both village strata in the sample (two
    villages each where there are two, so that each has a variance).
    """

    villages: int = 16
    poor_village_share: float = 0.65
    village_method: VillageMethod = "pps"
    exited_per_village: int = 30
    poor_per_village: int = 5
    nonregistered_per_village: int = 30
    at_risk_in_full: bool = True
    min_villages_per_stratum: int = 2

    def __post_init__(self) -> None:
        if self.villages < 1:
            raise DrawError("draw at least one village")
        if not 0 <= self.poor_village_share <= 1:
            raise DrawError("poor_village_share must be in [0, 1]")
        if self.village_method not in ("pps", "srs"):
            raise DrawError("village_method must be 'pps' or 'srs'")
        for name in ("exited_per_village", "poor_per_village", "nonregistered_per_village"):
            if getattr(self, name) < 0:
                raise DrawError(f"{name} cannot be negative")

    @property
    def per_stratum(self) -> tuple[int, int, int]:
        """Households per village in STRATA order."""
        return (self.exited_per_village, self.poor_per_village, self.nonregistered_per_village)

    def as_dict(self) -> dict[str, Any]:
        return {
            "villages": self.villages,
            "poor_village_share": self.poor_village_share,
            "village_method": self.village_method,
            "exited_per_village": self.exited_per_village,
            "poor_per_village": self.poor_per_village,
            "nonregistered_per_village": self.nonregistered_per_village,
            "at_risk_in_full": self.at_risk_in_full,
            "min_villages_per_stratum": self.min_villages_per_stratum,
        }


def village_allocation(frame: CountyFrame, settings: SamplingSettings) -> tuple[int, int]:
    """Villages to draw from (poor, non-poor) villages, each within what exists."""
    big_poor = int(frame.village_is_poor.sum())
    big_non = frame.n_villages - big_poor
    total = min(settings.villages, frame.n_villages)
    want_poor = round_half_up(total * settings.poor_village_share)
    floor_poor = min(settings.min_villages_per_stratum, big_poor)
    floor_non = min(settings.min_villages_per_stratum, big_non)
    n_poor = min(big_poor, max(floor_poor, min(want_poor, total - floor_non)))
    n_non = min(big_non, max(floor_non, total - n_poor))
    n_poor = min(big_poor, max(n_poor, total - n_non))  # give back what the other lacks
    return n_poor, n_non


# --------------------------------------------------------------------------------------------
# Villages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class VillageDraw:
    """Villages drawn in one county.

    Per sampled village (sorted by frame index): `index` into the frame's villages, `stratum`
    (0 poor, 1 non-poor: VILLAGE_STRATA), `pi` its inclusion probability, and `households` its
    measure of size.  Per village stratum: `population` (villages in the frame) and `sampled`.
    """

    index: IntArray
    stratum: IntArray
    pi: FloatArray
    households: IntArray
    population: tuple[int, int]
    sampled: tuple[int, int]
    method: VillageMethod
    frame_fingerprint: str
    seed: SeedRecord

    def __len__(self) -> int:
        return int(self.index.shape[0])

    def as_dict(self, frame: CountyFrame) -> dict[str, Any]:
        return {
            "method": self.method,
            "frame_fingerprint": self.frame_fingerprint,
            "seed": self.seed.as_dict(),
            "strata": {
                s: {"population": self.population[k], "sampled": self.sampled[k]}
                for k, s in enumerate(VILLAGE_STRATA)
            },
            "villages": [
                {
                    "code": str(frame.village_code[i]),
                    "stratum": VILLAGE_STRATA[s],
                    "pi": p,
                    "households": h,
                }
                for i, s, p, h in zip(
                    self.index.tolist(),
                    self.stratum.tolist(),
                    self.pi.tolist(),
                    self.households.tolist(),
                    strict=True,
                )
            ],
        }


def draw_villages(
    frame: CountyFrame, settings: SamplingSettings, rng: np.random.Generator
) -> VillageDraw:
    """Villages within the poor and non-poor strata, PPS by households (Brewer) or SRS."""
    record = seed_record(rng)
    sizes = frame.village_households
    allocation = village_allocation(frame, settings)
    index_parts: list[IntArray] = []
    pi_parts: list[FloatArray] = []
    stratum_parts: list[IntArray] = []
    population: list[int] = []
    for k, poor in enumerate((True, False)):
        members = np.flatnonzero(frame.village_is_poor == poor)
        population.append(int(members.shape[0]))
        n = allocation[k]
        if n == 0:
            continue
        if settings.village_method == "pps":
            usable = members[sizes[members] > 0]
            part = selection.pps_brewer(sizes[usable], min(n, usable.shape[0]), rng)
            chosen = usable[part.index]
        else:
            part = selection.srs(members.shape[0], n, rng)
            chosen = members[part.index]
        index_parts.append(chosen.astype(np.int64))
        pi_parts.append(np.asarray(part.pi, dtype=np.float64))
        stratum_parts.append(np.full(chosen.shape[0], k, dtype=np.int64))
    index = np.concatenate(index_parts)
    order = np.argsort(index, kind="stable")
    index = index[order]
    stratum = np.concatenate(stratum_parts)[order]
    return VillageDraw(
        index=index,
        stratum=stratum,
        pi=np.concatenate(pi_parts)[order],
        households=sizes[index],
        population=(population[0], population[1]),
        sampled=(int((stratum == 0).sum()), int((stratum == 1).sum())),
        method=settings.village_method,
        frame_fingerprint=frame.fingerprint(),
        seed=record,
    )


# --------------------------------------------------------------------------------------------
# Households
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class HouseholdDraw:
    """Households drawn in the sampled villages, with what the design needs.

    Per sampled household (sorted by frame index): `index` into the frame, `village` (its
    position in `villages`), `stratum` (its household stratum, STRATA codes), `design_stratum`
    (DESIGN_STRATA: the household stratum, or at_risk for households taken in full), `pi` its
    conditional inclusion probability given the village (1 for at-risk households), and
    `population` / `sampled`, the households of its design stratum in its village in the frame
    and in the sample (the second-stage fpc).
    """

    villages: VillageDraw
    index: IntArray
    village: IntArray
    stratum: IntArray
    design_stratum: IntArray
    pi: FloatArray
    population: IntArray
    sampled: IntArray
    settings: SamplingSettings
    seed: SeedRecord

    def __len__(self) -> int:
        return int(self.index.shape[0])

    @property
    def certainty(self) -> BoolArray:
        return np.asarray(self.design_stratum == AT_RISK, dtype=np.bool_)

    @property
    def village_pi(self) -> FloatArray:
        return np.asarray(self.villages.pi[self.village], dtype=np.float64)

    @property
    def weights(self) -> FloatArray:
        """1 / (pi_village x pi_household|village)."""
        return np.asarray(1.0 / (self.village_pi * self.pi), dtype=np.float64)

    def as_dict(self, frame: CountyFrame) -> dict[str, Any]:
        return {
            "settings": self.settings.as_dict(),
            "seed": self.seed.as_dict(),
            "villages": self.villages.as_dict(frame),
            "households": [
                {
                    "household_no": str(frame.household_no[i]),
                    "village_code": str(frame.village_code[self.villages.index[v]]),
                    "stratum": STRATA[s],
                    "design_stratum": DESIGN_STRATA[d],
                    "pi": p,
                    "population": big_m,
                    "sampled": m,
                }
                for i, v, s, d, p, big_m, m in zip(
                    self.index.tolist(),
                    self.village.tolist(),
                    self.stratum.tolist(),
                    self.design_stratum.tolist(),
                    self.pi.tolist(),
                    self.population.tolist(),
                    self.sampled.tolist(),
                    strict=True,
                )
            ],
        }


def draw_households(
    frame: CountyFrame,
    villages: VillageDraw,
    settings: SamplingSettings,
    rng: np.random.Generator,
) -> HouseholdDraw:
    """In each sampled village: at-risk households in full, then an SRS per household stratum.

    Vectorised: every household of a sampled village gets a uniform key and the m smallest
    keys of each (village, stratum) group are taken, which is a simple random sample without
    replacement of m (all of them when the group is smaller).
    """
    record = seed_record(rng)
    position = np.full(frame.n_villages, -1, dtype=np.int64)
    position[villages.index] = np.arange(len(villages))
    rows = np.flatnonzero(position[frame.village] >= 0)
    v = position[frame.village[rows]]
    design = frame.stratum[rows].copy()
    if settings.at_risk_in_full:
        design[frame.at_risk[rows]] = AT_RISK
    n_design = len(DESIGN_STRATA)
    group = v * n_design + design
    keys = rng.random(rows.shape[0])
    order = np.lexsort((keys, group))
    g_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    counts = np.diff(np.r_[starts, g_sorted.shape[0]])
    rank = np.arange(g_sorted.shape[0]) - np.repeat(starts, counts)
    population_sorted = np.repeat(counts, counts)
    want = np.array([*settings.per_stratum, np.iinfo(np.int64).max], dtype=np.int64)
    want_sorted = want[g_sorted % n_design]
    take_sorted = rank < want_sorted
    sampled_sorted = np.minimum(want_sorted, population_sorted)
    chosen = order[take_sorted]
    resort = np.argsort(rows[chosen], kind="stable")
    chosen = chosen[resort]
    pop = population_sorted[take_sorted][resort]
    samp = sampled_sorted[take_sorted][resort]
    return HouseholdDraw(
        villages=villages,
        index=rows[chosen].astype(np.int64),
        village=v[chosen].astype(np.int64),
        stratum=frame.stratum[rows[chosen]].astype(np.int64),
        design_stratum=design[chosen].astype(np.int64),
        pi=(samp / pop).astype(np.float64),
        population=pop.astype(np.int64),
        sampled=samp.astype(np.int64),
        settings=settings,
        seed=record,
    )
