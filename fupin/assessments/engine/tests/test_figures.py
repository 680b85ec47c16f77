"""The four figures: hand computation, confirmed problems only, verdicts and straddling intervals."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats as scipy_stats

from fupin.assessments.engine.fieldwork import SurveyAnswers
from fupin.assessments.engine.figures import CountyFigures, county_figures, judge_figure
from fupin.assessments.engine.frames import EXITED, NONREGISTERED, CountyFrame
from fupin.assessments.engine.sampling import (
    HouseholdDraw,
    SamplingSettings,
    draw_households,
    draw_villages,
)
from fupin.assessments.engine.tests.test_sampling import tiny_frame
from fupin.assessments.engine.verification import ConfirmedProblems
from fupin.policy.zones import Figure, Zone
from fupin.stats import Estimate
from fupin.stats.intervals import t_quantile

SETTINGS = SamplingSettings(
    villages=8,
    village_method="srs",
    exited_per_village=6,
    poor_per_village=2,
    nonregistered_per_village=5,
)


def sample(
    frame: CountyFrame, settings: SamplingSettings = SETTINGS, seed: int = 1
) -> HouseholdDraw:
    villages = draw_villages(frame, settings, np.random.default_rng(seed))
    return draw_households(frame, villages, settings, np.random.default_rng(seed + 1))


def answers_for(frame: CountyFrame, draw: HouseholdDraw, seed: int = 0) -> SurveyAnswers:
    rng = np.random.default_rng(seed)
    asked = (draw.stratum != NONREGISTERED) | frame.village_is_poor[frame.village[draw.index]]
    return SurveyAnswers.from_arrays(
        size=frame.size[draw.index],
        recognises=asked & (rng.random(len(draw)) < 0.9),
        recognition_asked=asked,
    )


def problems(draw: HouseholdDraw, seed: int = 0) -> ConfirmedProblems:
    rng = np.random.default_rng(seed)
    u = rng.random(len(draw))
    return ConfirmedProblems(
        wrong_exit=(draw.stratum == EXITED) & (u < 0.15),
        missed=(draw.stratum == NONREGISTERED) & (u < 0.1),
    )


def srs_two_stage_variance(draw: HouseholdDraw, z: np.ndarray) -> float:
    """Textbook two-stage variance of the total of z (unweighted per-household values).

    SRS of villages within strata, SRS of households within (village, stratum); the between-
    village term with fpc plus sum over villages of (1/pi_v) x the within-village variance of
    the estimated village total.
    """
    villages = draw.villages
    total_var = 0.0
    for s in (0, 1):
        big_n = villages.population[s]
        pos = np.flatnonzero(villages.stratum == s)
        n = pos.shape[0]
        t_hat = np.zeros(n)
        within = 0.0
        for j, p in enumerate(pos):
            rows_v = draw.village == p
            for d in np.unique(draw.design_stratum[rows_v]):
                rows = rows_v & (draw.design_stratum == d)
                m, big_m = int(rows.sum()), int(draw.population[rows][0])
                t_hat[j] += big_m / m * z[rows].sum()
                if m > 1:
                    within += (big_n / n) * big_m**2 * (1 - m / big_m) * z[rows].var(ddof=1) / m
        between = 0.0 if n == big_n else big_n**2 * (1 - n / big_n) * t_hat.var(ddof=1) / n
        total_var += between + within
    return total_var


@pytest.mark.parametrize("villages", [8, 4])
def test_figures_agree_with_hand_computation(villages):
    frame = tiny_frame(seed=5, villages=8, per_village=30)
    settings = dataclasses.replace(SETTINGS, villages=villages)
    draw = sample(frame, settings)
    answers = answers_for(frame, draw)
    confirmed = problems(draw)
    figs = county_figures(frame, draw, answers, confirmed)

    w = draw.weights
    size = answers.size.astype(float)
    exited = draw.stratum == EXITED
    nonreg = draw.stratum == NONREGISTERED
    y_we = size * confirmed.wrong_exit
    y_m = size * confirmed.missed
    x_we = (w * size * exited).sum()
    x_m = (w * size * nonreg).sum()
    r_we = (w * y_we * exited).sum() / x_we
    r_m = (w * y_m * nonreg).sum() / x_m
    assert figs.wrong_exit_rate.value == pytest.approx(r_we)
    assert figs.missed_rate.value == pytest.approx(r_m)
    u_we = np.where(exited, (y_we - r_we * size) / x_we, 0.0)
    u_m = np.where(nonreg, (y_m - r_m * size) / x_m, 0.0)
    assert figs.wrong_exit_rate.estimate.se == pytest.approx(
        np.sqrt(srs_two_stage_variance(draw, u_we))
    )
    assert figs.missed_rate.estimate.se == pytest.approx(np.sqrt(srs_two_stage_variance(draw, u_m)))

    big_r = frame.rural_population
    e, u, p = (
        frame.exited_persons / big_r,
        frame.nonregistered_persons / big_r,
        frame.poor_persons / big_r,
    )
    assert figs.incidence.value == pytest.approx(p + e * r_we + u * r_m)
    lin = e * u_we + u * u_m
    assert figs.incidence.estimate.se == pytest.approx(np.sqrt(srs_two_stage_variance(draw, lin)))

    asked = answers.recognition_asked
    rec = (w * answers.recognises * asked).sum() / (w * asked).sum()
    assert figs.recognition.value == pytest.approx(rec)

    # The interval: full-count cells (certainty village, household taken with pi = 1) are
    # exact; the sampled part q gets an interval with n_eff <= n / (1 - f) on its own df.
    full = (draw.village_pi >= 1 - 1e-9) & (draw.pi >= 1 - 1e-9)
    s_rows = exited & ~full
    f_rows = exited & full
    x_c, y_c = (size * f_rows).sum(), (y_we * f_rows).sum()
    x_s = (w * size * s_rows).sum()
    q_s = (w * y_we * s_rows).sum() / x_s
    share = x_c / (x_c + x_s)
    r_c = y_c / x_c if x_c else 0
    assert figs.wrong_exit_rate.value == pytest.approx(share * r_c + (1 - share) * q_s)
    basis = figs.wrong_exit_rate.basis
    assert basis is not None
    assert basis.full_share == pytest.approx(share) and basis.sampled_value == pytest.approx(q_s)
    assert basis.sampled_n == s_rows.sum()
    # df: villages drawn at random minus their strata; in certainty villages (all 8 of 8 drawn)
    # the sampled households minus their (village, stratum) cells.
    certain = draw.village_pi >= 1 - 1e-9
    by_chance = s_rows & ~certain
    df = len(np.unique(draw.village[by_chance])) - len(
        np.unique(draw.villages.stratum[draw.village[by_chance]])
    )
    in_certain = s_rows & certain
    df += in_certain.sum() - len(
        {
            (v, d)
            for v, d in zip(draw.village[in_certain], draw.design_stratum[in_certain], strict=True)
        }
    )
    assert basis.df == df
    u_s = np.where(s_rows, (y_we - q_s * size) / x_s, 0.0)
    var_s = srs_two_stage_variance(draw, u_s)
    n = s_rows.sum()
    cap = n / (1 - min(0.5, n / w[s_rows].sum()))
    n_eff = min(cap, q_s * (1 - q_s) / var_s)
    t = t_quantile(0.975, basis.df)
    if basis.events >= 10:
        assert basis.method == "logit"
        half = t / np.sqrt(n_eff * q_s * (1 - q_s))
        expit = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
        centre = np.log(q_s / (1 - q_s))
        lo, hi = expit(centre - half), expit(centre + half)
    else:  # few events: Korn-Graubard's df-adjusted n_eff and the Clopper-Pearson limits
        assert basis.method == "beta"
        n_kg = min(n_eff, n_eff * (t_quantile(0.025, n - 1) / t_quantile(0.025, basis.df)) ** 2)
        x = n_kg * q_s
        lo = scipy_stats.beta.ppf(0.025, x, n_kg - x + 1)
        hi = scipy_stats.beta.ppf(0.975, x + 1, n_kg - x)
    want = (share * r_c + (1 - share) * lo, share * r_c + (1 - share) * hi)
    assert figs.wrong_exit_rate.ci == pytest.approx(want)
    assert figs.wrong_exit_rate.estimate.df == len(draw.villages) - 2


def test_pps_with_every_village_taken_equals_the_census_of_villages():
    frame = tiny_frame(seed=5, villages=8, per_village=30)
    draws = {
        m: sample(frame, dataclasses.replace(SETTINGS, village_method=m)) for m in ("srs", "pps")
    }
    assert np.all(draws["pps"].villages.pi == 1.0)
    figs = {
        m: county_figures(frame, d, answers_for(frame, d), problems(d)) for m, d in draws.items()
    }
    # Different household draws, so compare the structure: PPS certainty villages give the
    # same design as SRS with fpc 1 at the first stage (only the second stage counts).
    d = draws["pps"]
    a = answers_for(frame, d)
    c = problems(d)
    pps = figs["pps"]
    srs_like = county_figures(
        frame, dataclasses.replace(d, villages=dataclasses.replace(d.villages, method="srs")), a, c
    )
    assert pps.wrong_exit_rate.estimate.se == pytest.approx(srs_like.wrong_exit_rate.estimate.se)
    assert pps.incidence.estimate.se == pytest.approx(srs_like.incidence.estimate.se)


def _pps_case():
    frame = tiny_frame(seed=6, villages=12, per_village=30)
    settings = dataclasses.replace(SETTINGS, villages=6, village_method="pps")
    draw = sample(frame, settings)
    answers, confirmed = answers_for(frame, draw), problems(draw)
    assert np.all(draw.villages.pi < 1)
    w = draw.weights
    size = answers.size.astype(float)
    exited = draw.stratum == EXITED
    y = size * confirmed.wrong_exit
    x_total = (w * size * exited).sum()
    r = (w * y * exited).sum() / x_total
    z = w * np.where(exited, (y - r * size) / x_total, 0.0)
    return frame, draw, answers, confirmed, z


def test_pps_villages_use_the_mean_inclusion_probability_fpc():
    """n of N villages drawn PPS without replacement (none with certainty): the first stage gets
    the fpc 1 - n/N, and the second stage adds n/N x its own variance (R's two-stage formula)."""
    frame, draw, answers, confirmed, z = _pps_case()
    figs = county_figures(frame, draw, answers, confirmed)
    var = 0.0
    for s in (0, 1):
        pos = np.flatnonzero(draw.villages.stratum == s)
        n, big_n = len(pos), draw.villages.population[s]
        assert n < big_n
        f = n / big_n
        t = np.array([z[draw.village == p].sum() for p in pos])
        var += (1 - f) * n / (n - 1) * ((t - t.mean()) ** 2).sum()
        for p in pos:
            rows_v = draw.village == p
            for d in np.unique(draw.design_stratum[rows_v]):
                cell = z[rows_v & (draw.design_stratum == d)]
                m = cell.shape[0]
                big_m = int(draw.population[rows_v & (draw.design_stratum == d)][0])
                if m > 1:
                    spread = ((cell - cell.mean()) ** 2).sum()
                    var += f * (1 - m / big_m) * m / (m - 1) * spread
    assert figs.wrong_exit_rate.estimate.se == pytest.approx(np.sqrt(var))


def test_pps_villages_of_unknown_count_use_the_with_replacement_first_stage():
    """A sample file from elsewhere does not say how many villages each stratum has: the first
    stage is then treated as with replacement (no fpc; the second stage adds nothing)."""
    frame, draw, answers, confirmed, z = _pps_case()
    unknown = dataclasses.replace(
        draw, villages=dataclasses.replace(draw.villages, population=(0, 0))
    )
    figs = county_figures(frame, unknown, answers, confirmed)
    var = 0.0
    for s in (0, 1):
        pos = np.flatnonzero(draw.villages.stratum == s)
        t = np.array([z[draw.village == p].sum() for p in pos])
        var += len(pos) / (len(pos) - 1) * ((t - t.mean()) ** 2).sum()
    assert figs.wrong_exit_rate.estimate.se == pytest.approx(np.sqrt(var))
    known = county_figures(frame, draw, answers, confirmed)
    assert known.wrong_exit_rate.estimate.se < figs.wrong_exit_rate.estimate.se


def test_no_confirmed_problem_gives_zero_rates_with_honest_intervals():
    frame = tiny_frame(seed=5)
    draw = sample(frame)
    figs = county_figures(frame, draw, answers_for(frame, draw), ConfirmedProblems.none(len(draw)))
    for f in (figs.wrong_exit_rate, figs.missed_rate):
        assert f.value == 0.0
        assert f.ci[0] == 0.0 and 0.005 < f.ci[1] < 0.2
    base = frame.poor_persons / frame.rural_population
    assert figs.incidence.value == pytest.approx(base)
    assert figs.incidence.ci[0] == pytest.approx(base) and figs.incidence.ci[1] > base


def test_unconfirmed_problems_change_no_figure():
    frame = tiny_frame(seed=5)
    draw = sample(frame)
    answers = answers_for(frame, draw)
    confirmed = problems(draw)
    before = county_figures(frame, draw, answers, confirmed)
    # Every household suspected, but nothing more confirmed: the same figures.
    suspected = np.where(draw.stratum == EXITED, "wrong_exit", "missed")
    noisy = dataclasses.replace(answers, suspected=suspected)
    after = county_figures(frame, draw, noisy, confirmed)
    assert before == after
    # A "wrong exit" on a household that is not exited, or a "missed" one that is registered,
    # cannot be confirmed as such and counts for nothing.
    stray = ConfirmedProblems(
        wrong_exit=confirmed.wrong_exit | (draw.stratum != EXITED),
        missed=confirmed.missed | (draw.stratum != NONREGISTERED),
    )
    assert county_figures(frame, draw, answers, stray) == before
    # One more confirmed problem does change the figure.
    extra_we = confirmed.wrong_exit.copy()
    extra_we[np.flatnonzero(exited_not_flagged := (draw.stratum == EXITED) & ~extra_we)[0]] = True
    assert exited_not_flagged.any()
    more = county_figures(frame, draw, answers, dataclasses.replace(confirmed, wrong_exit=extra_we))
    assert more.wrong_exit_rate.value > before.wrong_exit_rate.value
    assert more.incidence.value > before.incidence.value


def _estimate(value: float, se: float = 0.005) -> Estimate:
    return Estimate(value=value, se=se, df=10, deff=1.0, statistic="proportion", n=500)


@pytest.mark.parametrize(
    ("figure", "value", "ci", "zone", "verdict", "clarity"),
    [
        (Figure.WRONG_EXIT_RATE, 0.015, (0.010, 0.025), Zone.WEST, "pass", "straddles"),
        (Figure.WRONG_EXIT_RATE, 0.010, (0.005, 0.019), Zone.WEST, "pass", "clear"),
        (Figure.MISSED_RATE, 0.025, (0.021, 0.030), Zone.CENTRAL, "fail", "clear"),
        (Figure.MISSED_RATE, 0.020, (0.015, 0.030), Zone.CENTRAL, "fail", "straddles"),
        (Figure.INCIDENCE, 0.025, (0.021, 0.029), Zone.CENTRAL, "fail", "clear"),
        (Figure.INCIDENCE, 0.025, (0.021, 0.029), Zone.WEST, "pass", "clear"),
        (Figure.RECOGNITION, 0.92, (0.88, 0.95), Zone.WEST, "pass", "straddles"),
        (Figure.RECOGNITION, 0.85, (0.80, 0.89), Zone.WEST, "fail", "clear"),
    ],
)
def test_verdict_on_the_point_estimate_and_clarity_from_the_interval(
    figure, value, ci, zone, verdict, clarity
):
    frame = dataclasses.replace(tiny_frame(), zone=zone)
    result = judge_figure(figure, _estimate(value), ci, "logit", frame, _thresholds())
    assert result.verdict == verdict
    assert result.clarity == clarity
    assert result.message.endswith("达标")


def _thresholds():
    from fupin.policy.zones import DEFAULT_THRESHOLDS

    return DEFAULT_THRESHOLDS


def test_county_passes_only_if_every_figure_passes():
    frame = tiny_frame()
    ok = judge_figure(
        Figure.WRONG_EXIT_RATE, _estimate(0.01), (0.0, 0.015), "logit", frame, _thresholds()
    )
    bad = judge_figure(
        Figure.RECOGNITION, _estimate(0.8), (0.7, 0.85), "logit", frame, _thresholds()
    )
    good_rec = judge_figure(
        Figure.RECOGNITION, _estimate(0.95), (0.92, 0.97), "logit", frame, _thresholds()
    )
    passing = CountyFigures("620121", "永登县", "west", ok, ok, ok, good_rec)
    failing = dataclasses.replace(passing, recognition=bad)
    assert passing.decision == "pass" and passing.straddling == ()
    assert failing.decision == "fail"
    assert failing.as_dict({"recognition": 0.8})["figures"]["recognition"]["truth"] == 0.8
