"""人均收支核查准: income figures that do not add up."""

from __future__ import annotations

import numpy as np

from fupin.checks.data import CheckData, IntArray
from fupin.checks.rule import Flags, Rule

FAMILY = "income"
ACCURACY = "人均收支核查准"
# Rounding to the yuan and to the fen leaves small differences; anything beyond this is an error.
TOLERANCE_YUAN = 1.0
TOLERANCE_SHARE = 0.02


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.abs(a - b) > np.maximum(TOLERANCE_YUAN, TOLERANCE_SHARE * np.abs(b)))


def _per_capita_inconsistent(data: CheckData) -> np.ndarray:
    hh = data.households
    parts = hh.income_wages + hh.income_business + hh.income_property + hh.income_transfers
    size = np.maximum(hh.size, 1)
    total_off = _differs(hh.income_total, parts)
    pc_off = _differs(hh.income_per_capita, hh.income_total / size)
    return np.asarray(hh.in_registry & (total_off | pc_off | (hh.size <= 0)))


def _inconsistent(data: CheckData) -> Flags:
    hh = data.households
    parts = hh.income_wages + hh.income_business + hh.income_property + hh.income_transfers
    mask = _per_capita_inconsistent(data)

    def why(rows: IntArray) -> list[str]:
        out = []
        for r in rows:
            if hh.size[r] <= 0:
                out.append("家庭人口为 0，无法核算人均纯收入")
            elif _differs(hh.income_total[r : r + 1], parts[r : r + 1])[0]:
                out.append(
                    f"家庭纯收入 {hh.income_total[r]:.0f} 元与工资性、经营性、财产性、转移性收入之和 "
                    f"{parts[r]:.0f} 元不符"
                )
            else:
                out.append(
                    f"人均纯收入 {hh.income_per_capita[r]:.0f} 元与家庭纯收入 {hh.income_total[r]:.0f} 元"
                    f" ÷ {hh.size[r]} 人 = {hh.income_total[r] / hh.size[r]:.0f} 元不符"
                )
        return out

    return Flags.build(mask, why)


def _negative(data: CheckData) -> Flags:
    hh = data.households
    parts = np.stack(
        [hh.income_wages, hh.income_property, hh.income_transfers, hh.income_per_capita]
    )
    mask = hh.in_registry & (parts < 0).any(axis=0)
    return Flags.build(mask, lambda rows: ["工资性、财产性、转移性或人均收入为负数"] * len(rows))


RULES = (
    Rule(
        id="income.per_capita_inconsistent",
        title="人均纯收入与分项收入、家庭人口不一致",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_inconsistent,
    ),
    Rule(
        id="income.negative",
        title="收入为负数（经营性收入除外）",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_negative,
    ),
)
