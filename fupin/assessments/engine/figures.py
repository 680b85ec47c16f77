"""The four figures (三率一度) of one county as design-based estimates, judged against the thresholds.

The design (R's survey conventions, through `fupin.stats`): village strata poor / non-poor;
PSU = village, SSU = household; second-stage strata = exited / still poor / non-registered, plus
the at-risk households taken in full, a certainty stratum (pi = 1, contributes no second-stage
variance); weights 1 / (pi_village x pi_household|village).

Finite-population corrections:

* SRS villages: fpc at both stages (villages in the stratum, households in the village's
  stratum): R's two-stage formula, unbiased for SRS/SRS.
* PPS villages (Brewer, without replacement): villages taken with certainty (pi = 1) are moved
  to their own self-representing stratum, where only their second stage counts, with its own
  fpc.  The other n' villages of a stratum were drawn without replacement from its N' villages
  that are not certainties, so their mean inclusion probability is n'/N': the first stage gets
  the fpc 1 - n'/N' (the mean of the without-replacement factors 1 - pi_i of Brewer's and
  Hartley-Rao's variance approximations; Sarndal, Swensson & Wretman 1992, chapters 3-4)
  and, as in R's two-stage formula, the second stage adds n'/N' x its own variance.  The
  with-replacement approximation (fpc = Inf) overstates the first-stage term by about
  1 / (1 - n'/N'), which matters when most villages are drawn (16 of 20 on the demo county:
  its incidence intervals covered 98.8% instead of 95%).  A stratum whose village
  count is not known (a sample file from elsewhere) keeps the with-replacement approximation.

Rates: the wrong-exit rate is the ratio of confirmed wrong-exit persons to persons over the
sampled exited households (persons counted at the visit); the missed rate likewise over the
non-registered households.  Point estimates and standard errors are R's svyratio.

Intervals (issue #19, `fupin.stats.parts`): each rate is split into its full-count part (cells
of a certainty village whose households were all taken: known without sampling error) and its
sampled part q; the interval is built for q with an effective sample size of at most the
sampled households (n / (1 - f)), df from the units that carry variance only (`_sampled_df`),
exact Clopper-Pearson limits (Korn-Graubard) with fewer than 10 events, and mapped back.  A
figure whose sampled part is too thin (fewer than 30 households, or n_eff < 30) is "sparse":
样本不足以给出可靠区间, for the 综合研判.

Incidence = (P + E r_we + U r_missed) / R with the registry's still-poor, exited, non-registered
and rural populations (known, without error) and the two estimated rates; its se is that of the
total of the linearised variable (E u_we + U u_missed) / R, with u = (y - r x) / X-hat the
influence of each ratio, so the covariance of the two rates is included.  Its interval takes the
full-count parts of both rates as known and treats the sampled parts as one proportion (their
weighted mean, Kish's n), as above.

Recognition is the weighted proportion of households answering the recognition questions
(registered households, and non-registered ones in poor villages) that say they recognise the
work; answers carry measurement error, so no household counts as full-count for it.

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
from fupin.stats.parts import PartInterval, kish_n, part_interval

Verdict = Literal["pass", "fail"]
# sparse: 样本不足以给出可靠区间 (fupin.stats.parts: too few sampled households or too small an
# effective sample); like a straddling figure, its verdict goes to the 综合研判.
Clarity = Literal["clear", "straddles", "sparse"]
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
    basis: PartInterval | None = None

    @property
    def sparse(self) -> bool:
        """样本不足以给出可靠区间: the verdict needs the 综合研判."""
        return self.clarity == "sparse"

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
            "sparse": self.sparse,
        }
        if self.basis is not None:
            out["basis"] = self.basis.as_dict()
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
        """Figures for the 综合研判: the interval contains the threshold, or the sample is too thin."""
        return tuple(f.name for f in self.figures if f.clarity != "clear")

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
        # The other n' villages of a stratum were drawn without replacement from the N' that
        # are not certainties, with mean inclusion probability n'/N': the fpc 1 - n'/N' (the
        # mean of Brewer's 1 - pi_i) in R's two-stage formula, so the second stage counts too.
        # A stratum whose villages are not known (N' <= n': a sample file from elsewhere) is
        # treated as drawn with replacement (fpc = Inf).
        counts = np.zeros(4)
        for s in range(4):
            counts[s] = np.unique(village_id[stratum1 == s]).shape[0]
        population = np.asarray(villages.population, dtype=np.float64)
        rest = np.array([population[0] - counts[1], 0.0, population[1] - counts[3], 0.0])
        rest = np.where(rest > counts, rest, np.inf)
        fpc1 = np.where(certain, counts[stratum1], rest[stratum1])
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
    *,
    basis: PartInterval | None = None,
) -> FigureResult:
    """Verdict on the point estimate; clarity from the interval, or sparse when `basis` says the
    sample cannot support a reliable interval."""
    value = min(max(estimate.value, 0.0), 1.0)
    decision = decide(figure, value, frame.zone, thresholds=thresholds)
    limit = decision.threshold.limit
    # The interval contains the estimate (rounding aside: the parts add up to it).
    ci = (min(ci[0], estimate.value), max(ci[1], estimate.value))
    clarity: Clarity
    if basis is not None and basis.unreliable:
        clarity = "sparse"
    elif ci[0] <= limit <= ci[1]:
        clarity = "straddles"
    else:
        clarity = "clear"
    return FigureResult(
        name=figure.value,
        estimate=estimate,
        ci=ci,
        threshold=limit,
        comparison=decision.threshold.comparison.value,
        verdict="pass" if decision.passed else "fail",
        clarity=clarity,
        message=decision.message,
        ci_method=method,
        basis=basis,
    )


@dataclass(frozen=True)
class _Part:
    """One rate's sampled part: its rows, estimate, linearised values and degrees of freedom."""

    full_share: float
    full_value: float
    q: float
    var: float
    n: int
    events: int
    df: float
    lin: FloatArray  # the influence of q (zero outside the sampled part)
    fraction: float = 0.0  # sampled households / the households they represent


def _full_count(draw: HouseholdDraw) -> np.ndarray:
    """Rows of full-count cells: a certainty village (pi = 1) and the household taken with pi = 1."""
    return np.asarray((draw.village_pi >= 1.0 - 1e-9) & (draw.pi >= 1.0 - 1e-9), dtype=np.bool_)


def _sampled_df(draw: HouseholdDraw, rows: np.ndarray) -> float:
    """Degrees of freedom of the sampled part: only the units that carry variance count.

    First stage: sampled villages that are not certainties, minus their village strata (R's
    PSUs minus strata, without the certainty villages, whose first stage has no variance).
    Certainty villages: their sampled households, minus the (village, stratum) cells they form.
    """
    if not rows.any():
        return 0.0
    certain = draw.village_pi[rows] >= 1.0 - 1e-9
    village = draw.village[rows]
    vstratum = draw.villages.stratum[village]
    df = 0
    if (~certain).any():
        df += np.unique(village[~certain]).shape[0] - np.unique(vstratum[~certain]).shape[0]
    if certain.any():
        cells = village[certain] * 8 + draw.design_stratum[rows][certain]
        df += int(certain.sum()) - np.unique(cells).shape[0]
    return float(max(df, 0))


def _part(
    design: SurveyDesign,
    draw: HouseholdDraw,
    y: FloatArray,
    x: FloatArray,
    domain: np.ndarray,
    full: np.ndarray,
) -> _Part:
    """Split a ratio over `domain` into its full-count and sampled parts (see fupin.stats.parts)."""
    f_rows = domain & full
    s_rows = domain & ~full
    x_c = float(x[f_rows].sum())
    y_c = float(y[f_rows].sum())
    lin = np.zeros(design.n)
    if not s_rows.any():
        return _Part(1.0, y_c / x_c if x_c else 0.0, 0.0, 0.0, 0, 0, 0.0, lin, 0.0)
    est = ratio(design, y, x, domain=s_rows)
    x_s = float((design.weights * x * s_rows).sum())
    lin = np.where(s_rows, (y - est.value * x) / x_s, 0.0)
    with_problem = int((y[s_rows] > 0).sum())
    n = int(s_rows.sum())
    return _Part(
        full_share=x_c / (x_c + x_s),
        full_value=y_c / x_c if x_c else 0.0,
        q=est.value,
        var=est.se**2,
        n=n,
        events=min(with_problem, n - with_problem),
        df=_sampled_df(draw, s_rows),
        lin=lin,
        fraction=n / float(design.weights[s_rows].sum()),
    )


def _rate(
    design: SurveyDesign, numerator: FloatArray, size: FloatArray, domain: np.ndarray, what: str
) -> tuple[Estimate, float]:
    """A person-level rate over a household domain, as a proportion; and its denominator total."""
    if not domain.any():
        raise FiguresError(f"no {what} household in the sample: the rate cannot be estimated")
    est = ratio(design, numerator, size, domain=domain)
    x_total = float((design.weights * size * domain).sum())
    return dataclasses.replace(est, statistic="proportion"), x_total


def _interval(p: _Part, level: float, method: str) -> PartInterval:
    return part_interval(
        full_share=p.full_share,
        full_value=p.full_value,
        q=p.q,
        var=p.var,
        n=p.n,
        events=p.events,
        df=p.df,
        level=level,
        method=method,
        fraction=p.fraction,
    )


def _incidence_interval(
    design: SurveyDesign,
    draw: HouseholdDraw,
    base: float,
    exited: tuple[float, _Part],
    nonreg: tuple[float, _Part],
    level: float,
    method: str,
) -> PartInterval:
    """Incidence = base + sum_k share_k (w_k r_ck + (1 - w_k) q_k): the q_k are the sampled part.

    The sampled part is (a + b) q with a = share_we (1 - w_we), b = share_m (1 - w_m) and
    q = (a q_we + b q_m) / (a + b), a proportion whose variance comes from the linearised
    total of a u_we + b u_m (covariance included) and whose n is Kish's for the two parts.
    """
    (e_share, p_we), (u_share, p_m) = exited, nonreg
    a = e_share * (1 - p_we.full_share)
    b = u_share * (1 - p_m.full_share)
    known = base + e_share * p_we.full_share * p_we.full_value
    known += u_share * p_m.full_share * p_m.full_value
    scale = a + b
    if scale <= 0:
        return part_interval(
            full_share=1.0, full_value=known, q=0.0, var=0.0, n=0, events=0, df=0.0
        )
    q = (a * p_we.q + b * p_m.q) / scale
    var = total(design, (a * p_we.lin + b * p_m.lin) / scale).se ** 2
    n = kish_n([a, b], [float(p_we.n), float(p_m.n)])
    rows = (p_we.lin != 0) | (p_m.lin != 0)
    df = _sampled_df(draw, rows) if rows.any() else max(p_we.df, p_m.df)
    # Write the incidence as w r_c + (1 - w) q with 1 - w = scale and w r_c = known.
    return part_interval(
        full_share=1 - scale,
        full_value=known / (1 - scale),
        q=q,
        var=var,
        n=n,
        events=p_we.events + p_m.events,
        df=df,
        level=level,
        method=method,
        fraction=(p_we.n + p_m.n)
        / (p_we.n / max(p_we.fraction, 1e-12) + p_m.n / max(p_m.fraction, 1e-12)),
    )


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
    full = _full_count(draw)
    size = answers.size.astype(np.float64)
    exited = draw.stratum == EXITED
    nonreg = draw.stratum == NONREGISTERED
    y_we = np.where(confirmed.wrong_exit & exited, size, 0.0)
    y_m = np.where(confirmed.missed & nonreg, size, 0.0)
    r_we, x_we = _rate(design, y_we, size, exited, "exited")
    r_m, x_m = _rate(design, y_m, size, nonreg, "non-registered")
    p_we = _part(design, draw, y_we, size, exited, full)
    p_m = _part(design, draw, y_m, size, nonreg, full)
    ci_we = _interval(p_we, level, ci_method)
    ci_m = _interval(p_m, level, ci_method)

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
    ci_inc = _incidence_interval(
        design, draw, base, (e_share, p_we), (u_share, p_m), level, ci_method
    )

    asked = answers.recognition_asked
    if not asked.any():
        raise FiguresError("no household answered the recognition questions")
    said_yes = answers.recognises.astype(np.float64)
    rec = proportion(design, said_yes, domain=asked)
    # The answers of full-count households carry measurement error (an answer is not the
    # attitude), so recognition has no error-free part: every asked household is the sample,
    # with a design effect of at least 1 against simple random sampling without replacement.
    everyone = _part(design, draw, said_yes, np.ones(n), asked, np.zeros(n, dtype=bool))
    ci_rec = _interval(everyone, level, ci_method)

    return CountyFigures(
        code=frame.code,
        name=frame.name,
        zone=frame.zone.value,
        wrong_exit_rate=_judge(Figure.WRONG_EXIT_RATE, r_we, ci_we, frame, thresholds),
        missed_rate=_judge(Figure.MISSED_RATE, r_m, ci_m, frame, thresholds),
        incidence=_judge(Figure.INCIDENCE, incidence, ci_inc, frame, thresholds),
        recognition=_judge(Figure.RECOGNITION, rec, ci_rec, frame, thresholds),
    )


def _judge(
    figure: Figure,
    estimate: Estimate,
    interval: PartInterval,
    frame: CountyFrame,
    thresholds: ThresholdTable,
) -> FigureResult:
    return judge_figure(
        figure, estimate, interval.ci, interval.method, frame, thresholds, basis=interval
    )
