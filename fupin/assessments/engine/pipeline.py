"""One county's assessment end to end (draw, survey, verification, figures) and its true figures."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from fupin.assessments.engine.fieldwork import MeasurementError, SurveyAnswers, simulate_survey
from fupin.assessments.engine.figures import CountyFigures, county_figures
from fupin.assessments.engine.frames import (
    EXITED,
    NONREGISTERED,
    CountyFrame,
    CountyTruth,
    frame_from_batch,
    truth_from_batch,
)
from fupin.assessments.engine.sampling import (
    HouseholdDraw,
    SamplingSettings,
    draw_households,
    draw_villages,
)
from fupin.assessments.engine.verification import (
    ConfirmedProblems,
    VerificationErrors,
    VerificationPath,
    confirm_fast,
    simulate_verification,
)
from fupin.policy.zones import DEFAULT_THRESHOLDS, ThresholdTable
from fupin.synth.generate import CountyBatch


@dataclass(frozen=True)
class TruthFigures:
    """A county's true finite-population figures, for scoring a simulated assessment only.

    Wrong-exit rate: persons (true size) in exited households that truly meet the
    identification standard over persons in exited households; missed rate likewise over
    non-registered households; incidence: the estimator's own formula with these true rates,
    (P + E r_we + U r_missed) / R; recognition: what the survey measures, the expected share of
    the households asked (registered households, and non-registered ones in poor villages) who
    answer that they recognise the work: a household that truly recognises it says so with
    probability 1 - f, one that does not with probability f (f = the simulated answer flip,
    `MeasurementError.recognition_flip`).  `recognition_attitude` is the true share itself;
    the two differ by f (1 - 2 a), about 1.8 points at a = 0.94 and f = 0.02, which a county's
    interval must not be scored against (the survey cannot see past its own answers).
    """

    wrong_exit_rate: float
    missed_rate: float
    incidence: float
    recognition: float
    recognition_attitude: float = float("nan")

    def as_dict(self) -> dict[str, float]:
        return {
            "wrong_exit_rate": self.wrong_exit_rate,
            "missed_rate": self.missed_rate,
            "incidence": self.incidence,
            "recognition": self.recognition,
        }


def truth_figures(
    frame: CountyFrame,
    truth: CountyTruth,
    error: MeasurementError = MeasurementError(),  # noqa: B008 - frozen, shared safely
) -> TruthFigures:
    """The finite-population truth that `county_figures` estimates (see TruthFigures)."""
    size = truth.size.astype(np.float64)
    exited = frame.stratum == EXITED
    nonreg = frame.stratum == NONREGISTERED

    def rate(domain: np.ndarray) -> float:
        den = float(size[domain].sum())
        return float((size * truth.meets_standard)[domain].sum()) / den if den else 0.0

    r_we, r_m = rate(exited), rate(nonreg)
    big_r = float(frame.rural_population)
    incidence = (
        frame.poor_persons + frame.exited_persons * r_we + frame.nonregistered_persons * r_m
    ) / big_r
    asked = ~nonreg | frame.village_is_poor[frame.village]
    if not asked.any():
        return TruthFigures(r_we, r_m, incidence, float("nan"))
    attitude = float(truth.recognises_work[asked].mean())
    flip = error.recognition_flip
    answered = attitude * (1 - flip) + (1 - attitude) * flip
    return TruthFigures(r_we, r_m, incidence, answered, attitude)


@dataclass(frozen=True)
class CountyAssessment:
    """Everything one county's assessment produced, in the order it was produced."""

    frame: CountyFrame
    households: HouseholdDraw
    answers: SurveyAnswers
    paths: tuple[VerificationPath, ...]
    confirmed: ConfirmedProblems
    figures: CountyFigures
    truth: TruthFigures | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of `fupin demo --json`: figures with intervals, truth and decision."""
        out = self.figures.as_dict(None if self.truth is None else self.truth.as_dict())
        out["households"] = len(self.households)
        out["villages"] = len(self.households.villages)
        out["suspected"] = int((self.answers.suspected != "").sum())
        out["confirmed"] = {
            "wrong_exit": int(self.confirmed.wrong_exit.sum()),
            "missed": int(self.confirmed.missed.sum()),
        }
        return out


def assess_county(
    frame: CountyFrame,
    truth: CountyTruth,
    settings: SamplingSettings,
    rng: np.random.Generator,
    *,
    error: MeasurementError = MeasurementError(),  # noqa: B008 - frozen, shared safely
    errors: VerificationErrors = VerificationErrors(),  # noqa: B008 - frozen, shared safely
    thresholds: ThresholdTable = DEFAULT_THRESHOLDS,
    with_paths: bool = True,
    score: bool = True,
) -> CountyAssessment:
    """Draw villages and households, simulate the survey and the five steps, estimate the figures.

    Each stage gets its own child generator of `rng` (villages, households, survey,
    verification), so every draw records a fresh, replayable seed.  `with_paths=False`
    skips building the verification paths (same outcomes, for simulations).
    """
    g_villages, g_households, g_survey, g_verify = rng.spawn(4)
    villages = draw_villages(frame, settings, g_villages)
    households = draw_households(frame, villages, settings, g_households)
    answers = simulate_survey(frame, truth, households, g_survey, error=error)
    if with_paths:
        paths = simulate_verification(frame, truth, households, answers, g_verify, errors=errors)
        confirmed = ConfirmedProblems.from_paths(paths, len(households))
    else:
        paths = []
        confirmed = confirm_fast(truth, households, answers, g_verify, errors=errors)
    figures = county_figures(frame, households, answers, confirmed, thresholds=thresholds)
    return CountyAssessment(
        frame=frame,
        households=households,
        answers=answers,
        paths=tuple(paths),
        confirmed=confirmed,
        figures=figures,
        truth=truth_figures(frame, truth, error) if score else None,
    )


def county_rng(seed: int, code: str) -> np.random.Generator:
    """The generator of one county in a campaign: independent of which other counties are drawn."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(code)]))


def assess_province(
    batches: Iterable[CountyBatch],
    settings: SamplingSettings,
    seed: int,
    county_codes: Collection[str] | None = None,
    **kwargs: Any,
) -> Iterator[CountyAssessment]:
    """Assess each county of a synthetic province (or those in `county_codes`), one at a time."""
    for batch in batches:
        if county_codes is not None and batch.county.code not in county_codes:
            continue
        frame = frame_from_batch(batch)
        truth = truth_from_batch(batch, frame)
        yield assess_county(frame, truth, settings, county_rng(seed, frame.code), **kwargs)
