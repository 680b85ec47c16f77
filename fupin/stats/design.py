"""Survey designs in the shape of R's svydesign(): validated once, then used by every estimator.

A design records, for every row of the sample, its sampling weight, its stratum and its sampling
units at one or two stages, and the finite-population corrections.  Everything the variance
formula needs is turned into integer codes once, at construction, so that estimators are a few
`np.bincount` calls over the rows and never loop over PSUs in Python.

The conventions are R's `survey` package (version 4.x, `svydesign` and `svyrecvar`):

* ids: with no ids each row is its own PSU (R's `id=~1`).  Second-stage units are always nested
  in their PSU (R interacts `ids[,2]` with `ids[,1]`); second-stage strata are nested in the PSU
  (R's `strata[,2] <- interaction(strata[,2], ids[,1])`).
* nest: with `nest=True` PSU ids are relabelled within strata; without it, PSU ids that appear in
  two strata are an error, as R's "Clusters not nested in strata at top level".
* fpc: population sizes (values above 1) or sampling fractions (values at most 1), per row,
  constant within a stratum.  R decides sizes-or-fractions once for all stages and refuses a
  mix; we decide per stage, which agrees with R wherever R accepts the input.  R only warns when
  the fpc varies within a stratum; we refuse, since the variance would depend on row order.
  An fpc smaller than the number of sampled units is an error ("FPC implies >100% sampling").
  With fpc for fewer stages than ids, the later stages are "assumed complete" (R's help page)
  and contribute no variance; with no fpc at all the first stage is treated as sampled with
  replacement and later stages are ignored (ultimate-cluster variance).
* weights: `weights` or `probs` (not both); without either, the weights follow from the fpc when
  it is given at every stage (R: `1/weights(fpc, final=FALSE)`), and are 1 otherwise (R assumes
  equal probability with a warning).  Weights must be finite and positive.
* lonely PSUs: `lonely_psu` plays the part of R's `options(survey.lonely.psu)`; it is checked
  when a variance is computed, not here, because a domain may avoid the lonely stratum
  (R behaves the same way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

LonelyPSU = Literal["fail", "remove", "certainty", "adjust", "average"]
LONELY_PSU_MODES: tuple[str, ...] = get_args(LonelyPSU)

# R's onestrat(): a stratum whose (1 - sampling fraction) is below this is self-representing.
SELF_REPRESENTING_TOLERANCE = 1e-7


class DesignError(ValueError):
    """The design or the data given to an estimator cannot be used (bad input, not a bug)."""


class LonelyPSUError(DesignError):
    """A stratum has a single sampled unit and `lonely_psu="fail"` (R's default) is in force."""


@dataclass(frozen=True, eq=False)
class Stage:
    """One stage of sampling, as integer codes ready for `np.bincount`.

    `unit` maps each row to its sampling unit at this stage, `unit_stratum` maps each unit to its
    stratum, and `stratum_group` maps each stratum to the unit of the stage above (all zero at
    stage 1), which is what R's recursion in `multistage()` iterates over.
    """

    unit: IntArray
    unit_stratum: IntArray
    stratum_group: IntArray
    n_units: int
    n_strata: int
    n_groups: int
    sampled: FloatArray  # per stratum: number of sampled units (R's fpc$sampsize)
    popsize: FloatArray | None  # per stratum: units in the population (R's fpc$popsize)
    stratum_labels: tuple[str, ...]

    @property
    def unsampled_fraction(self) -> FloatArray:
        """Per stratum 1 - n/N as R's onestrat() computes it: 1 with no fpc or N = Inf."""
        if self.popsize is None:
            return np.ones(self.n_strata)
        with np.errstate(invalid="ignore"):
            f = (self.popsize - self.sampled) / self.popsize
        return np.where(np.isinf(self.popsize), 1.0, f)

    @property
    def self_representing(self) -> BoolArray:
        return self.unsampled_fraction < SELF_REPRESENTING_TOLERANCE


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """A validated survey design; build it with `svydesign()`.

    `stages[0]` is the first stage; `stages[1]` exists only when the second stage contributes
    variance (two stages of ids and an fpc for both).  `stage2_factor` is, per PSU, the first-stage
    sampling fraction n_h/N_h by which R's `multistage()` multiplies the second-stage variance.
    """

    weights: FloatArray
    stages: tuple[Stage, ...]
    stage2_factor: FloatArray | None
    n_id_stages: int
    has_strata: bool
    fpc_stages: int
    lonely_psu: LonelyPSU
    weights_from: Literal["weights", "probs", "fpc", "equal"]
    _psu_ids_given: bool = field(default=True, repr=False)

    @property
    def n(self) -> int:
        """Number of rows (observations)."""
        return int(self.weights.shape[0])

    @property
    def n_psu(self) -> int:
        return self.stages[0].n_units

    @property
    def n_strata(self) -> int:
        return self.stages[0].n_strata

    @property
    def df(self) -> int:
        """Design degrees of freedom: PSUs minus strata, R's `degf(design)`."""
        return self.n_psu - self.n_strata

    @property
    def complete(self) -> bool:
        """True when the design's variance is zero for every variable, by construction.

        That is every first-stage stratum fully enumerated (fpc gives f = 1) and any later stage
        with an fpc complete too.  A zero standard error is then exact, not a symptom of a
        sample that happens to show no variation.
        """
        return all(bool(stage.self_representing.all()) for stage in self.stages)

    def describe(self) -> str:
        """One line in the spirit of R's print.survey.design2."""
        parts = []
        parts.append("stratified " if self.has_strata else "")
        if not self._psu_ids_given:
            parts.append("independent sampling design")
        else:
            parts.append(f"{self.n_id_stages}-stage cluster sampling design")
        replacement = " (with replacement)" if self.fpc_stages == 0 else ""
        text = "".join(parts) + replacement
        text = text[0].upper() + text[1:]
        detail = f"{self.n_psu} PSUs in {self.n_strata} strat{'a' if self.n_strata != 1 else 'um'}"
        if self.fpc_stages:
            detail += f", fpc at stage{'s 1-2' if self.fpc_stages == 2 else ' 1'}"
        return f"{text}: {self.n} rows, {detail}, df {self.df}, lonely PSUs: {self.lonely_psu}"


# --------------------------------------------------------------------------------------------
# Building a design
# --------------------------------------------------------------------------------------------


def _columns(value: Any, name: str, n: int | None) -> list[npt.NDArray[Any]]:
    """One column per stage: a tuple/list of 1-D arrays, a 2-D (rows x stages) array or a 1-D one."""
    if value is None:
        return []
    if isinstance(value, tuple) or (
        isinstance(value, list) and value and isinstance(value[0], (np.ndarray, list, tuple))
    ):
        cols = [np.asarray(v) for v in value]
    else:
        arr = np.asarray(value)
        cols = [arr[:, j] for j in range(arr.shape[1])] if arr.ndim == 2 else [arr]
    if not 1 <= len(cols) <= 2:
        raise DesignError(f"{name}: one or two stages are supported, got {len(cols)}")
    for j, col in enumerate(cols):
        if col.ndim != 1:
            raise DesignError(f"{name}: stage {j + 1} must be one-dimensional")
        if n is not None and col.shape[0] != n:
            raise DesignError(f"{name}: stage {j + 1} has {col.shape[0]} values for {n} rows")
    return cols


def _is_missing(arr: npt.NDArray[Any]) -> BoolArray:
    if arr.dtype.kind == "f":
        return np.asarray(np.isnan(arr), dtype=np.bool_)
    if arr.dtype.kind == "O":
        return np.array(
            [v is None or (isinstance(v, float) and v != v) or v == "" for v in arr.tolist()],
            dtype=bool,
        )
    if arr.dtype.kind in "US":
        return np.asarray(arr == "", dtype=np.bool_)
    return np.zeros(arr.shape[0], dtype=bool)


def _factorize_int(keys: IntArray) -> tuple[IntArray, IntArray]:
    """Codes 0..k-1 in sorted order of the keys, and the sorted distinct keys.

    For keys spanning a modest range this is O(n) with a lookup table, much faster than
    np.unique's sort on a million rows.
    """
    if keys.shape[0] == 0:
        return keys.astype(np.int64), keys.astype(np.int64)
    lo = int(keys.min())
    span = int(keys.max()) - lo + 1
    if span <= 4 * keys.shape[0] + 1024:
        shifted = keys - lo
        seen = np.zeros(span, dtype=bool)
        seen[shifted] = True
        lookup = np.cumsum(seen, dtype=np.int64) - 1
        return lookup[shifted], np.flatnonzero(seen).astype(np.int64) + lo
    uniq, inverse = np.unique(keys, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), uniq.astype(np.int64)


def factorize(values: npt.ArrayLike, name: str) -> tuple[IntArray, list[str]]:
    """Integer codes (in sorted label order) and the labels, refusing missing values."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise DesignError(f"{name} must be one-dimensional")
    missing = _is_missing(arr)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise DesignError(f"{name} has missing values (first at row {row + 1})")
    if arr.dtype.kind in "iub":
        codes, keys = _factorize_int(arr.astype(np.int64))
        return codes, [str(k) for k in keys.tolist()]
    if arr.dtype.kind == "f":
        uniq, inverse = np.unique(arr, return_inverse=True)
        labels = [str(int(u)) if float(u).is_integer() else str(u) for u in uniq.tolist()]
        return inverse.astype(np.int64).reshape(-1), labels
    if arr.dtype.kind == "O":
        arr = arr.astype(str)
    uniq, inverse = np.unique(arr, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), [str(u) for u in uniq.tolist()]


def _combine(outer: IntArray, inner: IntArray) -> tuple[IntArray, IntArray]:
    """Codes of the (outer, inner) pairs, and for each pair code its outer code."""
    width = int(inner.max()) + 1 if inner.shape[0] else 1
    codes, keys = _factorize_int(outer * width + inner)
    return codes, keys // width


def _owner(units: IntArray, n_units: int, parent: IntArray) -> IntArray:
    """For each unit, the parent code of its rows (rows are assumed to agree)."""
    owner = np.zeros(n_units, dtype=np.int64)
    owner[units] = parent
    return owner


def _stratum_values(
    values: npt.NDArray[Any], stratum: IntArray, n_strata: int, name: str, labels: Sequence[str]
) -> FloatArray:
    """The per-stratum value of a per-row column that must be constant within strata."""
    try:
        vals = values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise DesignError(f"{name} must be numeric") from exc
    if np.isnan(vals).any():
        row = int(np.flatnonzero(np.isnan(vals))[0])
        raise DesignError(f"{name} has missing values (first at row {row + 1})")
    per = np.zeros(n_strata)
    per[stratum] = vals
    differs = per[stratum] != vals
    if differs.any():
        row = int(np.flatnonzero(differs)[0])
        raise DesignError(
            f"{name} varies within stratum {labels[int(stratum[row])]!r} (row {row + 1})"
        )
    return per


def _popsize(
    per_stratum: FloatArray, sampled: FloatArray, name: str, labels: Sequence[str]
) -> FloatArray:
    """Population sizes from an fpc given as sizes (> 1) or fractions (<= 1), as R's as.fpc()."""
    if (per_stratum < 0).any():
        raise DesignError(f"{name} has negative values")
    if (per_stratum > 1).any():
        small = per_stratum < 1
        if small.any():
            k = int(np.flatnonzero(small)[0])
            raise DesignError(
                f"{name} mixes population sizes (> 1) and sampling fractions (< 1), "
                f"e.g. {per_stratum[k]:g} in stratum {labels[k]!r}"
            )
        popsize = per_stratum.copy()
    else:
        with np.errstate(divide="ignore"):
            popsize = sampled / per_stratum  # fraction 0 means an infinite population, as in R
    too_big = popsize < sampled
    if too_big.any():
        k = int(np.flatnonzero(too_big)[0])
        raise DesignError(
            f"{name} is smaller than the sample: stratum {labels[k]!r} has "
            f"{int(sampled[k])} sampled units but a population of {popsize[k]:g}"
        )
    return popsize


def _check_positive(values: npt.ArrayLike, name: str, n: int) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DesignError(f"{name} must be numeric") from exc
    if arr.ndim != 1 or arr.shape[0] != n:
        raise DesignError(f"{name} must have one value per row ({n})")
    bad = ~(np.isfinite(arr) & (arr > 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DesignError(f"{name} must be finite and > 0; row {row + 1} has {arr[row]:g}")
    return arr


def svydesign(
    *,
    ids: Any = None,
    strata: Any = None,
    weights: npt.ArrayLike | None = None,
    probs: npt.ArrayLike | None = None,
    fpc: Any = None,
    nest: bool = False,
    lonely_psu: LonelyPSU = "fail",
    n: int | None = None,
) -> SurveyDesign:
    """Build a validated design, with R's `svydesign(ids, strata, weights, probs, fpc, nest)`.

    `ids`, `strata` and `fpc` are one array (one stage) or a tuple of two arrays (first and
    second stage); a 2-D array with one column per stage also works.  `ids=None` makes every row
    its own PSU (R's `id=~1`).  Examples, with R's call alongside::

        svydesign(strata=stype, weights=pw, fpc=fpc)          # id=~1, strata=~stype, ...
        svydesign(ids=dnum, weights=pw, fpc=fpc)              # id=~dnum, weights=~pw, fpc=~fpc
        svydesign(ids=(dnum, snum), fpc=(fpc1, fpc2))         # id=~dnum+snum, fpc=~fpc1+fpc2

    `n` is the number of rows when nothing else gives it (a design with no ids, strata,
    weights or fpc).
    """
    if lonely_psu not in LONELY_PSU_MODES:
        raise DesignError(f"lonely_psu must be one of {', '.join(LONELY_PSU_MODES)}")
    if weights is not None and probs is not None:
        raise DesignError("give weights or probs, not both (R: can't specify both)")

    rows = n
    for candidate in (weights, probs):
        if candidate is not None and rows is None:
            rows = int(np.asarray(candidate).shape[0])
    id_cols = _columns(ids, "ids", rows)
    if id_cols and rows is None:
        rows = int(id_cols[0].shape[0])
    strata_cols = _columns(strata, "strata", rows)
    if strata_cols and rows is None:
        rows = int(strata_cols[0].shape[0])
    fpc_cols = _columns(fpc, "fpc", rows)
    if fpc_cols and rows is None:
        rows = int(fpc_cols[0].shape[0])
    if rows is None or rows == 0:
        raise DesignError("the design has no rows")

    n_id_stages = max(len(id_cols), 1)
    if len(strata_cols) > n_id_stages:
        raise DesignError("strata given for more stages than ids")
    if len(fpc_cols) > n_id_stages:
        raise DesignError("fpc given for more stages than ids")

    # ---- stage 1 -----------------------------------------------------------------------------
    has_strata = bool(strata_cols)
    if has_strata:
        s1, s1_labels = factorize(strata_cols[0], "strata")
    else:
        s1, s1_labels = np.zeros(rows, dtype=np.int64), ["1"]
    n_strata = len(s1_labels)

    psu_ids_given = bool(id_cols)
    if psu_ids_given:
        psu_raw, psu_labels = factorize(id_cols[0], "ids")
        if nest and has_strata:
            psu, psu_stratum = _combine(s1, psu_raw)
            n_psu = int(psu_stratum.shape[0])
        else:
            psu, n_psu = psu_raw, len(psu_labels)
            psu_stratum = _owner(psu, n_psu, s1)
            crossing = psu_stratum[psu] != s1
            if crossing.any():
                row = int(np.flatnonzero(crossing)[0])
                raise DesignError(
                    f"PSU {psu_labels[int(psu[row])]!r} appears in more than one stratum: "
                    "PSUs are not nested in strata (use nest=True if PSU ids are reused "
                    "across strata)"
                )
        if n_psu == 1 and not (nest and has_strata):
            raise DesignError("the design has only one primary sampling unit")
    else:
        psu = np.arange(rows, dtype=np.int64)
        psu_stratum = s1
        n_psu = rows
        if rows == 1:
            raise DesignError("the design has only one primary sampling unit")

    sampled1 = np.bincount(psu_stratum, minlength=n_strata).astype(np.float64)
    popsize1 = None
    if fpc_cols:
        per = _stratum_values(fpc_cols[0], s1, n_strata, "fpc", s1_labels)
        popsize1 = _popsize(per, sampled1, "fpc", s1_labels)
    stage1 = Stage(
        unit=psu,
        unit_stratum=psu_stratum,
        stratum_group=np.zeros(n_strata, dtype=np.int64),
        n_units=n_psu,
        n_strata=n_strata,
        n_groups=1,
        sampled=sampled1,
        popsize=popsize1,
        stratum_labels=tuple(s1_labels),
    )

    # ---- stage 2 -----------------------------------------------------------------------------
    stages: tuple[Stage, ...] = (stage1,)
    stage2_factor: FloatArray | None = None
    prob2: FloatArray | None = None
    if len(id_cols) == 2:
        ssu_raw, _ = factorize(id_cols[1], "ids (stage 2)")
        names = psu_labels_of(id_cols[0], psu)
        if len(strata_cols) == 2:
            st2_raw, st2_labels_raw = factorize(strata_cols[1], "strata (stage 2)")
            s2, s2_psu = _combine(psu, st2_raw)
            s2_inner = _owner(s2, int(s2_psu.shape[0]), st2_raw)
            s2_labels = [
                f"{st2_labels_raw[j]} in PSU {names[p]}"
                for p, j in zip(s2_psu.tolist(), s2_inner.tolist(), strict=True)
            ]
            if nest:
                ssu_raw, _ = _combine(st2_raw, ssu_raw)
        else:
            s2, s2_psu = psu, np.arange(n_psu, dtype=np.int64)
            s2_labels = [f"PSU {names[p]}" for p in range(n_psu)]
        ssu, _ = _combine(psu, ssu_raw)
        n_ssu = int(ssu.max()) + 1
        n_s2 = int(s2_psu.shape[0])
        ssu_stratum = _owner(ssu, n_ssu, s2)
        crossing = ssu_stratum[ssu] != s2
        if crossing.any():
            row = int(np.flatnonzero(crossing)[0])
            raise DesignError(
                f"second-stage unit at row {row + 1} appears in more than one second-stage "
                "stratum (use nest=True if its id is reused across second-stage strata)"
            )
        sampled2 = np.bincount(ssu_stratum, minlength=n_s2).astype(np.float64)
        if len(fpc_cols) == 2:
            per2 = _stratum_values(fpc_cols[1], s2, n_s2, "fpc (stage 2)", s2_labels)
            popsize2 = _popsize(per2, sampled2, "fpc (stage 2)", s2_labels)
            prob2 = (sampled2 / popsize2)[s2]
            assert popsize1 is not None
            with np.errstate(divide="ignore"):
                stage2_factor = np.where(np.isinf(popsize1), 0.0, sampled1 / popsize1)[psu_stratum]
            stages = (
                stage1,
                Stage(
                    unit=ssu,
                    unit_stratum=ssu_stratum,
                    stratum_group=s2_psu,
                    n_units=n_ssu,
                    n_strata=n_s2,
                    n_groups=n_psu,
                    sampled=sampled2,
                    popsize=popsize2,
                    stratum_labels=tuple(s2_labels),
                ),
            )

    # ---- weights -----------------------------------------------------------------------------
    weights_from: Literal["weights", "probs", "fpc", "equal"]
    if weights is not None:
        w = _check_positive(weights, "weights", rows)
        weights_from = "weights"
    elif probs is not None:
        w = 1.0 / _check_positive(probs, "probs", rows)
        weights_from = "probs"
    elif fpc_cols and len(fpc_cols) == n_id_stages:
        assert popsize1 is not None
        prob = (sampled1 / popsize1)[s1]
        if prob2 is not None:
            prob = prob * prob2
        if not (prob > 0).all():
            raise DesignError("weights can't be computed from an fpc with infinite populations")
        w = 1.0 / prob
        weights_from = "fpc"
    else:
        w = np.ones(rows)
        weights_from = "equal"

    for stage in stages:
        for arr in (stage.unit, stage.unit_stratum, stage.stratum_group, stage.sampled):
            arr.flags.writeable = False
        if stage.popsize is not None:
            stage.popsize.flags.writeable = False
    w.flags.writeable = False
    if stage2_factor is not None:
        stage2_factor.flags.writeable = False

    return SurveyDesign(
        weights=w,
        stages=stages,
        stage2_factor=stage2_factor,
        n_id_stages=n_id_stages,
        has_strata=has_strata,
        fpc_stages=len(fpc_cols),
        lonely_psu=lonely_psu,
        weights_from=weights_from,
        _psu_ids_given=psu_ids_given,
    )


def psu_labels_of(ids: npt.NDArray[Any], psu: IntArray) -> list[str]:
    """Label of each PSU code, from the original ids (for messages)."""
    first = np.full(int(psu.max()) + 1, -1, dtype=np.int64)
    first[psu[::-1]] = np.arange(psu.shape[0] - 1, -1, -1)
    return [str(v) for v in ids[first].tolist()]
