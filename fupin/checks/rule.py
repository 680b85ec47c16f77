"""What a rule is and what it returns; running rules over the input is in `rules.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fupin.checks.data import BoolArray, CheckData, IntArray

# The eight accuracies (平台8个准) of Gansu's "853" platform, in the seed text's order.
ACCURACIES = (
    "对象识别认定准",
    "家庭情况核实准",
    "致贫原因分析准",
    "计划措施制定准",
    "扶贫政策落实准",
    "人均收支核查准",
    "对象进出录入准",
    "台账进度记录准",
)
NOT_RUN_NOTE = "not run: no data"


@dataclass(frozen=True)
class Flags:
    """A rule's verdict: a mask over households and one reason per flagged household, in row order."""

    mask: BoolArray
    reasons: tuple[str, ...]

    def __post_init__(self) -> None:
        if int(self.mask.sum()) != len(self.reasons):
            raise ValueError(
                f"{int(self.mask.sum())} households flagged but {len(self.reasons)} reasons"
            )

    @classmethod
    def build(cls, mask: BoolArray, reason: Callable[[IntArray], Iterable[str]]) -> Flags:
        """`reason` gets the flagged rows and returns their reasons (called only on those rows)."""
        rows = np.flatnonzero(mask)
        return cls(mask=np.asarray(mask, bool), reasons=tuple(reason(rows)))


@dataclass(frozen=True)
class Rule:
    """One check: a stable id (`family.name`), a Chinese title, which of the eight accuracies it
    serves, the optional inputs it needs, and a vectorised function over the whole input."""

    id: str
    title: str
    family: str
    accuracy: str
    evaluate: Callable[[CheckData], Flags] = field(repr=False, compare=False)
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.accuracy not in ACCURACIES:
            raise ValueError(
                f"rule {self.id}: {self.accuracy!r} is not one of the eight accuracies"
            )
        if not self.id.startswith(self.family + "."):
            raise ValueError(f"rule {self.id} must start with its family {self.family!r}")

    def missing(self, data: CheckData) -> tuple[str, ...]:
        return tuple(n for n in self.needs if not data.has(n))


@dataclass(frozen=True)
class RuleResult:
    id: str
    title: str
    family: str
    accuracy: str
    ran: bool
    rows: IntArray  # flagged household rows of the input
    household_no: tuple[str, ...]
    reasons: tuple[str, ...]
    note: str = ""
    seconds: float = 0.0

    @property
    def flagged(self) -> int | None:
        """How many households the rule flags; None when it could not run."""
        return len(self.rows) if self.ran else None


@dataclass(frozen=True)
class CheckResult:
    rules: tuple[RuleResult, ...]
    households: int  # rows checked

    @property
    def flagged_rows(self) -> IntArray:
        """Rows flagged by at least one rule."""
        if not self.rules:
            return np.zeros(0, np.int64)
        out: IntArray = np.unique(np.concatenate([r.rows for r in self.rules]))
        return out

    @property
    def households_flagged(self) -> int:
        return len(self.flagged_rows)

    def counts(self) -> dict[str, int | None]:
        return {r.id: r.flagged for r in self.rules}

    def summary(self) -> dict[str, Any]:
        """The `fupin check --format json` shape."""
        return {
            "rules": [{"id": r.id, "title": r.title, "flagged": r.flagged} for r in self.rules],
            "households_flagged": self.households_flagged,
        }

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(household number, rule id, rule title, reason) for every flag, by household then rule."""
        out = [
            (no, r.id, r.title, why)
            for r in self.rules
            for no, why in zip(r.household_no, r.reasons, strict=True)
        ]
        out.sort(key=lambda t: (t[0], t[1]))
        return out
