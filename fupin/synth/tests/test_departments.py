"""Synthetic department lists: planted members found exactly, outsiders never, streams apart."""

from __future__ import annotations

import pyarrow as pa
import pytest

from fupin.matching import BY_CODE, KINDS, DepartmentList, match_lists
from fupin.synth import generate, preset
from fupin.synth.departments import DepartmentSettings, make_departments, registry_members, score


@pytest.fixture(scope="module")
def demo() -> tuple[object, pa.Table]:
    config = preset("demo")
    return config, registry_members(generate(config))


def test_exact_key_matching_has_full_recall_and_precision(demo) -> None:  # type: ignore[no-untyped-def]
    config, members = demo
    settings = DepartmentSettings(kinds=tuple(k.code for k in KINDS), rows=4000, variant_rate=0.2)
    data = make_departments(members, config, settings)
    lists = [DepartmentList(BY_CODE[k], k, t, "身份证号") for k, t in data.lists.items()]
    result = match_lists(members, lists)
    found = set(
        zip(
            result.matches.column("kind").to_pylist(),
            result.matches.column("list_row").to_pylist(),
            strict=True,
        )
    )
    scores = score(found, data.labels)
    assert set(scores) == set(data.lists)
    for code, s in scores.items():
        assert s["planted"] > 0, code
        assert s["recall"] == 1.0 and s["precision"] == 1.0, (code, s)
    written = set(data.labels.column("written").to_pylist())
    assert {"spaces", "lower_x", "old15", "garbled"} <= written  # the variants are exercised
    garbled = data.labels.filter(pa.compute.equal(data.labels.column("written"), "garbled"))
    assert result.invalid.num_rows >= garbled.num_rows


def test_every_member_kept_after_death_is_on_the_death_list(demo) -> None:  # type: ignore[no-untyped-def]
    config, members = demo
    data = make_departments(members, config, DepartmentSettings(kinds=("deaths",), rows=1000))
    dead = set(members.filter(members.column("deceased")).column("id_number").to_pylist())
    labelled = set(data.labels.column("id_number").to_pylist())
    assert dead and dead <= labelled


def test_lists_are_reproducible_and_leave_the_registry_alone(demo) -> None:  # type: ignore[no-untyped-def]
    config, members = demo
    s = DepartmentSettings(rows=500)
    a, b = make_departments(members, config, s), make_departments(members, config, s)
    assert all(a.lists[k].equals(b.lists[k]) for k in a.lists) and a.labels.equals(b.labels)
    assert registry_members(generate(config)).equals(members)
    assert all(t.num_rows == 500 for t in a.lists.values())


def test_synth_departments_writes_lists_apart_from_their_labels(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    from fupin.matching import read_list
    from fupin.synth.departments import synth_departments

    rows = synth_departments(preset("demo"), tmp_path, tmp_path / "truth", rows=800)
    assert set(rows) == {k.code for k in KINDS} and set(rows.values()) == {800}
    assert read_list(tmp_path / "departments" / "deaths.parquet", "deaths").id_column == "身份证号"
    labels = pq.read_table(tmp_path / "truth" / "department_labels.parquet")
    assert set(labels.column("kind").to_pylist()) == set(rows)
    assert not (tmp_path / "departments" / "department_labels.parquet").exists()
