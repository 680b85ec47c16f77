"""Tests for the national poverty line table and the monitoring range."""

from __future__ import annotations

import numpy as np
import pytest

from fupin.policy.errors import NotInTable, PolicyTableError, StandardNotInForce
from fupin.policy.lines import (
    DEFAULT_LINES,
    DEFAULT_MONITORING,
    IncomeMeasure,
    MonitoringPolicy,
    PovertyLine,
    PovertyLineTable,
    by_year,
)

PUBLISHED = {
    2010: 2300,
    2011: 2536,
    2012: 2625,
    2013: 2736,
    2014: 2800,
    2015: 2855,
    2016: 2952,
    2017: 2952,
    2018: 2995,
    2019: 3218,
    2020: 4000,
}


def test_default_table_holds_the_published_line_for_every_year_2010_to_2020() -> None:
    assert {y: DEFAULT_LINES.yuan(y) for y in DEFAULT_LINES.years} == PUBLISHED


def test_every_year_has_a_source() -> None:
    for row in DEFAULT_LINES.rows:
        assert len(row.source) > 10


def test_2010_line_is_the_2300_yuan_standard_set_in_2011() -> None:
    assert "2011 年中央扶贫开发工作会议" in DEFAULT_LINES.line(2010).source


def test_2020_line_is_marked_approximate_and_says_so() -> None:
    line = DEFAULT_LINES.line(2020)
    assert line.approximate and not DEFAULT_LINES.line(2019).approximate
    assert "约" in line.source and "国务院扶贫办" in line.source
    assert line.label == "2020 年国家扶贫标准 约 4000 元"


def test_income_measure_is_net_income_until_2013_and_disposable_from_2014() -> None:
    assert DEFAULT_LINES.line(2013).income_measure is IncomeMeasure.NET
    assert DEFAULT_LINES.line(2014).income_measure is IncomeMeasure.DISPOSABLE
    assert IncomeMeasure.NET.label == "人均纯收入"


def test_year_outside_the_table_raises_a_clear_error() -> None:
    with pytest.raises(NotInTable, match="no national poverty line for 2021.*2010–2020"):
        DEFAULT_LINES.line(2021)
    with pytest.raises(LookupError):
        DEFAULT_LINES.yuan(2009)


def test_bulk_lookup_matches_the_scalar_lookup() -> None:
    years = np.array([[2010, 2017], [2020, 2017]])
    expected = np.array([[2300.0, 2952.0], [4000.0, 2952.0]])
    assert np.array_equal(DEFAULT_LINES.yuan_for(years), expected)
    assert DEFAULT_LINES.yuan_for(2019).shape == ()


def test_bulk_lookup_rejects_unknown_years() -> None:
    with pytest.raises(NotInTable):
        DEFAULT_LINES.yuan_for([2015, 2030])
    with pytest.raises(NotInTable, match="1000000000"):
        DEFAULT_LINES.yuan_for([2015, 10**9])  # a wide span takes the sorting path


def test_by_year_calls_once_per_distinct_year_and_keeps_the_shape() -> None:
    calls: list[int] = []

    def twice(year: int) -> int:
        calls.append(year)
        return 2 * year

    years = np.array([[2019, 2016], [2019, 2019]])
    assert by_year(years, twice, np.int64).tolist() == [[4038, 4032], [4038, 4038]]
    assert sorted(calls) == [2016, 2019]
    wide = np.array([5, 20_000, 5])
    assert by_year(wide, twice, np.int64).tolist() == [10, 40_000, 10]
    assert by_year(np.zeros(0, np.int64), twice, bool).shape == (0,)


def test_table_round_trips_through_plain_rows() -> None:
    assert PovertyLineTable.from_rows(DEFAULT_LINES.as_rows()) == DEFAULT_LINES


def test_table_from_database_style_rows_accepts_strings() -> None:
    table = PovertyLineTable.from_rows(
        [{"year": "2021", "yuan": "4100.5", "source": "省扶贫办", "income_measure": "disposable"}]
    )
    assert table.yuan(2021) == 4100.5
    assert table.line(2021).income_measure is IncomeMeasure.DISPOSABLE


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"yuan": 1, "source": "x"}, "missing 'year'"),
        ({"year": 2020, "yuan": "abc", "source": "x"}, "'yuan' must be a number"),
        ({"year": 2020.5, "yuan": 1, "source": "x"}, "whole number"),
        ({"year": 2020, "yuan": 1, "source": ""}, "missing 'source'"),
        ({"year": 2020, "yuan": -5, "source": "x"}, "must be positive"),
        ({"year": 2020, "yuan": 1, "source": "x", "income_measure": "gross"}, "income_measure"),
    ],
)
def test_bad_rows_are_rejected_with_the_reason(row: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyTableError, match=message):
        PovertyLineTable.from_rows([row])


def test_two_rows_for_one_year_are_rejected() -> None:
    row = PovertyLine(2015, 2855, "x")
    with pytest.raises(PolicyTableError, match="two rows for 2015"):
        PovertyLineTable((row, row))


def test_replaced_overrides_one_year_and_leaves_the_default_alone() -> None:
    table = DEFAULT_LINES.replaced(PovertyLine(2017, 3000, "某省自定标准"))
    assert table.yuan(2017) == 3000 and table.yuan(2016) == 2952
    assert DEFAULT_LINES.yuan(2017) == 2952


def test_monitoring_range_2021_is_6000_yuan() -> None:
    limit, label = DEFAULT_MONITORING.income_limit(2021)
    assert limit == 6000 and "6000 元" in label


def test_monitoring_range_without_an_explicit_row_is_1_5_times_the_line() -> None:
    limit, label = DEFAULT_MONITORING.income_limit(2020)
    assert limit == 6000 and "1.5 倍" in label


def test_monitoring_multiple_is_configurable() -> None:
    policy = MonitoringPolicy(line_multiple=1.6)
    assert policy.income_limit(2020)[0] == pytest.approx(6400)


def test_monitoring_before_2020_or_without_a_range_is_an_error() -> None:
    with pytest.raises(StandardNotInForce):
        DEFAULT_MONITORING.income_limit(2019)
    with pytest.raises(NotInTable, match="no monitoring range for 2022"):
        DEFAULT_MONITORING.income_limit(2022)


def test_monitoring_ranges_load_from_rows() -> None:
    policy = MonitoringPolicy.from_rows(
        [{"year": 2022, "income_below": 6500, "source": "省乡村振兴局"}], income_fall_share=0.3
    )
    assert policy.income_limit(2022)[0] == 6500
    assert policy.income_fall_share == 0.3
