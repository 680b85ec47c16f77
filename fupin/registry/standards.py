"""The standard a household was identified under (its 识别标准, village and year), for its page."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import QuerySet

from fupin.policy import Identification, NationalRule, PolicyError, Standard, identify
from fupin.policy.standards import DEFAULT_STANDARDS, household_standard
from fupin.registry.models import Household


@dataclass(frozen=True)
class OwnStandard:
    """The household's own standard (None when it cannot be resolved: `problem` says why), how its
    line is set, and the household judged against it in its income year."""

    standard: Standard | None
    line_text: str
    identification: Identification | None
    problem: str = ""

    @property
    def name(self) -> str:
        return self.standard.name if self.standard is not None else "未知"

    @property
    def is_national(self) -> bool:
        return self.standard is not None and isinstance(self.standard.household_rule, NationalRule)


def standard_of(household: Household) -> Standard:
    """The policy standard the household was identified under; `NotInTable` when none fits."""
    return household_standard(
        household.standard,
        household.village.code,
        household.identified_year or household.income_year,
        DEFAULT_STANDARDS,
    )


def own_standard(household: Household) -> OwnStandard:
    """The household's standard and its identification under it (never silently the national)."""
    try:
        standard = standard_of(household)
    except PolicyError:
        year = household.identified_year or "年度未知"
        return OwnStandard(
            None,
            "",
            None,
            f"{household.get_standard_display()}：{year} 年在本地没有适用的识别标准，无法判断",
        )
    rule = standard.household_rule
    line_text = "国家扶贫标准（按收入年度）" if isinstance(rule, NationalRule) else rule.describe()
    if household.income_year is None:
        return OwnStandard(standard, line_text, None, "收入年度未知，无法判断")
    try:
        # The registry holds no village incomes to judge the village again: whether the village
        # is a named one (重点帮扶村 / 贫困村) is what the region tree records.
        named = bool(household.village.is_poor_village)
        result = identify(
            household.facts(),
            household.income_year,
            standard,
            village_named=named if not isinstance(rule, NationalRule) else None,
        )
    except PolicyError:
        first, last = standard.first_year or "…", standard.last_year or "…"
        return OwnStandard(
            standard,
            line_text,
            None,
            f"收入年度 {household.income_year} 年不在{standard.name}的适用年度"
            f"（{first}—{last}）内，无法判断",
        )
    return OwnStandard(standard, line_text, result)


def own_standard_codes(households: QuerySet[Household], ids: np.ndarray) -> np.ndarray | None:
    """For the checks: the code of the standard each household (rows in `ids` order) was
    identified under, "" for national; None when all are national (the common case, one query).
    A household whose provincial or city standard cannot be resolved keeps "": the checks then
    judge it by the national line, as before."""
    rows = (
        households.exclude(standard__in=("", "national"))
        .values_list("id", "standard", "village__code", "identified_year", "income_year")
        .iterator()
    )
    out: np.ndarray | None = None
    for pk, kind, code, identified, income_year in rows:
        try:
            standard = household_standard(kind, code, identified or income_year)
        except PolicyError:
            continue
        if out is None:
            out = np.full(len(ids), "", dtype=object)
        out[int(np.searchsorted(ids, pk))] = standard.code
    return out
