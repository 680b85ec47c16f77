"""Simulated five-step verification (凡疑必核, 五核) of suspected problems, with decisions and opinions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fupin.assessments.engine.fieldwork import SurveyAnswers
from fupin.assessments.engine.frames import BoolArray, CountyFrame, CountyTruth
from fupin.assessments.engine.sampling import HouseholdDraw

# Step codes, in order; 'department' only when the local side disputes the finding.
STEPS: tuple[str, ...] = ("initial", "review", "department", "expert", "final")
STEP_LABELS = {
    "initial": "初核",
    "review": "复核",
    "department": "部门核",
    "expert": "专家组核",
    "final": "终核",
}
# Decisions at a step: the problem holds (and goes on), or it is dismissed (and the path ends).
UPHOLD, DISMISS = "uphold", "dismiss"
PROBLEM_LABELS = {"wrong_exit": "错退", "missed": "漏评"}


@dataclass(frozen=True)
class VerificationErrors:
    """How the simulated checkers err.

    `false_confirmation`: a suspected problem that is not real is nonetheless confirmed at 终核;
    `false_rejection`: a real problem is dismissed.  Both default to 0, which is what the five
    steps are for (anything without sufficient evidence is not adopted, and every real problem
    has evidence), and what makes the coverage of the figures' intervals a test of the design
    and not of the checkers.  `initial_dismiss` is the share of false alarms dropped on site at
    初核; `dispute_true` / `dispute_false` are the shares of real / false findings the local
    cadres dispute at 复核, which sends them to 部门核.
    """

    false_confirmation: float = 0.0
    false_rejection: float = 0.0
    initial_dismiss: float = 0.5
    dispute_true: float = 0.3
    dispute_false: float = 0.9

    def __post_init__(self) -> None:
        for name in (
            "false_confirmation",
            "false_rejection",
            "initial_dismiss",
            "dispute_true",
            "dispute_false",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a probability")


@dataclass(frozen=True)
class VerificationStep:
    code: str
    decision: str
    opinion: str

    @property
    def label(self) -> str:
        return STEP_LABELS[self.code]


@dataclass(frozen=True)
class VerificationPath:
    """The steps one suspected problem went through; `confirmed` iff 终核 upheld it.

    `position` is the household's row in the HouseholdDraw and SurveyAnswers; `household_no`
    its registry number.
    """

    position: int
    household_no: str
    problem: str
    steps: tuple[VerificationStep, ...] = field(default_factory=tuple)

    @property
    def confirmed(self) -> bool:
        return (
            bool(self.steps)
            and self.steps[-1].code == "final"
            and self.steps[-1].decision == UPHOLD
        )

    @property
    def disputed(self) -> bool:
        return any(s.code == "department" for s in self.steps)


@dataclass(frozen=True, eq=False)
class ConfirmedProblems:
    """Problems confirmed at 终核, as flags aligned with the household sample."""

    wrong_exit: BoolArray
    missed: BoolArray

    @classmethod
    def none(cls, n: int) -> ConfirmedProblems:
        return cls(np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))

    @classmethod
    def from_paths(cls, paths: list[VerificationPath], n: int) -> ConfirmedProblems:
        out = cls.none(n)
        for p in paths:
            if p.confirmed:
                getattr(out, p.problem)[p.position] = True
        return out

    @classmethod
    def from_positions(
        cls, n: int, *, wrong_exit: npt.ArrayLike = (), missed: npt.ArrayLike = ()
    ) -> ConfirmedProblems:
        """From the sample positions of confirmed problems (what the Django side stores)."""
        out = cls.none(n)
        out.wrong_exit[np.asarray(wrong_exit, dtype=np.int64)] = True
        out.missed[np.asarray(missed, dtype=np.int64)] = True
        return out


def _reason(problem: str, real: bool) -> str:
    what = PROBLEM_LABELS[problem]
    return f"证据显示{what}问题属实" if real else f"证据不足以认定{what}"


def simulate_verification(
    frame: CountyFrame,
    truth: CountyTruth,
    households: HouseholdDraw,
    answers: SurveyAnswers,
    rng: np.random.Generator,
    *,
    errors: VerificationErrors = VerificationErrors(),  # noqa: B008 - frozen, shared safely
) -> list[VerificationPath]:
    """Every suspected problem through 初核 → 复核 → (部门核) → 专家组核 → 终核.

    A problem is real when the household truly meets the identification standard (for an
    exited household a wrong exit, for a non-registered one a missed household).  Random
    numbers are drawn for all problems at once, so the paths depend only on the seed and the
    suspected list.
    """
    positions = np.flatnonzero(answers.suspected != "")
    k = positions.shape[0]
    real = truth.meets_standard[households.index[positions]]
    u = rng.random((k, 3))
    wrong = np.where(real, u[:, 0] < errors.false_rejection, u[:, 0] < errors.false_confirmation)
    verdict = real ^ wrong  # what 终核 decides
    dropped = ~verdict & (u[:, 1] < errors.initial_dismiss)
    disputed = u[:, 2] < np.where(real, errors.dispute_true, errors.dispute_false)
    hh_no = frame.household_no[households.index[positions]]

    paths: list[VerificationPath] = []
    for j in range(k):
        problem = str(answers.suspected[positions[j]])
        what = PROBLEM_LABELS[problem]
        holds = bool(verdict[j])
        if dropped[j]:
            steps: tuple[VerificationStep, ...] = (
                VerificationStep(
                    "initial", DISMISS, f"现场初核：入户复查后{what}疑点排除，不予上报"
                ),
            )
        else:
            steps_list = [
                VerificationStep("initial", UPHOLD, f"现场初核：疑似{what}，已固化证据上报"),
            ]
            if disputed[j]:
                steps_list.append(
                    VerificationStep(
                        "review",
                        UPHOLD,
                        f"带队专家复核：疑似{what}成立；地方干部有异议，提请部门核",
                    )
                )
                steps_list.append(
                    VerificationStep(
                        "department",
                        UPHOLD if holds else DISMISS,
                        "主管部门鉴定：" + _reason(problem, holds),
                    )
                )
            else:
                steps_list.append(
                    VerificationStep(
                        "review", UPHOLD, f"带队专家复核：疑似{what}成立；地方干部无异议"
                    )
                )
            steps_list.append(
                VerificationStep(
                    "expert", UPHOLD if holds else DISMISS, "专家组研判：" + _reason(problem, holds)
                )
            )
            steps_list.append(
                VerificationStep(
                    "final",
                    UPHOLD if holds else DISMISS,
                    "考核工作组终核：" + ("予以认定" if holds else "不予采信"),
                )
            )
            steps = tuple(steps_list)
        paths.append(VerificationPath(int(positions[j]), str(hh_no[j]), problem, steps))
    return paths


def confirm_fast(
    truth: CountyTruth,
    households: HouseholdDraw,
    answers: SurveyAnswers,
    rng: np.random.Generator,
    *,
    errors: VerificationErrors = VerificationErrors(),  # noqa: B008 - frozen, shared safely
) -> ConfirmedProblems:
    """The 终核 outcomes of `simulate_verification` without building paths (same random numbers)."""
    positions = np.flatnonzero(answers.suspected != "")
    real = truth.meets_standard[households.index[positions]]
    u = rng.random((positions.shape[0], 3))
    wrong = np.where(real, u[:, 0] < errors.false_rejection, u[:, 0] < errors.false_confirmation)
    verdict = real ^ wrong
    n = len(answers)
    out = ConfirmedProblems.none(n)
    keep = positions[verdict]
    codes = answers.suspected[keep]
    out.wrong_exit[keep[codes == "wrong_exit"]] = True
    out.missed[keep[codes == "missed"]] = True
    return out
