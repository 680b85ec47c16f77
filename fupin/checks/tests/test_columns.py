"""The columnar input's fast paths agree with the plain way: Arrow tables in any row order, ID
numbers as bytes or text, ages computed for a few members only."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pytest

from fupin.checks import from_arrow, run_checks
from fupin.checks.data import DataError
from fupin.checks.members import _sort_keys
from fupin.checks.tests.builders import House, Member, build, id_number
from fupin.synth import generate, preset


@pytest.fixture(scope="module")
def county() -> tuple[pa.Table, pa.Table, pa.Table, int]:
    config = preset("demo", recording_error_rate=0.1, check_error_rate=0.05)
    b = next(iter(generate(config)))
    return b.households, b.persons, b.events, config.year


def _flagged(
    households: pa.Table, persons: pa.Table, events: pa.Table, year: int
) -> dict[str, list[bytes]]:
    data = from_arrow(households, persons, year=year, events=events)
    result = run_checks(data)
    return {r.id: sorted(data.households.household_no[r.rows].tolist()) for r in result.rules}


def test_from_arrow_finds_each_members_household_whatever_the_row_order(county) -> None:  # type: ignore[no-untyped-def]
    households, persons, events, year = county
    rng = np.random.default_rng(7)
    shuffled = persons.take(pa.array(rng.permutation(persons.num_rows)))
    chunked = pa.concat_tables([events.slice(0, 5), events.slice(5)])
    data = from_arrow(households, shuffled, year=year, events=chunked)
    expected = shuffled.column("household_no").to_pylist()
    got = data.households.household_no[data.persons.household]
    assert [g.decode() if isinstance(g, bytes) else g for g in got] == expected
    assert _flagged(households, shuffled, chunked, year) == _flagged(
        households, persons, events, year
    )


def test_from_arrow_refuses_a_member_of_an_unknown_household(county) -> None:  # type: ignore[no-untyped-def]
    households, persons, events, year = county
    stray = persons.slice(0, 1).set_column(
        persons.schema.get_field_index("household_no"),
        "household_no",
        pa.array(["6201219999999999"]),
    )
    with pytest.raises(DataError, match="not in the households table"):
        from_arrow(households, pa.concat_tables([persons, stray]), year=year, events=events)


def test_id_number_sort_keys_are_equal_exactly_when_the_numbers_are() -> None:
    ids = np.array(
        [id_number(1), id_number(2), id_number(1), "62012119800101003X", "62012119800101003X"],
        dtype="S18",
    )
    keys = _sort_keys(ids)
    assert keys.dtype == np.int64
    assert (keys[:, None] == keys[None, :]).tolist() == (ids[:, None] == ids[None, :]).tolist()
    # Anything not written canonically is compared as it is.
    for odd in (b"62012119800101003x", b"6201211980 101003X", b"62012119800101003:"):
        mixed = np.array([*ids, odd], dtype="S18")
        assert _sort_keys(mixed) is mixed


def test_duplicate_rule_gives_the_same_answer_on_bytes_and_text() -> None:
    twice = id_number(901)
    data = build(
        [
            House(members=[Member(id_number=twice), Member()]),
            House(members=[Member(id_number=twice)]),
            House(),
        ]
    )
    as_bytes = dataclasses.replace(
        data,
        persons=dataclasses.replace(data.persons, id_number=data.persons.id_number.astype("S18")),
    )
    assert _sort_keys(as_bytes.persons.id_number).dtype == np.int64  # the fast path is taken
    for d in (data, as_bytes):
        rule = next(r for r in run_checks(d).rules if r.id == "members.duplicate")
        assert rule.rows.tolist() == [0, 1]
        assert "2 次" in rule.reasons[0]


def test_ages_of_some_members_match_the_ages_of_all() -> None:
    data = build([House(members=[Member(birth="2007-12-31"), Member(birth="2008-01-01")])])
    everyone = data.persons.age_at_end_of(2019)
    assert everyone.tolist() == [12, 11]
    assert data.persons.age_at_end_of(2019, np.array([1])).tolist() == [11]
