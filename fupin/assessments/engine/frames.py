"""Sampling frames of one county (the registry as arrays) and, apart, its hidden truth for simulation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fupin.policy.zones import Zone, zone_for_province

if TYPE_CHECKING:
    from fupin.synth.generate import CountyBatch

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

# Household strata of the survey (DOMAIN §6): exited registered households, registered
# households still poor (poor or returned), and every other rural household (never registered,
# or removed from the registry), which is the frame for missed registration.
STRATA: tuple[str, ...] = ("exited", "poor", "nonregistered")
EXITED, POOR, NONREGISTERED = 0, 1, 2
# Registry status -> stratum code.
STATUS_STRATUM = {
    "exited": EXITED,
    "poor": POOR,
    "returned": POOR,
    "removed": NONREGISTERED,
    "": NONREGISTERED,
}


class FrameError(ValueError):
    """A frame that cannot be sampled (bad shapes, unknown codes, an empty county)."""


def _readonly(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class CountyFrame:
    """One county's household roster from the registry, as arrays (never the truth).

    Households are rows; `village` indexes `village_code` / `village_is_poor`.  `stratum` holds
    codes into STRATA.  `size` is the registry household size.  The population totals (persons)
    default to sums over the roster; the Django side may pass the registry's own totals.
    Build it with `CountyFrame.from_arrays` or `frame_from_batch`.
    """

    code: str
    name: str
    province: str
    zone: Zone
    year: int
    household_no: StrArray
    village: IntArray
    village_code: StrArray
    village_is_poor: BoolArray
    stratum: IntArray
    size: IntArray
    at_risk: BoolArray
    exited_persons: int
    poor_persons: int
    nonregistered_persons: int
    rural_population: int

    @classmethod
    def from_arrays(
        cls,
        *,
        code: str,
        name: str,
        province: str,
        year: int,
        household_no: npt.ArrayLike,
        village_code: npt.ArrayLike,
        village_is_poor: npt.ArrayLike,
        stratum: npt.ArrayLike,
        size: npt.ArrayLike,
        at_risk: npt.ArrayLike,
        household_village_code: npt.ArrayLike | None = None,
        village: npt.ArrayLike | None = None,
        zone: Zone | str | None = None,
        exited_persons: int | None = None,
        poor_persons: int | None = None,
        nonregistered_persons: int | None = None,
        rural_population: int | None = None,
    ) -> CountyFrame:
        """Validate plain arrays into a frame.

        Villages are given once (`village_code`, `village_is_poor`); each household's village
        either as an index (`village`) or as its code (`household_village_code`).  `stratum` is
        a stratum name ('exited', 'poor', 'nonregistered') or code per household.
        """
        vcode = np.asarray(village_code).astype(str)
        vpoor = np.asarray(village_is_poor, dtype=bool)
        if vcode.ndim != 1 or vpoor.shape != vcode.shape or vcode.shape[0] == 0:
            raise FrameError("village_code and village_is_poor need one value per village")
        if np.unique(vcode).shape[0] != vcode.shape[0]:
            raise FrameError("village codes must be distinct")
        hh_no = np.asarray(household_no).astype(str)
        n = hh_no.shape[0]
        if n == 0:
            raise FrameError(f"county {code} has no households")
        if village is not None:
            v = np.asarray(village, dtype=np.int64)
        elif household_village_code is not None:
            hv = np.asarray(household_village_code).astype(str)
            order = np.argsort(vcode)
            pos = np.searchsorted(vcode, hv, sorter=order).clip(0, vcode.shape[0] - 1)
            v = order[pos].astype(np.int64)
            if hv.shape != (n,) or not (vcode[v] == hv).all():
                raise FrameError("a household's village code is not among the villages")
        else:
            raise FrameError("give each household's village (index or code)")
        if v.shape != (n,) or v.min() < 0 or v.max() >= vcode.shape[0]:
            raise FrameError("household village index out of range")
        st = np.asarray(stratum)
        if st.dtype.kind in "US" or st.dtype.kind == "O":
            names = st.astype(str)
            bad = ~np.isin(names, STRATA)
            if bad.any():
                raise FrameError(f"unknown stratum {names[bad][0]!r}; use one of {STRATA}")
            st_codes = np.select([names == s for s in STRATA], list(range(len(STRATA))))
        else:
            st_codes = st
        st_codes = np.asarray(st_codes, dtype=np.int64)
        if st_codes.shape != (n,) or st_codes.min() < 0 or st_codes.max() >= len(STRATA):
            raise FrameError("stratum needs one valid code per household")
        sz = np.asarray(size, dtype=np.int64)
        if sz.shape != (n,) or (sz < 1).any():
            raise FrameError("size needs one positive value per household")
        risk = np.asarray(at_risk, dtype=bool)
        if risk.shape != (n,):
            raise FrameError("at_risk needs one value per household")
        persons = np.bincount(st_codes, weights=sz, minlength=len(STRATA)).astype(np.int64)
        z = Zone(zone) if zone is not None else zone_for_province(code)
        frame = cls(
            code=str(code),
            name=str(name),
            province=str(province),
            zone=z,
            year=int(year),
            household_no=_readonly(hh_no),
            village=_readonly(v),
            village_code=_readonly(vcode),
            village_is_poor=_readonly(vpoor),
            stratum=_readonly(st_codes),
            size=_readonly(sz),
            at_risk=_readonly(risk),
            exited_persons=int(persons[EXITED] if exited_persons is None else exited_persons),
            poor_persons=int(persons[POOR] if poor_persons is None else poor_persons),
            nonregistered_persons=int(
                persons[NONREGISTERED] if nonregistered_persons is None else nonregistered_persons
            ),
            rural_population=int(sz.sum() if rural_population is None else rural_population),
        )
        if frame.rural_population <= 0:
            raise FrameError("the rural population must be positive")
        return frame

    @property
    def n_households(self) -> int:
        return int(self.household_no.shape[0])

    @property
    def n_villages(self) -> int:
        return int(self.village_code.shape[0])

    @property
    def village_households(self) -> IntArray:
        """Households per village (the PPS measure of size)."""
        return np.bincount(self.village, minlength=self.n_villages).astype(np.int64)

    def fingerprint(self) -> str:
        """SHA-256 of everything a draw depends on: same fingerprint + same seed, same draw.

        Computed once per frame (a draw, its record and its replay each ask): the frame cannot
        change, being frozen with read-only arrays."""
        cached = self.__dict__.get("_fingerprint")
        if cached is not None:
            return str(cached)
        h = hashlib.sha256()
        for part in (self.code, str(self.year)):
            h.update(part.encode() + b"\0")
        for arr in (self.village_code, self.household_no):
            h.update("\n".join(arr.tolist()).encode() + b"\0")
        for num in (self.village_is_poor, self.village, self.stratum, self.size, self.at_risk):
            h.update(np.ascontiguousarray(num, dtype=np.int64).tobytes())
        digest = h.hexdigest()
        object.__setattr__(self, "_fingerprint", digest)  # frozen: past the dataclass's guard
        return digest


def frame_from_batch(batch: CountyBatch, *, zone: Zone | str | None = None) -> CountyFrame:
    """The frame of a synthetic county from its registry tables only (never the truth)."""
    hh = batch.households
    regions = batch.regions
    is_village = np.asarray(regions.column("level").to_numpy(zero_copy_only=False)) == "village"
    vcode = np.asarray(regions.column("code").to_numpy(zero_copy_only=False))[is_village]
    vpoor = np.asarray(regions.column("is_poor_village").to_numpy(zero_copy_only=False))[is_village]
    status = np.asarray(hh.column("status").to_numpy(zero_copy_only=False)).astype(str)
    unknown = sorted(set(np.unique(status).tolist()) - set(STATUS_STRATUM))
    if unknown:
        raise FrameError(f"unknown registry status {unknown[0]!r}")
    stratum = np.full(status.shape[0], NONREGISTERED, dtype=np.int64)
    for name, code in STATUS_STRATUM.items():
        stratum[status == name] = code

    def col(name: str) -> npt.NDArray[Any]:
        return np.asarray(hh.column(name).to_numpy(zero_copy_only=False))

    at_risk = col("at_risk_dibao") | col("at_risk_illness") | col("at_risk_housing")
    years = col("income_year")
    county = batch.county
    return CountyFrame.from_arrays(
        code=county.code,
        name=county.name,
        province=county.province,
        year=int(years[0]) if years.shape[0] else 2019,
        household_no=col("household_no"),
        village_code=vcode,
        village_is_poor=vpoor,
        household_village_code=col("village_code"),
        stratum=stratum,
        size=col("size"),
        at_risk=at_risk,
        zone=zone if zone is not None else (county.zone or None),
    )


@dataclass(frozen=True, eq=False)
class CountyTruth:
    """The hidden truth about every household of a frame, row-aligned with it.

    For simulation and scoring only: an assessment never sees it.  `meets_standard` is the
    national identification standard on the true facts (income at or below the line, or a
    guarantee not met): for an exited household that is a wrong exit, for a non-registered
    household a missed one.
    """

    income_per_capita: FloatArray
    food_ok: BoolArray
    clothing_ok: BoolArray
    education_ok: BoolArray
    medical_ok: BoolArray
    housing_ok: BoolArray
    water_ok: BoolArray
    meets_standard: BoolArray
    size: IntArray
    recognises_work: BoolArray
    planted: StrArray

    @property
    def guarantees(self) -> tuple[BoolArray, ...]:
        """The six guarantee flags in GUARANTEES order."""
        return (
            self.food_ok,
            self.clothing_ok,
            self.education_ok,
            self.medical_ok,
            self.housing_ok,
            self.water_ok,
        )


GUARANTEES: tuple[str, ...] = ("food", "clothing", "education", "medical", "housing", "water")


def truth_from_batch(batch: CountyBatch, frame: CountyFrame) -> CountyTruth:
    """The truth table of a synthetic county, aligned with `frame` by household number."""
    t = batch.truth_households

    def col(name: str) -> npt.NDArray[Any]:
        return np.asarray(t.column(name).to_numpy(zero_copy_only=False))

    hh_no = col("household_no").astype(str)
    if hh_no.shape != frame.household_no.shape or not (hh_no == frame.household_no).all():
        order = np.argsort(hh_no)
        pos = np.searchsorted(hh_no, frame.household_no, sorter=order).clip(0, hh_no.shape[0] - 1)
        take = order[pos]
        if not (hh_no[take] == frame.household_no).all():
            raise FrameError("the truth table does not cover every household of the frame")
    else:
        take = np.arange(hh_no.shape[0])
    return CountyTruth(
        income_per_capita=col("true_income_per_capita")[take].astype(np.float64),
        food_ok=col("true_food_ok")[take].astype(bool),
        clothing_ok=col("true_clothing_ok")[take].astype(bool),
        education_ok=col("true_education_ok")[take].astype(bool),
        medical_ok=col("true_medical_ok")[take].astype(bool),
        housing_ok=col("true_housing_ok")[take].astype(bool),
        water_ok=col("true_water_ok")[take].astype(bool),
        meets_standard=col("truly_poor")[take].astype(bool),
        size=col("true_size")[take].astype(np.int64),
        recognises_work=col("recognises_work")[take].astype(bool),
        planted=col("planted")[take].astype(str),
    )
