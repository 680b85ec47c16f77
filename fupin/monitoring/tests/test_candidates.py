"""The candidate rules flag households below the range, with large falls or rigid spending, and
leave the others alone; the settings are data."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.monitoring.candidates import MonitoringDataError, monitoring_candidates_find
from fupin.monitoring.models import MonitoringReport, MonitoringSettings
from fupin.monitoring.services import monitoring_report_add
from fupin.monitoring.tests.conftest import history, set_income
from fupin.regions.models import Region
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db
COUNTY = "621126000000"


def _find(year: int = 2020) -> dict[str, list[str]]:
    found = monitoring_candidates_find(region=Region.objects.get(code=COUNTY), year=year)
    return {c.household_no: [r["code"] for r in c.reasons] for c in found.candidates}


def _kinds(year: int = 2020) -> dict[str, str]:
    found = monitoring_candidates_find(region=Region.objects.get(code=COUNTY), year=year)
    return {c.household_no: c.kind for c in found.candidates}


def test_an_exited_household_below_one_and_a_half_lines_is_flagged_with_the_numbers(
    world: World,
) -> None:
    h = history(world.household, ("identified", 2016), ("exited", 2019))
    set_income(h, 2020, 5500)  # 1.5 × 4000 = 6000
    set_income(world.other_household, 2020, 6500)
    found = monitoring_candidates_find(region=Region.objects.get(code=COUNTY), year=2020)
    assert [c.household_no for c in found.candidates] == [h.household_no]
    reason = found.candidates[0].reasons[0]
    assert reason["code"] == "income_below_monitoring_limit"
    assert "5500" in reason["message"] and "6000" in reason["message"]
    assert found.candidates[0].kind == "unstable_exited"
    assert found.income_limit == 6000


def test_the_multiple_is_configurable_per_province(world: World) -> None:
    set_income(world.other_household, 2020, 6500)
    assert world.other_household.household_no not in _find()
    MonitoringSettings.objects.create(
        province=Region.objects.get(code="620000000000"), line_multiple=2.0
    )
    assert _find()[world.other_household.household_no] == ["income_below_monitoring_limit"]
    assert _kinds()[world.other_household.household_no] == "marginal_at_risk"


def test_still_poor_households_are_not_monitoring_candidates(world: World) -> None:
    h = history(world.household, ("identified", 2016))
    set_income(h, 2020, 1000)
    assert h.household_no not in _find()


def test_a_large_fall_is_flagged_only_when_the_share_is_set_and_reached(world: World) -> None:
    h = set_income(world.other_household, 2020, 7000)
    monitoring_report_add(
        household=h,
        year=2019,
        source="cadre_visit",
        income_per_capita=12000,
        user=None,
        date=dt.date(2019, 12, 1),
    )
    assert h.household_no not in _find()  # no national share: the rule is off by default
    province = Region.objects.get(code="620000000000")
    MonitoringSettings.objects.create(province=province, income_fall_share=0.5)
    assert h.household_no not in _find()  # fell 42%, below the 50% share
    MonitoringSettings.objects.filter(province=province).update(income_fall_share=0.4)
    assert _find()[h.household_no] == ["income_fell_sharply"]


def test_a_reported_income_overrides_the_registry_for_its_year(world: World) -> None:
    h = set_income(world.other_household, 2020, 7000)
    monitoring_report_add(
        household=h,
        year=2020,
        source="village",
        income_per_capita=5000,
        user=None,
        date=dt.date(2020, 11, 1),
    )
    assert "income_below_monitoring_limit" in _find()[h.household_no]


def test_rigid_spending_above_last_years_income_is_flagged_as_sudden_hardship(
    world: World,
) -> None:
    h = set_income(world.other_household, 2019, 8000)  # household of one: 8000 last year
    monitoring_report_add(
        household=h,
        year=2020,
        source="application",
        rigid_spending=9000,
        spending_kind="medical",
        description="住院",
        user=None,
        date=dt.date(2020, 5, 1),
    )
    codes = _find()[h.household_no]
    assert "rigid_spending_high" in codes and "reported" in codes
    assert _kinds()[h.household_no] == "sudden_hardship"


def test_rigid_spending_below_last_years_income_is_only_the_report(world: World) -> None:
    h = set_income(world.other_household, 2019, 8000)
    monitoring_report_add(
        household=h,
        year=2020,
        source="application",
        rigid_spending=3000,
        spending_kind="education",
        user=None,
        date=dt.date(2020, 5, 1),
    )
    assert _find()[h.household_no] == ["reported"]


def test_a_year_without_a_range_is_refused_in_chinese(world: World) -> None:
    with pytest.raises(MonitoringDataError, match="没有防止返贫监测范围"):
        monitoring_candidates_find(region=Region.objects.get(code=COUNTY), year=2025)


@pytest.mark.slow
def test_forty_thousand_households_take_a_handful_of_queries(
    world: World, django_assert_max_num_queries
) -> None:
    from fupin.registry.models import Household

    village = world.household.village
    Household.objects.bulk_create(
        [
            Household(
                household_no=f"X{i:07d}",
                village=village,
                size=3,
                income_year=2020,
                income_per_capita=3000 + (i % 10) * 500,
                status="",
            )
            for i in range(40_000)
        ]
    )
    with django_assert_max_num_queries(10):
        found = monitoring_candidates_find(region=Region.objects.get(code=COUNTY), year=2020)
    assert len(found.candidates) == 24_000  # incomes 3000–5500 of the ten steps
    assert not MonitoringReport.objects.exists()
