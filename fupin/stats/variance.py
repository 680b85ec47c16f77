"""Taylor-linearisation variance of an estimated total, vectorised, following R's svyrecvar().

Every estimator reduces to the variance of an estimated total of a per-row "influence" value z
(already multiplied by the weight, as R passes `x/design$prob` or `x*pweights/psum`).  R computes
it recursively (`multistage` -> `onestage` -> `onestrat`); here each stage is a handful of
`np.bincount` calls over integer codes prepared by `svydesign()`:

For every stratum h of a stage, with n_h sampled units (R's `fpc$sampsize`, counted on the whole
design) and unit totals t_hi of z:

    v_h = (1 - n_h/N_h) * n_h/(n_h - 1) * sum_i (t_hi - mean_h t)^2

where 1 - n_h/N_h is 1 without fpc (with-replacement first stage), the mean is over all n_h
design units (units with no rows in a domain count as zeros, exactly R's padding in onestrat()),
and strata with 1 - n_h/N_h < 1e-7 are self-representing and contribute 0.

Second stage (R's multistage recursion, only when an fpc is given for it): within each PSU the same
formula over its second-stage units and strata, multiplied by the PSU's first-stage sampling
fraction n_h/N_h, summed over PSUs.  A lonely or certainty PSU still contributes its second stage.

Domains follow R's subset(): rows outside the domain have z = 0, strata and PSUs without domain
rows are absent (they cannot trigger `lonely_psu="fail"` and are not counted by "average"),
but the unit counts n_h stay those of the full design.

Lonely PSUs (a stratum with n_h = 1 that is not self-representing), R's options(survey.lonely.psu):

* "fail": error naming the stratum and stage.
* "remove", "certainty": contribute 0 at this stage (R computes both identically).
* "adjust": the single unit total is centred at the mean of all unit totals of the stage instead
  of its stratum mean (for means and ratios that mean is 0; R >= 4.1's "recentering").
* "average": the stratum gets the average contribution of the other strata, R's
  sum(ok strata) * n_strata / n_ok_strata.
"""

from __future__ import annotations

import numpy as np

from fupin.stats.design import (
    BoolArray,
    FloatArray,
    LonelyPSUError,
    Stage,
    SurveyDesign,
)


def _stage_variance(
    stage: Stage,
    z: FloatArray,
    rows: BoolArray | None,
    lonely_psu: str,
    stage_number: int,
) -> tuple[FloatArray, BoolArray]:
    """Per group (unit of the stage above) variance contribution, and which groups are present."""
    t = np.bincount(stage.unit, weights=z, minlength=stage.n_units)
    us = stage.unit_stratum
    if rows is None:
        present_unit = np.ones(stage.n_units, dtype=bool)
        present = np.ones(stage.n_strata, dtype=bool)
    else:
        present_unit = np.bincount(stage.unit, weights=rows, minlength=stage.n_units) > 0
        present = np.bincount(us, weights=present_unit, minlength=stage.n_strata) > 0

    n_h = stage.sampled
    stratum_total = np.bincount(us, weights=t, minlength=stage.n_strata)
    centred = t - (stratum_total / n_h)[us]
    sum_sq = np.bincount(us, weights=centred * centred, minlength=stage.n_strata)
    f = stage.unsampled_fraction
    scale = np.where(n_h > 1, f * n_h / np.maximum(n_h - 1, 1), f)
    v = scale * sum_sq
    self_rep = stage.self_representing
    v[self_rep] = 0.0
    v[~present] = 0.0

    groups = stage.stratum_group
    lonely = (n_h == 1) & ~self_rep & present
    factor = np.ones(stage.n_groups)
    if lonely.any():
        if lonely_psu == "fail":
            k = int(np.flatnonzero(lonely)[0])
            what = "stratum" if stage_number == 1 else "second-stage stratum"
            raise LonelyPSUError(
                f"{what} {stage.stratum_labels[k]!r} has only one sampled unit at stage "
                f"{stage_number} (lonely_psu='fail'; choose remove, certainty, adjust or average)"
            )
        if lonely_psu in ("remove", "certainty"):
            v[lonely] = 0.0
        elif lonely_psu == "adjust":
            group_of_unit = groups[us]
            group_total = np.bincount(group_of_unit, weights=t, minlength=stage.n_groups)
            group_units = np.bincount(group_of_unit, weights=present_unit, minlength=stage.n_groups)
            with np.errstate(invalid="ignore", divide="ignore"):
                recentre = group_total / group_units
            deviation = stratum_total - recentre[groups]
            v[lonely] = (f * deviation * deviation)[lonely]
        else:  # average
            v[lonely] = 0.0
            n_present = np.bincount(groups, weights=present, minlength=stage.n_groups)
            n_ok = np.bincount(groups, weights=present & ~lonely, minlength=stage.n_groups)
            with np.errstate(invalid="ignore", divide="ignore"):
                factor = n_present / n_ok
    group_var = np.bincount(groups, weights=v, minlength=stage.n_groups) * factor
    group_present = np.bincount(groups, weights=present, minlength=stage.n_groups) > 0
    return group_var, group_present


def total_variance(design: SurveyDesign, z: FloatArray, rows: BoolArray | None = None) -> float:
    """Variance of sum(z) under the design; `rows` marks the domain (None: every row).

    `z` must already be zero outside the domain.
    """
    var1, _ = _stage_variance(design.stages[0], z, rows, design.lonely_psu, 1)
    total = float(var1[0])
    if len(design.stages) == 2:
        assert design.stage2_factor is not None
        var2, present = _stage_variance(design.stages[1], z, rows, design.lonely_psu, 2)
        contribution = var2[present] * design.stage2_factor[present]
        total += float(contribution.sum())
    return total


def domain_df(design: SurveyDesign, rows: BoolArray | None) -> int:
    """R's degf() of the subset design: PSUs with domain rows minus strata with domain rows."""
    if rows is None:
        return design.df
    stage = design.stages[0]
    present_psu = np.bincount(stage.unit, weights=rows, minlength=stage.n_units) > 0
    present_strata = np.bincount(stage.unit_stratum, weights=present_psu, minlength=stage.n_strata)
    return int(present_psu.sum()) - int((present_strata > 0).sum())
