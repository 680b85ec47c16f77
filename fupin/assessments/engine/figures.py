"""The four figures (三率一度) of one county as design-based estimates, judged against the thresholds.

The design (R's survey conventions, through `fupin.stats`): village strata poor / non-poor;
PSU = village, SSU = household; second-stage strata = exited / still poor / non-registered, plus
the at-risk households taken in full, a certainty stratum (pi = 1, contributes no second-stage
variance); weights 1 / (pi_village x pi_household|village).

Finite-population corrections:

* SRS villages: fpc at both stages (villages in the stratum, households in the village's
  stratum): R's two-stage formula, unbiased for SRS/SRS.
* PPS villages (Brewer, without replacement): the first stage is treated as with replacement
  (fpc = Inf), the usual approximation: no first-stage fpc, and the second stage then adds
  nothing (ultimate clusters), which is slightly conservative when many villages are drawn.
  Villages taken with certainty (pi = 1) are moved to their own self-representing stratum,
  where only their second stage counts, with its own fpc.

Rates: the wrong-exit rate is the ratio of confirmed wrong-exit persons to persons over the
sampled exited households (persons counted at the visit); the missed rate likewise over the
non-registered households.  Their intervals are logit intervals on the design df (R's
svyciprop); at zero observed problems `fupin.stats` falls back to the Korn-Graubard interval with
the number of sampled households as effective size, so that no interval is [0, 0].

Incidence = (P + E r_we + U r_missed) / R with the registry's still-poor, exited, non-registered
and rural populations (known, without error) and the two estimated rates; its variance is that
of the total of the linearised variable (E u_we + U u_missed) / R in the same design, with
u = (y - r x) / X-hat the influence of each ratio, so the covariance of the two rates is
included.  Its interval is on the log scale of the estimated part D = (E r_we + U r_missed) / R
(D is positive and skewed like a small rate; P / R is added back), and when D is 0 (no problem
confirmed) the upper limit uses the two rates' upper limits, a conservative union.

Recognition is the weighted proportion of households answering the recognition questions
(registered households, and non-registered ones in poor villages) that recognise the work.

Verdicts follow the policy (`fupin.policy.decide`) on the point estimate; `clarity` says whether
the interval lies clearly on one side of the threshold or straddles it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from fupin.assessments.engine.fieldwork import SurveyAnswers
from fupin.assessments.engine.frames import EXITED, NONREGISTERED, CountyFrame, FloatArray
from fupin.assessments.engine.sampling import HouseholdDraw
from fupin.assessments.engine.verification import ConfirmedProblems
from fupin.policy.zones import DEFAULT_THRESHOLDS, Figure, ThresholdTable, decide
from fupin.stats import Estimate, SurveyDesign, proportion, ratio, svydesign, total
from fupin.stats.intervals import t_quantile

Verdict = Literal["pass", "fail"]
Clarity = Literal["clear", "straddles"]
FIGURES: tuple[Figure, ...] = (
    Figure.WRONG_EXIT_RATE,
    Figure.MISSED_RATE,
    Figure.INCIDENCE,
    Figure.RECOGNITION,
)


class FiguresError(ValueError):
    """The sample cannot give a figure (e.g. no exited household was drawn)."""


@dataclass(frozen=True)
class FigureResult:
    """One figure: its estimate and interval, the threshold, the verdict and its clarity."""

    name: str
    estimate: Estimate
    ci: tuple[float, float]
    threshold: float
    comparison: str
    verdict: Verdict
    clarity: Clarity
    message: str
    ci_method: str

    @property
    def value(self) -> float:
        return self.estimate.value

    def as_dict(self, truth: float | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "estimate": self.estimate.value,
            "se": self.estimate.se,
            "df": self.estimate.df,
            "ci": [self.ci[0], self.ci[1]],
            "ci_method": self.ci_method,
            "threshold": self.threshold,
            "comparison": self.comparison,
            "verdict": self.verdict,
            "clarity": self.clarity,
            "message": self.message,
        }
        if truth is not None:
            out["truth"] = truth
        return out


@dataclass(frozen=True)
class CountyFigures:
    """The four figures of one county and the overall decision (pass only if every one passes)."""

    code: str
    name: str
    zone: str
    wrong_exit_rate: FigureResult
    missed_rate: FigureResult
    incidence: FigureResult
    recognition: FigureResult

    @property
    def figures(self) -> tuple[FigureResult, ...]:
        return (self.wrong_exit_rate, self.missed_rate, self.incidence, self.recognition)

    @property
    def decision(self) -> Verdict:
        return "pass" if all(f.verdict == "pass" for f in self.figures) else "fail"

    @property
    def straddling(self) -> tuple[str, ...]:
        """Names of the figures whose interval contains the threshold (for a targeted re-check)."""
        return tuple(f.name for f in self.figures if f.clarity == "straddles")

    def as_dict(self, truth: dict[str, float] | None = None) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "zone": self.zone,
            "figures": {
                f.name: f.as_dict(None if truth is None else truth.get(f.name))
                for f in self.figures
            },
            "decision": self.decision,
            "straddling": list(self.straddling),
        }


def county_design(draw: HouseholdDraw) -> SurveyDesign:
    """The two-stage stratified design of a county's sample (see the module docstring)."""
    villages = draw.villages
    v = draw.village
    village_id = villages.index[v]
    pi_v = villages.pi[v]
    certain = pi_v >= 1.0 - 1e-9
    stratum1 = villages.stratum[v] * 2 + certain.astype(np.int64)
    if villages.method == "srs":
        population = np.asarray(villages.population, dtype=np.float64)
        fpc1 = population[villages.stratum[v]]
    else:
        # A certainty stratum's population is its own villages: self-representing (f = 1).
        certain_villages = np.zeros(4)
        for s in (1, 3):
            certain_villages[s] = np.unique(village_id[stratum1 == s]).shape[0]
        fpc1 = np.where(certain, certain_villages[stratum1], np.inf)
    return svydesign(
        ids=(village_id, draw.index),
        strata=(stratum1, draw.design_stratum),
        weights=draw.weights,
        fpc=(fpc1, draw.population.astype(np.float64)),
        lonely_psu="adjust",
    )


def judge_figure(
    figure: Figure,
    estimate: Estimate,
    ci: tuple[float, float],
    method: str,
    frame: CountyFrame,
    thresholds: ThresholdTable,
) -> FigureResult:
    value = min(max(estimate.value, 0.0), 1.0)
    decision = decide(figure, value, frame.zone, thresholds=thresholds)
    limit = decision.threshold.limit
    straddles = ci[0] <= limit <= ci[1]
    return FigureResult(
        name=figure.value,
        estimate=estimate,
        ci=ci,
        threshold=limit,
        comparison=decision.threshold.comparison.value,
        verdict="pass" if decision.passed else "fail",
        clarity="straddles" if straddles else "clear",
        message=decision.message,
        ci_method=method,
    )


def _rate(
    design: SurveyDesign, numerator: FloatArray, size: FloatArray, domain: np.ndarray, what: str
) -> tuple[Estimate, float]:
    """A person-level rate over a household domain, as a proportion; and its denominator total."""
    if not domain.any():
        raise FiguresError(f"no {what} household in the sample: the rate cannot be estimated")
    est = ratio(design, numerator, size, domain=domain)
    x_total = float((design.weights * size * domain).sum())
    # The rate is a share of persons: intervals as for a proportion, n = sampled households.
    return dataclasses.replace(est, statistic="proportion"), x_total


def county_figures(
    frame: CountyFrame,
    draw: HouseholdDraw,
    answers: SurveyAnswers,
    confirmed: ConfirmedProblems,
    *,
    thresholds: ThresholdTable = DEFAULT_THRESHOLDS,
    level: float = 0.95,
    ci_method: str = "logit",
) -> CountyFigures:
    """The four figures of one county from its sample, answers and confirmed problems."""
    n = len(draw)
    if len(answers) != n or confirmed.wrong_exit.shape != (n,) or confirmed.missed.shape != (n,):
        raise FiguresError("answers and confirmed problems must be aligned with the sample")
    design = county_design(draw)
    size = answers.size.astype(np.float64)
    exited = draw.stratum == EXITED
    nonreg = draw.stratum == NONREGISTERED
    y_we = np.where(confirmed.wrong_exit & exited, size, 0.0)
    y_m = np.where(confirmed.missed & nonreg, size, 0.0)
    r_we, x_we = _rate(design, y_we, size, exited, "exited")
    r_m, x_m = _rate(design, y_m, size, nonreg, "non-registered")
    ci_we = r_we.ci(level, ci_method)
    ci_m = r_m.ci(level, ci_method)

    big_r = float(frame.rural_population)
    e_share = frame.exited_persons / big_r
    u_share = frame.nonregistered_persons / big_r
    base = frame.poor_persons / big_r
    part = e_share * r_we.value + u_share * r_m.value
    lin = np.where(exited, e_share * (y_we - r_we.value * size) / x_we, 0.0) + np.where(
        nonreg, u_share * (y_m - r_m.value * size) / x_m, 0.0
    )
    se = total(design, lin).se
    incidence = Estimate(
        value=base + part,
        se=se,
        df=design.df,
        deff=math.nan,
        statistic="ratio",
        n=n,
        complete=design.complete,
    )
    if part > 0 and se > 0:
        q = t_quantile(1 - (1 - level) / 2, design.df)
        spread = math.exp(q * se / part)
        ci_inc = (base + part / spread, min(1.0, base + part * spread))
    else:
        ci_inc = (base + part, min(1.0, base + e_share * ci_we[1] + u_share * ci_m[1]))

    asked = answers.recognition_asked
    if not asked.any():
        raise FiguresError("no household answered the recognition questions")
    rec = proportion(design, answers.recognises.astype(np.float64), domain=asked)
    ci_rec = rec.ci(level, ci_method)

    return CountyFigures(
        code=frame.code,
        name=frame.name,
        zone=frame.zone.value,
        wrong_exit_rate=judge_figure(
            Figure.WRONG_EXIT_RATE, r_we, ci_we, ci_method, frame, thresholds
        ),
        missed_rate=judge_figure(Figure.MISSED_RATE, r_m, ci_m, ci_method, frame, thresholds),
        incidence=judge_figure(
            Figure.INCIDENCE, incidence, ci_inc, "log-linearised", frame, thresholds
        ),
        recognition=judge_figure(Figure.RECOGNITION, rec, ci_rec, ci_method, frame, thresholds),
    )
