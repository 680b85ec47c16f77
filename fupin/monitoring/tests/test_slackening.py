"""Slackening signals come from the recorded events, plans, incomes and measures, and say so when
the data is missing."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.assistance.models import AssistanceMeasure, ExitPlan
from fupin.monitoring.services import monitoring_report_add
from fupin.monitoring.slackening import slackening_signals
from fupin.monitoring.tests.conftest import history
from fupin.regions.models import Region
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db
D = dt.date


def _signals(world: World) -> dict[str, object]:
    result = slackening_signals(county=Region.objects.get(code="621126000000"), until=2021)
    return {"result": result, **{s.code: s for s in result.signals}}


def test_a_household_still_poor_after_its_target_year_raises_two_signals(world: World) -> None:
    a = history(world.household, ("identified", 2016), ("exited", 2019))
    b = history(world.other_household, ("identified", 2016))
    ExitPlan.objects.create(household=a, target_year=2019)
    ExitPlan.objects.create(household=b, target_year=2020)
    s = _signals(world)
    result = s["result"]
    assert result.exit_year == 2020
    assert dict(zip(result.years, result.remaining, strict=True)) == {
        2016: 2,
        2017: 2,
        2018: 2,
        2019: 1,
        2020: 1,
        2021: 1,
    }
    assert dict(zip(result.years, result.planned_remaining, strict=True))[2020] == 0
    assert s["slow_reduction"].state == "raised"
    assert "2020 年末实际 1 户，计划 0 户" in s["slow_reduction"].explanation
    assert s["targets_missed"].state == "raised"
    assert s["targets_missed"].numbers["by_year"] == [
        {"year": 2020, "planned_exits": 1, "missed": 1}
    ]


def test_targets_met_are_clear(world: World) -> None:
    a = history(world.household, ("identified", 2016), ("exited", 2020))
    ExitPlan.objects.create(household=a, target_year=2020)
    s = _signals(world)
    assert s["slow_reduction"].state == "clear" and s["targets_missed"].state == "clear"


def test_without_plans_incomes_measures_or_teams_the_signals_say_so(world: World) -> None:
    history(world.household, ("identified", 2016), ("exited", 2019))
    s = _signals(world)
    assert {
        c: s[c].state
        for c in (
            "slow_reduction",
            "targets_missed",
            "incomes_falling",
            "trainings_stopped",
            "work_teams_withdrawn",
        )
    } == dict.fromkeys(
        (
            "slow_reduction",
            "targets_missed",
            "incomes_falling",
            "trainings_stopped",
            "work_teams_withdrawn",
        ),
        "no_data",
    )
    assert "没有任何脱贫计划" in s["slow_reduction"].explanation


def test_exited_households_income_falling_is_computed_from_reports(world: World) -> None:
    a = history(world.household, ("identified", 2016), ("exited", 2019))
    for year, income in ((2020, 9000), (2021, 7000)):
        monitoring_report_add(
            household=a,
            year=year,
            source="cadre_visit",
            income_per_capita=income,
            user=None,
            date=D(year, 12, 1),
        )
    s = _signals(world)
    assert s["incomes_falling"].state == "raised"
    assert s["incomes_falling"].numbers["by_year"] == [
        {"year": 2021, "households": 1, "mean_previous": 9000.0, "mean_current": 7000.0, "fell": 1}
    ]


def test_employment_measures_stopping_after_exit_raise_the_training_signal(world: World) -> None:
    history(world.household, ("identified", 2016), ("exited", 2019))
    for year in (2019, 2020):
        AssistanceMeasure.objects.create(
            household=world.household,
            kind="employment",
            description="技能培训",
            start_date=D(year, 3, 1),
        )
    s = _signals(world)
    assert s["trainings_stopped"].state == "raised"
    assert "2021" in s["trainings_stopped"].explanation


def test_a_county_that_is_not_a_poor_county_gets_no_signals(world: World) -> None:
    county = Region.objects.get(code="621126000000")
    county.exit_year = None
    county.save(update_fields=["exit_year"])
    result = slackening_signals(county=county, until=2021)
    assert result.signals == [] and "不是已摘帽的贫困县" in result.note
