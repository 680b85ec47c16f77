"""对象识别认定准: registered households that the standard would not name, and the reverse."""

from __future__ import annotations

import numpy as np

from fupin.checks.data import GUARANTEES, BoolArray, CheckData, IntArray
from fupin.checks.rule import Flags, Rule
from fupin.policy.identification import identify_arrays
from fupin.policy.standards import NATIONAL, NationalRule, RelativeIncomeRule, find_standard

FAMILY = "identification"
ACCURACY = "对象识别认定准"
# "Far above the line": per-capita income more than this multiple of the year's national line.
FAR_ABOVE_LINE_FACTOR = 1.5


def guarantees_met(data: CheckData) -> BoolArray:
    """两不愁三保障 met, with drinking water counted from the year the national rule adds it."""
    hh = data.households
    years = np.where(hh.income_year > 0, hh.income_year, data.year)
    rule = NATIONAL.household_rule
    assert isinstance(rule, NationalRule)
    water_counts = np.vectorize(rule.water_counts, otypes=[bool])
    ok: BoolArray = hh.food_ok & hh.clothing_ok & hh.education_ok & hh.medical_ok & hh.housing_ok
    uy, inv = np.unique(years, return_inverse=True)
    counts = water_counts(uy)[inv.reshape(-1)] if len(uy) else np.zeros(0, bool)
    out: BoolArray = ok & (hh.water_ok | ~counts)
    return out


def failed_guarantees(data: CheckData, row: int) -> list[str]:
    """Chinese names of the guarantees household `row` does not meet."""
    from fupin.checks.data import GUARANTEE_TITLES

    hh = data.households
    return [GUARANTEE_TITLES[g] for g in GUARANTEES if not bool(getattr(hh, f"{g}_ok")[row])]


def parts_per_capita(data: CheckData) -> np.ndarray:
    """Per-capita income recomputed from the four sources and the household size."""
    hh = data.households
    parts = hh.income_wages + hh.income_business + hh.income_property + hh.income_transfers
    return np.asarray(parts / np.maximum(hh.size, 1), dtype=np.float64)


def own_lines(data: CheckData) -> tuple[np.ndarray, np.ndarray]:
    """Each household's identification line and the name of its standard: the national line of
    its income year, or the limit of the relative standard it was identified under."""
    line = np.array(data.income_line(), dtype=np.float64)
    names = np.full(len(line), "国家扶贫标准", dtype=object)
    codes = data.households.own_standard
    if codes is None:
        return line, names
    codes = np.asarray(codes, dtype=str)
    for code in np.unique(codes):
        if code in ("", NATIONAL.code):
            continue
        standard = find_standard(str(code), data.standards)
        rule = standard.household_rule
        if isinstance(rule, RelativeIncomeRule):
            mask = codes == code
            line[mask] = rule.limit
            names[mask] = standard.name
    return line, names


def _far_above_line(data: CheckData) -> Flags:
    hh = data.households
    line, names = own_lines(data)
    # Both the recorded figure and the one the parts give must be far above: a per-capita
    # figure that merely disagrees with its parts is income.per_capita_inconsistent's business.
    pc = np.minimum(hh.income_per_capita, parts_per_capita(data))
    mask = hh.still_poor & (pc > FAR_ABOVE_LINE_FACTOR * line) & guarantees_met(data)

    def why(rows: IntArray) -> list[str]:
        return [
            f"未脱贫户人均纯收入 {hh.income_per_capita[r]:.0f} 元，为{names[r]} {line[r]:.0f} 元的 "
            f"{hh.income_per_capita[r] / line[r]:.1f} 倍（超过 {FAR_ABOVE_LINE_FACTOR} 倍），"
            "且“两不愁三保障”无缺项"
            for r in rows
        ]

    return Flags.build(mask, why)


def _not_registered_but_poor(data: CheckData) -> Flags:
    hh = data.households
    years = np.where(hh.income_year > 0, hh.income_year, data.year)
    poor = identify_arrays(
        hh.income_per_capita,
        year=years,
        food_ok=hh.food_ok,
        clothing_ok=hh.clothing_ok,
        education_ok=hh.education_ok,
        medical_ok=hh.medical_ok,
        housing_ok=hh.housing_ok,
        water_ok=hh.water_ok,
        lines=data.lines,
    )
    mask = ~hh.in_registry & poor
    line = data.income_line()

    def why(rows: IntArray) -> list[str]:
        out = []
        for r in rows:
            failed = failed_guarantees(data, int(r))
            if hh.income_per_capita[r] <= line[r]:
                out.append(
                    f"未建档立卡，人均纯收入 {hh.income_per_capita[r]:.0f} 元不高于国家扶贫标准 "
                    f"{line[r]:.0f} 元"
                )
            else:
                out.append("未建档立卡，“两不愁三保障”有缺项：" + "、".join(failed))
        return out

    return Flags.build(mask, why)


RULES = (
    Rule(
        id="identification.far_above_line",
        title="未脱贫户收入远超扶贫标准且“两不愁三保障”无缺项（疑似错评）",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_far_above_line,
    ),
    Rule(
        id="identification.not_registered_but_poor",
        title="未建档立卡户符合识别标准（疑似漏评）",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_not_registered_but_poor,
    ),
)
