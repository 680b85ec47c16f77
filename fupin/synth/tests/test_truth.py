"""Tests that planted problems have the configured rates and that the truth agrees with the rule."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from fupin.synth import SynthConfig, generate, poverty_line
from fupin.synth.tests.conftest import Columns, columns


def planted(mid: Columns, code: str) -> np.ndarray:
    return np.array([code in p.split(",") for p in mid["truth_households"]["planted"]])


def test_truth_rows_match_registry_rows(mid: Columns) -> None:
    assert (mid["truth_households"]["household_no"] == mid["households"]["household_no"]).all()


def test_planted_rates_are_close_to_the_config(mid: Columns, mid_config: SynthConfig) -> None:
    hh = mid["households"]
    exited = hh["status"] == "exited"
    nonregistered = ~hh["registered"].astype(bool)
    registered = ~nonregistered
    assert planted(mid, "wrong_exit").sum() / exited.sum() == pytest.approx(
        mid_config.wrong_exit_rate, abs=0.002
    )
    assert not planted(mid, "wrong_exit")[~exited].any()
    assert planted(mid, "missed").sum() / nonregistered.sum() == pytest.approx(
        mid_config.missed_rate, abs=0.002
    )
    assert not planted(mid, "missed")[registered].any()
    recording: np.ndarray = np.sum(
        [
            planted(mid, c)
            for c in (
                "income_inconsistent",
                "cause_illness_no_sick",
                "cause_school_no_student",
                "duplicate_member",
                "deceased_member",
            )
        ],
        axis=0,
    )
    assert recording[registered].sum() / registered.sum() == pytest.approx(
        mid_config.recording_error_rate, abs=0.002
    )
    assert not recording[nonregistered].any()


def test_truly_poor_follows_the_national_rule(mid: Columns, mid_config: SynthConfig) -> None:
    t = mid["truth_households"]
    line = poverty_line(mid_config.year)
    assert line == 3218
    guarantees_met = (
        t["true_food_ok"]
        & t["true_clothing_ok"]
        & t["true_education_ok"]
        & t["true_medical_ok"]
        & t["true_housing_ok"]
        & t["true_water_ok"]
    )
    expected = (t["true_income_per_capita"] <= line) | ~guarantees_met
    assert (t["truly_poor"] == expected).all()


def test_wrong_exits_fail_the_truth_and_other_exits_pass(mid: Columns) -> None:
    exited = mid["households"]["status"] == "exited"
    wrong = planted(mid, "wrong_exit")
    truly_poor = mid["truth_households"]["truly_poor"]
    assert wrong.sum() > 50
    assert truly_poor[exited & wrong].all()
    assert not truly_poor[exited & ~wrong].any()
    # Both kinds occur: income below the line, and a guarantee not met.
    income = mid["truth_households"]["true_income_per_capita"]
    assert (income[exited & wrong] <= 3218).any() and (income[exited & wrong] > 3218).any()


def test_missed_households_are_truly_poor_and_other_outsiders_not(mid: Columns) -> None:
    outside = ~mid["households"]["registered"].astype(bool)
    missed = planted(mid, "missed")
    truly_poor = mid["truth_households"]["truly_poor"]
    assert truly_poor[outside & missed].all()
    assert not truly_poor[outside & ~missed].any()


def test_registry_of_exited_households_shows_no_problem(mid: Columns) -> None:
    hh = mid["households"]
    exited = hh["status"] == "exited"
    assert (hh["income_total"][exited] / hh["size"][exited] > 3218 * 0.75).all()
    for flag in ("food_ok", "clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok"):
        assert hh[flag][exited].all(), flag


def test_per_capita_income_agrees_with_total_except_planted(mid: Columns) -> None:
    hh = mid["households"]
    bad = planted(mid, "income_inconsistent")
    computed = hh["income_total"] / hh["size"]
    off = np.abs(hh["income_per_capita"] - computed) > 0.01
    assert (off == bad).all()
    parts = (
        hh["income_wages"] + hh["income_business"] + hh["income_property"] + hh["income_transfers"]
    )
    assert np.allclose(parts, hh["income_total"])
    assert (hh["income_policy_transfers"] <= hh["income_transfers"]).all()
    assert (hh["income_wages"] >= 0).all() and (hh["income_transfers"] >= 0).all()


def test_causes_agree_with_members_except_planted(mid: Columns) -> None:
    p, hh = mid["persons"], mid["households"]
    sick: set[str] = set()
    students: set[str] = set()
    for no, health, school in zip(p["household_no"], p["health"], p["school_status"], strict=True):
        if health in ("chronic", "serious"):
            sick.add(no)
        if school == "in_school":
            students.add(no)
    illness_no_sick = np.array(
        [
            c == "illness" and no not in sick
            for no, c in zip(hh["household_no"], hh["main_cause"], strict=True)
        ]
    )
    school_no_student = np.array(
        [
            c == "schooling" and no not in students
            for no, c in zip(hh["household_no"], hh["main_cause"], strict=True)
        ]
    )
    assert (illness_no_sick == planted(mid, "cause_illness_no_sick")).all()
    assert (school_no_student == planted(mid, "cause_school_no_student")).all()


def test_member_errors_are_on_the_roster(mid: Columns) -> None:
    p, hh, t = mid["persons"], mid["households"], mid["truth_households"]
    rows: dict[str, list[int]] = defaultdict(list)
    for i, no in enumerate(p["household_no"]):
        rows[no].append(i)
    deceased = planted(mid, "deceased_member")
    duplicate = planted(mid, "duplicate_member")
    for j, no in enumerate(hh["household_no"]):
        members = rows[no]
        assert len(members) == hh["size"][j]
        assert p["deceased"][members].any() == deceased[j]
        assert (len(set(p["id_number"][members])) < len(members)) == duplicate[j]
    assert (t["true_size"] == hh["size"] - deceased - duplicate).all()


def test_guarantee_failures_show_in_member_records(mid: Columns) -> None:
    p, hh = mid["persons"], mid["households"]
    dropped = {
        no
        for no, s in zip(p["household_no"], p["school_status"], strict=True)
        if s == "dropped_out"
    }
    uninsured = {no for no, ins in zip(p["household_no"], p["insured"], strict=True) if not ins}
    no = hh["household_no"]
    assert {n for n, ok in zip(no, hh["education_ok"], strict=True) if not ok} == dropped
    assert {n for n, ok in zip(no, hh["medical_ok"], strict=True) if not ok} == uninsured


def test_recognition_is_high_but_not_universal(mid: Columns) -> None:
    share = mid["truth_households"]["recognises_work"].mean()
    assert 0.92 < share < 0.97


def test_distributions_are_plausible(mid: Columns) -> None:
    hh = mid["households"]
    reg = hh["registered"].astype(bool)
    causes = hh["main_cause"][reg]
    assert 0.3 < (causes == "illness").mean() < 0.5
    attrs = hh["attribute"][reg]
    assert (attrs == "ordinary").mean() == pytest.approx(0.75, abs=0.03)
    assert (attrs == "tekun").mean() == pytest.approx(0.05, abs=0.01)
    assert hh["size"][reg].mean() == pytest.approx(49_600 / 12_000, abs=0.08)
    exited = hh["status"] == "exited"
    assert (hh["income_wages"][exited] > hh["income_business"][exited]).mean() > 0.5
    tekun = hh["attribute"] == "tekun"
    assert (hh["income_transfers"][tekun] / hh["income_total"][tekun]).mean() > 0.7
    assert np.median(hh["income_per_capita"][~reg]) > 2 * 3218
    assert np.median(hh["income_per_capita"][hh["status"] == "poor"]) < 3218


@pytest.mark.parametrize("year", [2014, 2016, 2018, 2020])
def test_every_registry_year_gives_consistent_truth(demo_config: SynthConfig, year: int) -> None:
    batch = next(generate(demo_config.replace(year=year)))
    hh, t = columns(batch.households), columns(batch.truth_households)
    line = poverty_line(year)
    met = (
        t["true_food_ok"]
        & t["true_clothing_ok"]
        & t["true_education_ok"]
        & t["true_medical_ok"]
        & t["true_housing_ok"]
    )
    if year >= 2019:
        met &= t["true_water_ok"]
    assert (t["truly_poor"] == ((t["true_income_per_capita"] <= line) | ~met)).all()
    exited = hh["status"] == "exited"
    wrong = np.array(["wrong_exit" in p for p in t["planted"]])
    assert (t["truly_poor"][exited] == wrong[exited]).all()
    assert (hh["income_year"] == year).all()
    identified = np.array([0 if x != x or x is None else x for x in hh["identified_year"]])
    assert identified.max() <= year
    if year == 2014:
        assert not exited.any()
