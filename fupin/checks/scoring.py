"""Precision and recall of each rule against planted errors with known labels (synthetic truth)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fupin.checks.data import BoolArray
from fupin.checks.rule import CheckResult

# Which planted error kind (fupin.synth's truth labels) each rule is meant to find.
PLANTED_FOR_RULE: dict[str, str] = {
    "identification.far_above_line": "far_above_line",
    "members.duplicate": "duplicate_member",
    "members.deceased": "deceased_member",
    "causes.illness_no_sick": "cause_illness_no_sick",
    "causes.schooling_no_student": "cause_school_no_student",
    "income.per_capita_inconsistent": "income_inconsistent",
    "exits.failed_guarantee": "exit_failed_guarantee",
}


@dataclass(frozen=True)
class Score:
    rule: str
    planted_kind: str
    planted: int
    flagged: int
    true_positives: int

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.planted if self.planted else None

    def as_dict(self) -> dict[str, object]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "rule": self.rule,
            "planted_kind": self.planted_kind,
            "planted": self.planted,
            "flagged": self.flagged,
            "true_positives": self.true_positives,
            "precision": r(self.precision),
            "recall": r(self.recall),
        }


def score(result: CheckResult, labels: Mapping[str, BoolArray]) -> list[Score]:
    """One Score per rule that has a planted kind in `labels` (row-aligned with the input)."""
    out = []
    for r in result.rules:
        kind = PLANTED_FOR_RULE.get(r.id)
        if kind is None or kind not in labels or not r.ran:
            continue
        truth = np.asarray(labels[kind], bool)
        tp = int(truth[r.rows].sum())
        out.append(Score(r.id, kind, int(truth.sum()), len(r.rows), tp))
    return out
