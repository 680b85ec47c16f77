"""Simulated field survey: enumerators answer from the truth with measurement error and flag suspects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fupin.assessments.engine.frames import (
    EXITED,
    GUARANTEES,
    NONREGISTERED,
    BoolArray,
    CountyFrame,
    CountyTruth,
    FloatArray,
    IntArray,
    StrArray,
)
from fupin.assessments.engine.sampling import HouseholdDraw
from fupin.policy.identification import identify_arrays
from fupin.policy.lines import DEFAULT_LINES, PovertyLineTable

# Codes of suspected status problems raised from a survey ('' when none).
PROBLEM_CODES: tuple[str, ...] = ("wrong_exit", "missed")


@dataclass(frozen=True)
class MeasurementError:
    """How far a field answer can be from the truth, and how liberally the field flags.

    Income is measured with multiplicative log-normal noise (sd `income_sigma` on the log scale,
    about 12 %: households forget income in kind and odd jobs); each guarantee is misread with
    probability `guarantee_misread`; the recognition answer flips with `recognition_flip`.
    A household is flagged when its measured income is at or below line x (1 + `margin`) or a
    measured guarantee fails: with margin 0.5 and 12 % noise a true income at the line is
    measured above 1.5 x line with probability about 2e-4, so the field almost never misses a
    true problem; verification sorts out the false alarms.
    """

    income_sigma: float = 0.12
    guarantee_misread: float = 0.01
    recognition_flip: float = 0.02
    margin: float = 0.5

    def __post_init__(self) -> None:
        for name in ("income_sigma", "margin"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        for name in ("guarantee_misread", "recognition_flip"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a probability")


@dataclass(frozen=True, eq=False)
class SurveyAnswers:
    """One answer row per sampled household, aligned with the HouseholdDraw.

    `size` is the household size counted at the visit (persons for the rates); `guarantees` is
    (n, 6) in GUARANTEES order; `recognition_asked` marks who answers the recognition questions
    (registered households, and non-registered households in poor villages, DOMAIN §6);
    `suspected` holds a PROBLEM_CODES code or ''.
    """

    size: IntArray
    income_per_capita: FloatArray
    guarantees: BoolArray
    recognises: BoolArray
    recognition_asked: BoolArray
    suspected: StrArray

    @classmethod
    def from_arrays(
        cls,
        *,
        size: npt.ArrayLike,
        recognises: npt.ArrayLike,
        recognition_asked: npt.ArrayLike,
        income_per_capita: npt.ArrayLike | None = None,
        guarantees: npt.ArrayLike | None = None,
        suspected: npt.ArrayLike | None = None,
    ) -> SurveyAnswers:
        """Answers as the Django side stores them; the figures need size and recognition only."""
        sz = np.asarray(size, dtype=np.int64)
        n = sz.shape[0]
        if (sz < 1).any():
            raise ValueError("household size must be positive")
        income = (
            np.full(n, np.nan)
            if income_per_capita is None
            else np.asarray(income_per_capita, dtype=np.float64)
        )
        g = (
            np.ones((n, len(GUARANTEES)), dtype=bool)
            if guarantees is None
            else np.asarray(guarantees, dtype=bool)
        )
        sus = np.full(n, "", dtype="<U16") if suspected is None else np.asarray(suspected, str)
        rec = np.asarray(recognises, dtype=bool)
        asked = np.asarray(recognition_asked, dtype=bool)
        for name, arr in (
            ("income", income),
            ("recognises", rec),
            ("asked", asked),
            ("suspected", sus),
        ):
            if arr.shape != (n,):
                raise ValueError(f"{name} needs one value per household ({n})")
        if g.shape != (n, len(GUARANTEES)):
            raise ValueError(f"guarantees must be ({n}, {len(GUARANTEES)})")
        return cls(sz, income, g, rec, asked, sus)

    def __len__(self) -> int:
        return int(self.size.shape[0])


def recognition_asked(frame: CountyFrame, draw: HouseholdDraw) -> BoolArray:
    """Registered households everywhere; non-registered households only in poor villages."""
    in_poor_village = frame.village_is_poor[draw.villages.index[draw.village]]
    return np.asarray((draw.stratum != NONREGISTERED) | in_poor_village, dtype=np.bool_)


def simulate_survey(
    frame: CountyFrame,
    truth: CountyTruth,
    households: HouseholdDraw,
    rng: np.random.Generator,
    *,
    error: MeasurementError = MeasurementError(),  # noqa: B008 - frozen, shared safely
    lines: PovertyLineTable = DEFAULT_LINES,
) -> SurveyAnswers:
    """Answers of the sampled households, from the truth with `error`, and suspected problems."""
    idx = households.index
    n = idx.shape[0]
    income = truth.income_per_capita[idx] * np.exp(rng.normal(0.0, error.income_sigma, n))
    true_g = np.stack([g[idx] for g in truth.guarantees], axis=1)
    flip = rng.random((n, len(GUARANTEES))) < error.guarantee_misread
    measured_g = true_g ^ flip
    recognises = truth.recognises_work[idx] ^ (rng.random(n) < error.recognition_flip)
    asked = recognition_asked(frame, households)

    # The national standard (fupin.policy) on the measured facts, with the line raised by the
    # margin: income / (1 + margin) at or below the line.
    looks_poor = identify_arrays(
        income / (1 + error.margin),
        year=frame.year,
        food_ok=measured_g[:, 0],
        clothing_ok=measured_g[:, 1],
        education_ok=measured_g[:, 2],
        medical_ok=measured_g[:, 3],
        housing_ok=measured_g[:, 4],
        water_ok=measured_g[:, 5],
        lines=lines,
    )
    suspected = np.full(n, "", dtype="<U16")
    suspected[(households.stratum == EXITED) & looks_poor] = "wrong_exit"
    suspected[(households.stratum == NONREGISTERED) & looks_poor] = "missed"
    return SurveyAnswers(
        size=truth.size[idx].astype(np.int64),
        income_per_capita=np.round(income, 2),
        guarantees=measured_g,
        recognises=np.where(asked, recognises, False),
        recognition_asked=asked,
        suspected=suspected,
    )
