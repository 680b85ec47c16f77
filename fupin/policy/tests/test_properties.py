"""Property tests: the scalar and array rules agree, and the rules relate as the policy says."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fupin.policy.facts import HouseholdFacts
from fupin.policy.identification import (
    exit_eligible,
    exit_eligible_arrays,
    identify,
    identify_arrays,
    in_monitoring_range,
    is_wrong_exit,
)
from fupin.policy.lines import DEFAULT_LINES
from fupin.policy.zones import Figure, Zone, decide

YEARS = st.sampled_from(DEFAULT_LINES.years)
# Incomes near the lines, the lines themselves, and far away, so boundaries are hit often.
INCOMES = st.one_of(
    st.sampled_from([float(r.yuan) for r in DEFAULT_LINES.rows]),
    st.floats(min_value=-2000, max_value=20000, allow_nan=False),
    st.integers(2200, 4100).map(float),
)


@st.composite
def households(draw: st.DrawFn, year: int) -> HouseholdFacts:
    return HouseholdFacts(
        income_per_capita=draw(INCOMES),
        size=draw(st.integers(1, 10)),
        food_ok=draw(st.booleans()),
        clothing_ok=draw(st.booleans()),
        education_ok=draw(st.booleans()),
        medical_ok=draw(st.booleans()),
        housing_ok=draw(st.booleans()),
        water_ok=draw(st.booleans())
        if year >= 2019
        else draw(st.sampled_from([None, True, False])),
    )


@st.composite
def panels(draw: st.DrawFn) -> tuple[list[int], list[HouseholdFacts]]:
    years = draw(st.lists(YEARS, min_size=1, max_size=40))
    return years, [draw(households(y)) for y in years]


def _columns(hs: list[HouseholdFacts], years: list[int]) -> dict[str, object]:
    return {
        "year": np.array(years),
        "food_ok": np.array([h.food_ok for h in hs]),
        "clothing_ok": np.array([h.clothing_ok for h in hs]),
        "education_ok": np.array([h.education_ok for h in hs]),
        "medical_ok": np.array([h.medical_ok for h in hs]),
        "housing_ok": np.array([h.housing_ok for h in hs]),
        # Water is unrecorded (None) before 2019; any value there is ignored by the rule.
        "water_ok": np.array([bool(h.water_ok) for h in hs]),
    }


@given(panels())
def test_identify_arrays_agrees_with_identify(
    panel: tuple[list[int], list[HouseholdFacts]],
) -> None:
    years, hs = panel
    income = np.array([h.income_per_capita for h in hs])
    bulk = identify_arrays(income, **_columns(hs, years))  # type: ignore[arg-type]
    assert bulk.tolist() == [identify(h, y).poor for h, y in zip(hs, years, strict=True)]


@given(panels(), st.sampled_from([0.0, 0.5, 100.0, 500.0]))
def test_exit_eligible_arrays_agrees_with_exit_eligible(
    panel: tuple[list[int], list[HouseholdFacts]], margin: float
) -> None:
    years, hs = panel
    income = np.array([h.income_per_capita for h in hs])
    bulk = exit_eligible_arrays(income, stable_margin=margin, **_columns(hs, years))  # type: ignore[arg-type]
    scalar = [
        exit_eligible(h, y, stable_margin=margin).eligible for h, y in zip(hs, years, strict=True)
    ]
    assert bulk.tolist() == scalar


@given(YEARS.flatmap(lambda y: st.tuples(st.just(y), households(y))))
def test_with_no_margin_exit_is_exactly_not_poor(case: tuple[int, HouseholdFacts]) -> None:
    year, h = case
    assert exit_eligible(h, year).eligible == (not identify(h, year).poor)
    assert is_wrong_exit(h, year) == identify(h, year).poor


@given(
    YEARS.flatmap(lambda y: st.tuples(st.just(y), households(y))),
    st.floats(min_value=0, max_value=3000),
)
def test_a_larger_margin_never_makes_more_households_eligible(
    case: tuple[int, HouseholdFacts], margin: float
) -> None:
    year, h = case
    if exit_eligible(h, year, stable_margin=margin).eligible:
        assert exit_eligible(h, year).eligible


@given(YEARS.flatmap(lambda y: st.tuples(st.just(y), households(y))))
def test_every_result_has_reasons_and_poor_reasons_are_failures(
    case: tuple[int, HouseholdFacts],
) -> None:
    year, h = case
    result = identify(h, year)
    assert result.reasons and result.explain()
    failure_codes = {"income_above_line", "guarantees_met"}
    assert all((r.code in failure_codes) != result.poor for r in result.reasons)


@given(households(2020))
def test_poor_households_in_2020_are_in_the_monitoring_range(h: HouseholdFacts) -> None:
    # The range (1.5 × the line) contains everything the line does.
    if identify(h, 2020).poor:
        assert in_monitoring_range(h, 2020).in_range


@given(
    st.sampled_from(list(Figure)),
    st.floats(min_value=0, max_value=1),
    st.sampled_from(list(Zone)),
)
def test_decisions_are_monotone_in_the_value(figure: Figure, value: float, zone: Zone) -> None:
    # Rates pass only when low enough, recognition only when high enough: never a score.
    result = decide(figure, value, zone)
    if result.passed:
        nudged = value / 2 if figure is not Figure.RECOGNITION else (1 + value) / 2
        assert decide(figure, nudged, zone).passed
