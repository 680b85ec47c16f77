"""Tests for identification, exit, wrong exit and monitoring, and their explanations."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fupin.policy.errors import NotInTable, PolicyError, StandardNotInForce
from fupin.policy.facts import HouseholdFacts, ReasonCode, VillageFacts
from fupin.policy.identification import (
    exit_eligible,
    exit_eligible_arrays,
    identify,
    identify_arrays,
    identify_village,
    in_monitoring_range,
    is_wrong_exit,
)
from fupin.policy.lines import DEFAULT_LINES, MonitoringPolicy, PovertyLine
from fupin.policy.standards import GUANGDONG_2013, GUANGDONG_2016, NATIONAL, NationalRule, Standard


def facts(**changes: object) -> HouseholdFacts:
    """A household that meets every guarantee, with 5000 yuan per person, unless changed."""
    base = HouseholdFacts(
        income_per_capita=5000,
        size=4,
        food_ok=True,
        clothing_ok=True,
        education_ok=True,
        medical_ok=True,
        housing_ok=True,
        water_ok=True,
        has_labour_ability=True,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# National identification


def test_income_below_the_line_is_poor_and_names_the_line() -> None:
    result = identify(facts(income_per_capita=2650), 2017)
    assert result.poor and result.line == 2952 and result.standard == "national"
    assert result.codes == (ReasonCode.INCOME_AT_OR_BELOW_LINE,)
    assert result.explain() == "人均可支配收入 2650 元 低于 2017 年国家扶贫标准 2952 元"


def test_before_2014_the_explanation_speaks_of_net_income() -> None:
    result = identify(facts(income_per_capita=2000), 2012)
    assert result.explain() == "人均纯收入 2000 元 低于 2012 年国家扶贫标准 2625 元"


def test_income_exactly_at_the_line_is_poor() -> None:
    result = identify(facts(income_per_capita=2952), 2017)
    assert result.poor
    assert "等于 2017 年国家扶贫标准 2952 元" in result.explain()


def test_one_yuan_above_the_line_is_not_poor() -> None:
    assert not identify(facts(income_per_capita=2953), 2017).poor


def test_unsafe_housing_alone_makes_a_household_poor() -> None:
    result = identify(facts(income_per_capita=9000, housing_ok=False), 2018)
    assert result.poor
    assert result.codes == (ReasonCode.HOUSING_NOT_SAFE,)
    assert result.explain() == "住房安全无保障（C/D级危房）"


@pytest.mark.parametrize(
    ("field", "code", "words"),
    [
        ("food_ok", ReasonCode.FOOD_NOT_SECURE, "不愁吃"),
        ("clothing_ok", ReasonCode.CLOTHING_NOT_SECURE, "不愁穿"),
        ("education_ok", ReasonCode.EDUCATION_NOT_SECURE, "义务教育"),
        ("medical_ok", ReasonCode.MEDICAL_NOT_SECURE, "基本医疗"),
        ("housing_ok", ReasonCode.HOUSING_NOT_SAFE, "住房安全"),
        ("water_ok", ReasonCode.WATER_NOT_SAFE, "饮水安全"),
    ],
)
def test_each_failed_guarantee_makes_poor_and_is_named(
    field: str, code: ReasonCode, words: str
) -> None:
    result = identify(facts(**{field: False}), 2019)
    assert result.poor and result.codes == (code,)
    assert words in result.explain()


def test_every_failure_is_listed_income_first() -> None:
    result = identify(facts(income_per_capita=1000, food_ok=False, housing_ok=False), 2016)
    assert result.codes == (
        ReasonCode.INCOME_AT_OR_BELOW_LINE,
        ReasonCode.FOOD_NOT_SECURE,
        ReasonCode.HOUSING_NOT_SAFE,
    )


def test_not_poor_says_by_how_much_income_is_above_and_that_guarantees_are_met() -> None:
    result = identify(facts(income_per_capita=3500), 2017)
    assert not result.poor
    assert result.codes == (ReasonCode.INCOME_ABOVE_LINE, ReasonCode.GUARANTEES_MET)
    assert result.explain() == (
        "人均可支配收入 3500 元 高于 2017 年国家扶贫标准 2952 元，高出 548 元；两不愁三保障均有保障"
    )
    reason = result.reasons[0]
    assert (reason.value, reason.limit) == (3500, 2952)


def test_water_counts_only_from_2019() -> None:
    assert not identify(facts(water_ok=False), 2018).poor
    assert identify(facts(water_ok=False), 2019).poor
    assert "及饮水安全" in identify(facts(), 2019).explain()
    assert "饮水" not in identify(facts(), 2018).explain()


def test_water_must_be_recorded_from_2019_but_not_before() -> None:
    assert not identify(facts(water_ok=None), 2018).poor
    with pytest.raises(PolicyError, match="water safety"):
        identify(facts(water_ok=None), 2019)


def test_year_outside_the_line_table_raises_a_clear_error() -> None:
    with pytest.raises(NotInTable, match="no national poverty line for 2021"):
        identify(facts(), 2021)
    with pytest.raises(NotInTable, match="2009"):
        identify(facts(), 2009)


def test_a_different_line_table_changes_the_answer() -> None:
    lines = DEFAULT_LINES.replaced(PovertyLine(2017, 3600, "省定标准"))
    assert identify(facts(income_per_capita=3500), 2017, lines=lines).poor
    assert not identify(facts(income_per_capita=3500), 2017).poor


def test_a_national_rule_without_water_is_configurable() -> None:
    no_water = dataclasses.replace(NATIONAL, household_rule=NationalRule(water_from=None))
    assert not identify(facts(water_ok=False), 2020, no_water).poor


def test_approximate_2020_line_is_shown_as_approximate() -> None:
    assert "约 4000 元" in identify(facts(income_per_capita=3900), 2020).explain()


# Guangdong's relative standards

KEY_VILLAGE = VillageFacts(income_per_capita=5000, collective_income=50000)
RICH_VILLAGE = VillageFacts(income_per_capita=9000, collective_income=80000)


def test_guangdong_key_village_by_income_or_collective_income() -> None:
    assert identify_village(KEY_VILLAGE, 2013, GUANGDONG_2013).poor
    low_collective = VillageFacts(income_per_capita=9000, collective_income=20000)
    result = identify_village(low_collective, 2013, GUANGDONG_2013)
    assert result.poor and result.codes == (ReasonCode.COLLECTIVE_INCOME_BELOW,)
    result = identify_village(RICH_VILLAGE, 2013, GUANGDONG_2013)
    assert not result.poor
    assert result.codes == (
        ReasonCode.VILLAGE_INCOME_NOT_BELOW,
        ReasonCode.COLLECTIVE_INCOME_NOT_BELOW,
    )


def test_guangdong_key_village_boundaries_are_strictly_below() -> None:
    at_limits = VillageFacts(income_per_capita=5623, collective_income=30000)
    assert not identify_village(at_limits, 2014, GUANGDONG_2013).poor


def test_guangdong_2013_poor_household_needs_key_village_low_income_and_labour() -> None:
    result = identify(facts(income_per_capita=3000), 2013, GUANGDONG_2013, village=KEY_VILLAGE)
    assert result.poor and result.line == 3093
    assert result.codes == (
        ReasonCode.INCOME_BELOW_RELATIVE_LINE,
        ReasonCode.HAS_LABOUR_ABILITY,
        ReasonCode.IN_POOR_VILLAGE,
    )
    assert "3093 元（2011 年）" in result.explain()
    assert "所在村是重点帮扶村" in result.explain()


def test_guangdong_2013_household_without_labour_ability_is_not_named() -> None:
    result = identify(
        facts(income_per_capita=3000, has_labour_ability=False),
        2013,
        GUANGDONG_2013,
        village=KEY_VILLAGE,
    )
    assert not result.poor and result.codes == (ReasonCode.NO_LABOUR_ABILITY,)


def test_guangdong_2013_household_outside_key_village_is_not_named() -> None:
    result = identify(facts(income_per_capita=3000), 2014, GUANGDONG_2013, village=RICH_VILLAGE)
    assert not result.poor and result.codes == (ReasonCode.NOT_IN_POOR_VILLAGE,)
    assert "所在村不是重点帮扶村" in result.explain()


def test_guangdong_2013_income_at_3093_is_not_below() -> None:
    result = identify(facts(income_per_capita=3093), 2013, GUANGDONG_2013, village=KEY_VILLAGE)
    assert not result.poor
    assert result.codes == (ReasonCode.INCOME_NOT_BELOW_RELATIVE_LINE,)


def test_guangdong_2013_needs_the_village_and_labour_facts() -> None:
    with pytest.raises(PolicyError, match="village's facts"):
        identify(facts(income_per_capita=3000), 2013, GUANGDONG_2013)
    with pytest.raises(PolicyError, match="labour ability"):
        identify(
            facts(income_per_capita=3000, has_labour_ability=None),
            2013,
            GUANGDONG_2013,
            village=KEY_VILLAGE,
        )


def test_guangdong_2016_relative_poverty_person_below_4000() -> None:
    result = identify(facts(income_per_capita=3999, has_labour_ability=False), 2017, GUANGDONG_2016)
    assert result.poor
    assert "低于 广东省新时期精准扶贫相对贫困标准（2016—2020）规定的 4000 元" in result.explain()
    assert not identify(facts(income_per_capita=4000), 2017, GUANGDONG_2016).poor


def test_guangdong_2016_village_needs_low_income_and_five_percent_relative_poor() -> None:
    def village(income: float, poor: int) -> VillageFacts:
        return VillageFacts(
            income_per_capita=income, registered_population=1000, relative_poor_persons=poor
        )

    assert identify_village(village(7000, 50), 2016, GUANGDONG_2016).poor
    result = identify_village(village(7000, 49), 2016, GUANGDONG_2016)
    assert not result.poor and result.codes == (ReasonCode.POOR_SHARE_BELOW,)
    assert "4.9% 低于 5%" in result.explain()
    assert not identify_village(village(8000, 300), 2016, GUANGDONG_2016).poor


def test_relative_standard_outside_its_years_is_an_error() -> None:
    with pytest.raises(StandardNotInForce):
        identify(facts(), 2016, GUANGDONG_2013, village=KEY_VILLAGE)
    with pytest.raises(StandardNotInForce):
        identify_village(KEY_VILLAGE, 2012, GUANGDONG_2013)


def test_village_rule_missing_facts_or_missing_rule_are_errors() -> None:
    with pytest.raises(PolicyError, match="collective income"):
        identify_village(VillageFacts(income_per_capita=9000), 2013, GUANGDONG_2013)
    with pytest.raises(PolicyError, match="registered population"):
        identify_village(VillageFacts(income_per_capita=7000), 2016, GUANGDONG_2016)
    with pytest.raises(PolicyError, match="no village rule"):
        identify_village(KEY_VILLAGE, 2016, NATIONAL)


# Exit and wrong exit


def test_exit_needs_income_above_the_line_and_guarantees_met() -> None:
    result = exit_eligible(facts(income_per_capita=3000), 2018)
    assert result.eligible
    assert result.codes == (ReasonCode.INCOME_STABLY_ABOVE_LINE, ReasonCode.GUARANTEES_MET)
    assert not exit_eligible(facts(income_per_capita=2995), 2018).eligible


def test_exit_with_a_stable_margin() -> None:
    result = exit_eligible(facts(income_per_capita=3400), 2018, stable_margin=500)
    assert not result.eligible
    assert result.explain() == (
        "人均可支配收入 3400 元 未稳定高于 2018 年国家扶贫标准 2995 元（要求高出 500 元以上）"
    )
    assert exit_eligible(facts(income_per_capita=3496), 2018, stable_margin=500).eligible
    with pytest.raises(ValueError, match="stable_margin"):
        exit_eligible(facts(), 2018, stable_margin=-1)


def test_exit_blocked_by_a_guarantee_names_it() -> None:
    result = exit_eligible(facts(medical_ok=False), 2019)
    assert not result.eligible and result.codes == (ReasonCode.MEDICAL_NOT_SECURE,)


def test_wrong_exit_is_an_exited_household_below_the_line_or_missing_a_guarantee() -> None:
    assert is_wrong_exit(facts(income_per_capita=2900), 2018)
    assert is_wrong_exit(facts(income_per_capita=2995), 2018)
    assert is_wrong_exit(facts(housing_ok=False), 2018)
    assert not is_wrong_exit(facts(income_per_capita=2996), 2018)


def test_exit_is_judged_against_the_national_line_only() -> None:
    with pytest.raises(PolicyError, match="national line"):
        exit_eligible(facts(), 2017, standard=GUANGDONG_2016)


# Monitoring against return to poverty


def test_income_below_6000_in_2021_is_in_the_monitoring_range() -> None:
    result = in_monitoring_range(facts(income_per_capita=5999), 2021)
    assert result.in_range and result.income_limit == 6000
    assert result.codes == (ReasonCode.INCOME_BELOW_MONITORING_LIMIT,)
    assert not in_monitoring_range(facts(income_per_capita=6000), 2021).in_range


def test_not_in_range_says_income_and_guarantees_hold() -> None:
    result = in_monitoring_range(facts(income_per_capita=8000), 2021)
    assert result.codes == (
        ReasonCode.INCOME_NOT_BELOW_MONITORING_LIMIT,
        ReasonCode.GUARANTEES_MET,
    )


def test_rigid_spending_above_last_years_income_puts_a_household_in_range() -> None:
    household = facts(
        income_per_capita=9000, rigid_spending=40000, last_year_income_per_capita=9000
    )
    result = in_monitoring_range(household, 2021)
    assert result.in_range and result.codes == (ReasonCode.RIGID_SPENDING_HIGH,)
    assert "刚性支出 40000 元 超过上年家庭纯收入 36000 元" in result.explain()
    lower = dataclasses.replace(household, rigid_spending=36000)
    assert not in_monitoring_range(lower, 2021).in_range


def test_large_income_fall_counts_only_when_a_province_sets_it() -> None:
    household = facts(income_per_capita=7000, last_year_income_per_capita=12000)
    assert not in_monitoring_range(household, 2021).in_range
    policy = MonitoringPolicy(
        ranges=(), income_fall_share=0.3, line_multiple=1.5
    )  # 2020 range is then 1.5 × 4000
    result = in_monitoring_range(household, 2020, policy=policy)
    assert result.in_range and result.codes == (ReasonCode.INCOME_FELL_SHARPLY,)


def test_failed_guarantee_puts_an_exited_household_in_range() -> None:
    result = in_monitoring_range(facts(income_per_capita=9000, water_ok=False), 2021)
    assert result.in_range and result.codes == (ReasonCode.WATER_NOT_SAFE,)


# Bulk versions


def test_identify_arrays_matches_the_rule_on_a_small_table() -> None:
    poor = identify_arrays(
        np.array([2000, 2952, 2953, 9000, 9000]),
        year=2017,
        food_ok=True,
        clothing_ok=True,
        education_ok=np.array([True, True, True, False, True]),
        medical_ok=True,
        housing_ok=True,
    )
    assert poor.tolist() == [True, True, False, True, False]


def test_identify_arrays_with_a_year_per_household() -> None:
    poor = identify_arrays(
        [3000, 3000, 3000],
        year=[2018, 2019, 2019],
        food_ok=True,
        clothing_ok=True,
        education_ok=True,
        medical_ok=True,
        housing_ok=True,
        water_ok=[False, True, False],
    )
    assert poor.tolist() == [False, True, True]


def test_identify_arrays_errors_like_the_scalar_version() -> None:
    def bulk(year: int | list[int], **kw: object) -> object:
        return identify_arrays(
            [3000],
            year=year,
            food_ok=True,
            clothing_ok=True,
            education_ok=True,
            medical_ok=True,
            housing_ok=True,
            **kw,  # type: ignore[arg-type]
        )

    with pytest.raises(NotInTable):
        bulk(2021, water_ok=True)
    with pytest.raises(PolicyError, match="water safety"):
        bulk([2018, 2019])
    with pytest.raises(PolicyError, match="national line"):
        bulk(2017, standard=GUANGDONG_2016)


def test_exit_eligible_arrays_marks_wrong_exits() -> None:
    eligible = exit_eligible_arrays(
        [2995, 2996, 3400, 9000],
        year=2018,
        food_ok=True,
        clothing_ok=True,
        education_ok=True,
        medical_ok=True,
        housing_ok=[True, True, True, False],
        stable_margin=0,
    )
    assert eligible.tolist() == [False, True, True, False]


def test_bad_facts_are_rejected() -> None:
    with pytest.raises(ValueError, match="at least one member"):
        facts(size=0)
    with pytest.raises(ValueError, match="finite"):
        facts(income_per_capita=float("nan"))


def test_standards_are_passed_not_looked_up_by_magic() -> None:
    # A standard built at run time (e.g. from the database) works like the defaults.
    strict = Standard(
        "national_strict",
        "严格标准",
        NATIONAL.kind,
        NationalRule(water_from=2016),
        "测试",
    )
    assert identify(facts(water_ok=False), 2016, strict).poor
