"""Tests that the fake ID numbers are valid, unique and agree with birth date and sex."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from fupin.policy import idnumber
from fupin.synth.tests.conftest import Columns


def test_every_id_number_is_valid_and_in_its_county(mid: Columns) -> None:
    p = mid["persons"]
    for id_number, household_no in zip(p["id_number"], p["household_no"], strict=True):
        assert (
            idnumber.problems(id_number, known_prefix=household_no[:6], today=dt.date(2020, 1, 1))
            == []
        )


def test_id_numbers_agree_with_birth_date_and_sex(mid: Columns) -> None:
    p = mid["persons"]
    for id_number, birth, sex in zip(p["id_number"], p["birth_date"], p["sex"], strict=True):
        assert idnumber.birth_date(id_number).isoformat() == str(birth)
        assert idnumber.sex(id_number) == sex


def test_id_numbers_are_unique_except_planted_duplicate_members(mid: Columns) -> None:
    p, t = mid["persons"], mid["truth_households"]
    counts = Counter(p["id_number"])
    repeated = {i for i, c in counts.items() if c > 1}
    assert max(counts.values()) <= 2
    dup_households = {
        no
        for no, pl in zip(t["household_no"], t["planted"], strict=True)
        if "duplicate_member" in pl
    }
    holders = {no for i, no in zip(p["id_number"], p["household_no"], strict=True) if i in repeated}
    assert holders == dup_households
    assert len(repeated) == len(dup_households) > 0


def test_households_have_one_head_and_share_a_surname(demo: Columns) -> None:
    p = demo["persons"]
    heads = Counter(
        no for no, rel in zip(p["household_no"], p["relation"], strict=True) if rel == "head"
    )
    assert set(heads.values()) == {1}
    assert len(heads) == len(demo["households"]["household_no"])
    head_surname = {
        no: name[0]
        for no, name, rel in zip(p["household_no"], p["name"], p["relation"], strict=True)
        if rel == "head"
    }
    children = [
        (no, name)
        for no, name, rel in zip(p["household_no"], p["name"], p["relation"], strict=True)
        if rel == "child"
    ]
    same = sum(head_surname[no] == name[0] for no, name in children)
    assert same / len(children) > 0.85


def test_spouses_have_the_other_sex(demo: Columns) -> None:
    p = demo["persons"]
    head_sex = {
        no: s
        for no, s, rel in zip(p["household_no"], p["sex"], p["relation"], strict=True)
        if rel == "head"
    }
    for no, s, rel in zip(p["household_no"], p["sex"], p["relation"], strict=True):
        if rel == "spouse":
            assert s != head_sex[no]
