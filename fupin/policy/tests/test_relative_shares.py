"""Relative standards stored as shares of a provincial average (seed 002), amounts computed."""

from __future__ import annotations

import re

import pytest

from fupin.policy import HouseholdFacts, identify
from fupin.policy.errors import NotInTable, PolicyTableError
from fupin.policy.standards import (
    GUANGDONG_2013,
    GUANGDONG_2016,
    NATIONAL,
    ReferenceIncome,
    RelativeIncomeRule,
    household_standard,
    share_amount,
    standard_from_dict,
)

GUANGDONG_2012 = ReferenceIncome(2012, 10542, "广东省 2012 年统计公报：农村居民人均纯收入")


def test_amounts_are_shares_of_the_average_rounded_to_whole_yuan() -> None:
    assert share_amount(0.33, 10542) == 3479  # 3478.86
    assert share_amount(0.33, 9372) == 3093  # 3092.76
    assert share_amount(0.60, 9372) == 5623  # 5623.2
    assert share_amount(0.5, 101) == 51  # a half rounds up, not to even


def test_guangdong_second_round_is_stored_as_the_seeds_shares() -> None:
    rule, village = GUANGDONG_2013.household_rule, GUANGDONG_2013.village_rule
    assert isinstance(rule, RelativeIncomeRule) and village is not None
    # Seed 002: below 60% (village) and 33% (household) of the province's rural income.
    assert (village.share, rule.share) == (0.60, 0.33)
    assert rule.reference is village.reference and rule.reference is not None
    assert rule.reference.year == 2011 and rule.reference.source


def test_computed_amounts_match_the_published_figures_in_the_source() -> None:
    rule, village = GUANGDONG_2013.household_rule, GUANGDONG_2013.village_rule
    assert isinstance(rule, RelativeIncomeRule) and village is not None
    published = dict(re.findall(r"(\d+)%（(\d+) 元）", GUANGDONG_2013.source))
    assert published == {"60": "5623", "33": "3093"}
    assert village.limit == float(published["60"])
    assert rule.limit == float(published["33"])


def test_a_new_reference_year_moves_the_amount() -> None:
    rule = RelativeIncomeRule(share=0.33, reference=GUANGDONG_2012, basis="2012 年")
    assert rule.limit == 3479
    assert "10542 元的 33%，即 3479 元" in rule.describe()


def test_a_stated_amount_that_contradicts_the_share_is_refused() -> None:
    with pytest.raises(PolicyTableError, match="3479"):
        RelativeIncomeRule(income_below=3500, share=0.33, reference=GUANGDONG_2012)
    with pytest.raises(PolicyTableError, match="reference income"):
        RelativeIncomeRule(share=0.33)
    with pytest.raises(PolicyTableError, match="between 0 and 1"):
        RelativeIncomeRule(share=33, reference=GUANGDONG_2012)
    with pytest.raises(PolicyTableError, match="positive"):
        RelativeIncomeRule(basis="2014 年")


def test_plain_data_keeps_the_shares_and_recomputes_the_amount() -> None:
    data = GUANGDONG_2013.as_dict()
    assert data["household_rule"]["share"] == 0.33  # type: ignore[index]
    assert standard_from_dict(data) == GUANGDONG_2013
    # An office edits the average: the stored amount follows, it is not kept stale.
    data["household_rule"]["reference"]["yuan"] = 10542  # type: ignore[index]
    edited = standard_from_dict(data).household_rule
    assert isinstance(edited, RelativeIncomeRule) and edited.limit == 3479


def test_the_standard_a_household_was_identified_under() -> None:
    village = "441481104201"  # a Guangdong village
    assert household_standard("provincial", village, 2014) is GUANGDONG_2013
    assert household_standard("provincial", village, 2017) is GUANGDONG_2016
    assert household_standard("", village, 2014) is NATIONAL
    assert household_standard("national", village, 2014) is NATIONAL
    with pytest.raises(NotInTable, match="no provincial standard for region 621126"):
        household_standard("provincial", "621126100001", 2014)  # Gansu has none in the table
    with pytest.raises(NotInTable, match="identification year"):
        household_standard("provincial", village, None)


def test_a_guangdong_household_is_judged_against_the_relative_line() -> None:
    facts = HouseholdFacts(
        income_per_capita=3000,
        size=3,
        food_ok=True,
        clothing_ok=True,
        education_ok=True,
        medical_ok=True,
        housing_ok=True,
        water_ok=True,
        has_labour_ability=True,
    )
    assert not identify(facts, 2014).poor  # above the 2014 national line of 2800
    result = identify(facts, 2014, GUANGDONG_2013, village_named=True)
    assert result.poor and result.line == 3093
    assert "3093" in result.explain() and "重点帮扶村" in result.explain()
    outside = identify(facts, 2014, GUANGDONG_2013, village_named=False)
    assert not outside.poor and "不是重点帮扶村" in outside.explain()
