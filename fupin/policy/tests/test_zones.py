"""Tests for zones, thresholds and pass-or-fail decisions."""

from __future__ import annotations

import pytest

from fupin.policy.errors import NotInTable, PolicyTableError
from fupin.policy.zones import (
    DEFAULT_THRESHOLDS,
    PROVINCES,
    Comparison,
    Figure,
    Outcome,
    Threshold,
    ThresholdTable,
    Zone,
    decide,
    incidence_ok,
    zone_for_province,
)
from fupin.regions.counties import read_counties


def test_twelve_west_and_ten_central_provinces() -> None:
    west = {p.name for p in PROVINCES if p.zone is Zone.WEST}
    central = {p.name for p in PROVINCES if p.zone is Zone.CENTRAL}
    assert len(west) == 12 and len(central) == 10
    assert {"内蒙古自治区", "西藏自治区", "新疆维吾尔自治区", "重庆市"} <= west
    assert {"河北省", "海南省", "黑龙江省"} <= central


def test_zone_for_province_accepts_the_code_or_any_region_code_inside_it() -> None:
    assert zone_for_province("62") is Zone.WEST
    assert zone_for_province("620102000000") is Zone.WEST
    assert zone_for_province("13") is Zone.CENTRAL


def test_province_outside_the_22_has_no_zone() -> None:
    with pytest.raises(NotInTable, match="'44'"):
        zone_for_province("44")


def test_zones_agree_with_the_832_county_list() -> None:
    rows = read_counties()
    assert len(rows) == 832
    for row in rows:
        assert zone_for_province(row.code) == row.zone, row


@pytest.mark.parametrize(
    ("figure", "value", "zone", "outcome"),
    [
        ("incidence", 0.0199, "central", Outcome.PASS),
        ("incidence", 0.02, "central", Outcome.FAIL),
        ("incidence", 0.0299, "west", Outcome.PASS),
        ("incidence", 0.03, "west", Outcome.FAIL),
        ("wrong_exit_rate", 0.0199, None, Outcome.PASS),
        ("wrong_exit_rate", 0.02, "west", Outcome.FAIL),
        ("missed_rate", 0.02, "central", Outcome.FAIL),
        ("missed_rate", 0.0, "central", Outcome.PASS),
        ("recognition", 0.90, "west", Outcome.PASS),
        ("recognition", 0.8999, "west", Outcome.FAIL),
    ],
)
def test_each_figure_is_judged_at_its_threshold(
    figure: str, value: float, zone: str | None, outcome: Outcome
) -> None:
    assert decide(figure, value, zone).outcome is outcome


def test_decision_message_names_figure_value_and_threshold() -> None:
    assert decide("wrong_exit_rate", 0.015).message == "错退率 1.5%，标准为低于 2%，达标"
    assert decide(Figure.INCIDENCE, 0.025, Zone.CENTRAL).message == (
        "综合贫困发生率 2.5%，标准为（中部）低于 2%，未达标"
    )


def test_zone_dependent_figure_without_zone_is_an_error() -> None:
    with pytest.raises(NotInTable, match="depends on the zone"):
        decide("incidence", 0.01)


def test_unknown_figure_and_impossible_share_are_errors() -> None:
    with pytest.raises(NotInTable, match="unknown figure"):
        decide("score", 0.5, "west")
    with pytest.raises(ValueError, match="share"):
        decide("recognition", 95, "west")


def test_village_and_county_exit_incidence() -> None:
    assert incidence_ok(0.019, "central") and not incidence_ok(0.02, "central")
    assert incidence_ok(0.029, Zone.WEST, level="village")
    assert not incidence_ok(0.03, Zone.WEST, level="village")
    with pytest.raises(ValueError, match="level"):
        incidence_ok(0.01, "west", level="township")


def test_thresholds_are_data_a_province_can_override() -> None:
    rows = DEFAULT_THRESHOLDS.as_rows()
    for row in rows:
        if row["figure"] == "village_exit_incidence" and row["zone"] == "west":
            row["limit"] = 0.02  # a western province holding villages to 2%
    table = ThresholdTable.from_rows(rows)
    assert incidence_ok(0.025, "west", level="village")
    assert not incidence_ok(0.025, "west", level="village", thresholds=table)
    assert incidence_ok(0.025, "west", level="county", thresholds=table)


def test_thresholds_round_trip_through_rows() -> None:
    assert ThresholdTable.from_rows(DEFAULT_THRESHOLDS.as_rows()) == DEFAULT_THRESHOLDS


def test_zone_row_wins_over_the_all_zone_row() -> None:
    table = ThresholdTable(
        (
            Threshold(Figure.MISSED_RATE, 0.02, Comparison.BELOW, "all"),
            Threshold(Figure.MISSED_RATE, 0.03, Comparison.BELOW, "west", Zone.WEST),
        )
    )
    assert decide("missed_rate", 0.025, "west", thresholds=table).passed
    assert not decide("missed_rate", 0.025, "central", thresholds=table).passed


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"figure": "incidence", "limit": 2, "comparison": "below", "source": "x"}, r"\[0, 1\]"),
        ({"figure": "score", "limit": 0.1, "comparison": "below", "source": "x"}, "score"),
        ({"figure": "incidence", "limit": 0.1, "comparison": "<", "source": "x"}, "'<'"),
        ({"figure": "incidence", "limit": 0.1, "comparison": "below"}, "missing 'source'"),
    ],
)
def test_bad_threshold_rows_are_rejected(row: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyTableError, match=message):
        ThresholdTable.from_rows([row])


def test_duplicate_thresholds_are_rejected() -> None:
    row = Threshold(Figure.RECOGNITION, 0.9, Comparison.AT_LEAST, "x")
    with pytest.raises(PolicyTableError, match="two thresholds"):
        ThresholdTable((row, row))
