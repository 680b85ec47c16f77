"""Tests for identification standards as data: national and Guangdong's relative standards."""

from __future__ import annotations

import pytest

from fupin.policy.errors import NotInTable, PolicyTableError, StandardNotInForce
from fupin.policy.lines import IncomeMeasure
from fupin.policy.standards import (
    DEFAULT_STANDARDS,
    GUANGDONG_2013,
    GUANGDONG_2016,
    NATIONAL,
    Combine,
    NationalRule,
    RelativeIncomeRule,
    Standard,
    StandardKind,
    VillageRule,
    find_standard,
    standard_from_dict,
    standards_in_force,
)


def test_national_standard_is_open_ended_and_counts_water_from_2019() -> None:
    assert NATIONAL.kind is StandardKind.NATIONAL and NATIONAL.region_code == ""
    assert NATIONAL.in_force(2010) and NATIONAL.in_force(2030)
    rule = NATIONAL.household_rule
    assert isinstance(rule, NationalRule)
    assert not rule.water_counts(2018) and rule.water_counts(2019)


def test_guangdong_second_round_numbers() -> None:
    rule = GUANGDONG_2013.household_rule
    assert isinstance(rule, RelativeIncomeRule)
    assert (rule.income_below, rule.requires_labour_ability, rule.requires_poor_village) == (
        3093,
        True,
        True,
    )
    village = GUANGDONG_2013.village_rule
    assert village is not None
    assert (village.income_below, village.collective_income_below) == (5623, 30000)
    assert village.combine is Combine.ANY and village.term == "重点帮扶村"
    assert (GUANGDONG_2013.first_year, GUANGDONG_2013.last_year) == (2013, 2015)


def test_guangdong_2016_numbers() -> None:
    rule = GUANGDONG_2016.household_rule
    assert isinstance(rule, RelativeIncomeRule)
    assert rule.income_below == 4000 and "2014" in rule.basis
    assert rule.income_measure is IncomeMeasure.DISPOSABLE
    assert not rule.requires_labour_ability and not rule.requires_poor_village
    village = GUANGDONG_2016.village_rule
    assert village is not None
    assert (village.income_below, village.poor_share_at_least) == (8000, 0.05)
    assert village.combine is Combine.ALL
    assert (GUANGDONG_2016.first_year, GUANGDONG_2016.last_year) == (2016, 2020)


def test_provincial_standards_are_valid_only_in_their_years() -> None:
    assert GUANGDONG_2013.in_force(2015) and not GUANGDONG_2013.in_force(2016)
    with pytest.raises(StandardNotInForce, match="2013–2015, not 2016"):
        GUANGDONG_2013.check_in_force(2016)


def test_standards_in_force_for_a_guangdong_village() -> None:
    codes = [s.code for s in standards_in_force("441481104201", 2014)]
    assert codes == ["national", "guangdong_2013"]
    assert [s.code for s in standards_in_force("441481104201", 2017)] == [
        "national",
        "guangdong_2016",
    ]
    assert [s.code for s in standards_in_force("620102000000", 2017)] == ["national"]


def test_find_standard_by_code() -> None:
    assert find_standard("guangdong_2016") is GUANGDONG_2016
    with pytest.raises(NotInTable, match="no identification standard 'shenzhen'"):
        find_standard("shenzhen")


@pytest.mark.parametrize("standard", DEFAULT_STANDARDS, ids=lambda s: s.code)
def test_every_standard_round_trips_through_plain_data(standard: Standard) -> None:
    assert standard_from_dict(standard.as_dict()) == standard


def test_a_city_standard_can_be_loaded_from_plain_data() -> None:
    data = {
        "code": "city_example",
        "name": "某市相对贫困标准",
        "kind": "city",
        "region_code": "4401",
        "first_year": "2018",
        "last_year": "",
        "source": "市政府文件",
        "household_rule": {"type": "relative_income", "income_below": "5000", "basis": "2017 年"},
        "village_rule": None,
    }
    s = standard_from_dict(data)
    assert s.kind is StandardKind.CITY and s.first_year == 2018 and s.last_year is None
    assert s.applies_to("440106000000") and not s.applies_to("440200000000")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"household_rule": {"type": "magic"}}, "unknown household rule type"),
        ({"household_rule": None}, "missing 'household_rule'"),
        ({"kind": "county"}, "county"),
        ({"region_code": ""}, "needs a region code"),
        ({"first_year": 2016, "last_year": 2013}, "ends before it starts"),
        ({"village_rule": None}, "needs a village rule"),
    ],
)
def test_bad_standard_data_is_rejected(change: dict[str, object], message: str) -> None:
    data = GUANGDONG_2013.as_dict() | change
    with pytest.raises(PolicyTableError, match=message):
        standard_from_dict(data)


def test_national_standard_cannot_have_a_region() -> None:
    with pytest.raises(PolicyTableError, match="cannot have a region"):
        Standard("n", "n", StandardKind.NATIONAL, NationalRule(), "src", region_code="44")


def test_village_rule_share_must_be_a_share() -> None:
    with pytest.raises(PolicyTableError, match="poor share"):
        VillageRule(income_below=8000, basis="", poor_share_at_least=5)
