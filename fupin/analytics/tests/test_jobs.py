"""The analytics jobs on DuckDB and on Spark (local mode): the checks flag exactly the households
the NumPy engine flags, the matching finds exactly what fupin.matching finds, every job writes
the same Parquet on both engines, and the command and the spark-submit entry point run them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from fupin.analytics import checks as ck
from fupin.analytics.engines import DuckDBEngine, SnapshotURI, SparkEngine, canonical
from fupin.analytics.jobs import JOBS, outputs, read_output, run_jobs
from fupin.analytics.matching import key_list
from fupin.analytics.snapshot import Snapshot
from fupin.analytics.tests.conftest import SECRET
from fupin.analytics.tests.planted import OWN_STANDARDS, plant
from fupin.checks import from_arrow, run_checks
from fupin.matching import BY_CODE, DepartmentList, match_lists
from fupin.synth import CountyBatch, generate, preset
from fupin.synth.departments import DepartmentSettings, make_departments, registry_members
from fupin.testing.snapshots import snapshot_from_batches

YEAR = 2019  # the demo preset's year
# two problem lists and every consistency list (低保, 残联, 教育学籍, 卫健大病, 住建危房)
LIST_KINDS = (
    "deaths",
    "vehicles",
    "dibao",
    "disability",
    "school_roll",
    "serious_illness",
    "dangerous_house",
)


@pytest.fixture(scope="module")
def planted() -> list[CountyBatch]:
    return plant(list(generate(preset("demo", check_error_rate=0.02))), YEAR)


@pytest.fixture(scope="module")
def snapshot(planted: list[CountyBatch], tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    return snapshot_from_batches(planted, tmp_path_factory.mktemp("snap"), secret=SECRET)


@pytest.fixture(scope="module")
def lists(planted: list[CountyBatch]) -> dict[str, pa.Table]:
    data = make_departments(
        registry_members(planted),
        preset("demo"),
        DepartmentSettings(kinds=LIST_KINDS, rows=3000, planted_rate=0.02),
    )
    return data.lists


@pytest.fixture(scope="module")
def keyed(lists: dict[str, pa.Table], tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("keyed")
    files = []
    for kind, table in lists.items():
        path = folder / f"{kind}.parquet"
        pq.write_table(
            key_list(table.column("身份证号"), kind=kind, source=f"{kind}.csv", secret=SECRET), path
        )
        files.append(str(path))
    return files


@pytest.fixture(scope="module")
def engines(
    snapshot: Snapshot, keyed: list[str], spark: Any
) -> Iterator[dict[str, DuckDBEngine | SparkEngine]]:
    duck = DuckDBEngine(snapshot)
    sp = SparkEngine(snapshot, spark)
    from fupin.analytics.jobs import bind_lists

    for e in (duck, sp):
        bind_lists(e, keyed)
    yield {"duckdb": duck, "spark": sp}
    duck.close()
    sp.close()


@pytest.fixture(scope="module")
def written(
    engines: dict[str, Any], keyed: list[str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Every job run once on each engine (Spark queries are slow to start: each runs once)."""
    outs = {}
    for name, e in engines.items():
        outs[name] = tmp_path_factory.mktemp(name)
        runs = run_jobs(e, list(JOBS), str(outs[name]), year=YEAR, keyed_lists=keyed)
        assert [r.job for r in runs] == list(JOBS)
    return outs


def _flagged(table: pa.Table, rule: str) -> list[str]:
    rows = table.filter(table.column(ck.column(rule)))
    return sorted(rows.column("household_no").to_pylist())


def test_checks_flag_the_same_households_as_the_numpy_engine_on_both_engines(
    planted: list[CountyBatch], written: dict[str, Path]
) -> None:
    data = from_arrow(
        pa.concat_tables([b.households for b in planted]),
        pa.concat_tables([b.persons for b in planted]),
        year=YEAR,
        events=pa.concat_tables([b.events for b in planted]),
    )
    numpy_flags = {r.id: sorted(r.household_no) for r in run_checks(data).rules if r.ran}
    assert set(numpy_flags) == set(ck.SNAPSHOT_RULES)  # the ledger rules cannot run on either
    on = {
        name: _written(out, "checks", "check_flags", lambda: ck.check_flags(YEAR))
        for name, out in written.items()
    }
    assert on["spark"].equals(on["duckdb"])
    for rule in ck.SNAPSHOT_RULES:
        assert numpy_flags[rule], f"nothing planted for {rule}"
        assert _flagged(on["duckdb"], rule) == numpy_flags[rule], rule


def test_checks_judge_each_household_by_its_own_standard_on_both_engines(
    planted: list[CountyBatch], engines: dict[str, Any]
) -> None:
    """With relative standards for the planted households' place and year, both engines and the
    NumPy engine flag the same households, and the standard changes which (issue #15)."""
    tables = {
        name: pa.concat_tables([getattr(b, name) for b in planted])
        for name in ("households", "persons", "events")
    }
    own = from_arrow(
        tables["households"],
        tables["persons"],
        year=YEAR,
        events=tables["events"],
        standards=OWN_STANDARDS,
    )
    numpy_flags = {r.id: sorted(r.household_no) for r in run_checks(own).rules if r.ran}
    expr = ck.check_flags(YEAR, standards=OWN_STANDARDS)
    on = {name: canonical(e.to_pyarrow(expr), expr) for name, e in engines.items()}
    assert on["spark"].equals(on["duckdb"])
    for rule in ck.SNAPSHOT_RULES:
        assert _flagged(on["duckdb"], rule) == numpy_flags[rule], rule
    hh = tables["households"].to_pylist()
    planted_as = {
        k: {h["household_no"] for h in hh if h["standard"] == k} for k in ("provincial", "city")
    }
    assert all(len(v) == 2 for v in planted_as.values())
    far = set(_flagged(on["duckdb"], "identification.far_above_line"))
    national = ck.check_flags(YEAR)
    far_national = set(
        _flagged(engines["duckdb"].to_pyarrow(national), "identification.far_above_line")
    )
    # Far above the national line, not above 1.5 × Gansu's 5000; the reverse under Lanzhou's 2000.
    assert planted_as["provincial"] <= far_national and not planted_as["provincial"] & far
    assert planted_as["city"] <= far and not planted_as["city"] & far_national


def test_the_jobs_read_the_standards_recorded_in_the_snapshot() -> None:
    from fupin.analytics.jobs import snapshot_standards

    class Recorded:
        def manifest(self) -> dict[str, Any]:
            return {"standards": [s.as_dict() for s in OWN_STANDARDS[-2:]]}

    class Older:
        def manifest(self) -> dict[str, Any]:
            return {}

    assert snapshot_standards(Recorded()) == OWN_STANDARDS  # type: ignore[arg-type]
    assert snapshot_standards(Older()) == OWN_STANDARDS[:-2]  # type: ignore[arg-type]


def test_check_rules_take_their_titles_from_fupin_checks() -> None:
    from fupin.checks import BY_ID

    rows = ck.rules_table()
    assert [r["rule"] for r in rows] == list(ck.SNAPSHOT_RULES)
    assert all(r["title"] == BY_ID[r["rule"]].title for r in rows)
    assert set(ck.NOT_IN_SNAPSHOT) == {
        "ledgers.no_plan", "ledgers.plan_without_measures", "ledgers.no_visit_this_year",
        "exits.no_public_notice",
    }  # fmt: skip


def test_matching_finds_what_fupin_matching_finds_on_both_engines(
    planted: list[CountyBatch], lists: dict[str, pa.Table], written: dict[str, Path]
) -> None:
    members = registry_members(planted)
    expected = match_lists(
        members,
        [DepartmentList(BY_CODE[k], f"{k}.csv", t, "身份证号") for k, t in lists.items()],
    )
    cols = ["household_no", "kind", "source", "list_row", "flag", "reason"]

    def as_set(t: pa.Table, names: list[str]) -> set[tuple[Any, ...]]:
        return set(zip(*(t.column(c).to_pylist() for c in names), strict=True))

    want = as_set(expected.matches, cols)
    assert any(not f for *_, f, _ in want) and any(f for *_, f, _ in want)  # confirmations too
    for k in ("dibao", "disability", "school_roll", "serious_illness", "dangerous_house"):
        # each consistency list confirms and flags a disagreement
        assert {f for _, kind, _, _, f, _ in want if kind == k} == {True, False}, k
    # a household fact and a member fact the registry claims but the list lacks
    assert {"dibao", "school_roll"} <= set(expected.missing.column("kind").to_pylist())
    miss_cols = ["household_no", "kind", "source", "reason"]
    for name, out in written.items():
        got = read_output(out, "matching", "department_matches")
        assert as_set(got, cols) == want, name
        assert got.num_rows == expected.matches.num_rows, name
        missing = read_output(out, "matching", "department_missing")
        assert as_set(missing, miss_cols) == as_set(expected.missing, miss_cols), name
        summary = read_output(out, "matching", "department_lists").to_pylist()
        assert {r["kind"]: r["invalid"] for r in summary} == {
            s.kind: s.invalid for s in expected.lists
        }, name
        assert {r["kind"]: r["flagged_households"] for r in summary} == {
            s.kind: s.flagged_households for s in expected.lists
        }, name
    assert expected.missing.num_rows > 0
    invalid = {s.kind: s.invalid for s in expected.lists}
    keyed = {
        k: key_list(t.column("身份证号"), kind=k, source="x", secret=SECRET)
        for k, t in lists.items()
    }
    assert {k: t.column("id_key").null_count for k, t in keyed.items()} == invalid


def _written(out: Path, job: str, name: str, expr_of: Any) -> pa.Table:
    return canonical(read_output(out, job, name), expr_of())


def test_every_job_writes_the_same_parquet_on_both_engines(
    engines: dict[str, Any], written: dict[str, Path]
) -> None:
    pairs = [(k, f"{k}.csv") for k in LIST_KINDS]
    for job in JOBS:
        for name, output in outputs(job, year=YEAR, lists=pairs).items():
            build = output.build
            duck = _written(written["duckdb"], job, name, build)
            spark = _written(written["spark"], job, name, build)
            assert duck.num_rows > 0, (job, name)
            assert spark.equals(duck), (job, name)
            if name != "check_rules":  # what was written is what the engine computes
                assert duck.equals(engines["duckdb"].to_pyarrow(build())), (job, name)


def test_a_snapshot_given_by_uri_is_read_by_the_engine(
    snapshot: Snapshot, spark: Any, engines: dict[str, Any]
) -> None:
    from fupin.analytics.expressions import region_indicators

    by_uri = SparkEngine(SnapshotURI(snapshot.path.as_uri()), spark)
    try:
        assert by_uri.manifest()["snapshot_id"] == snapshot.snapshot_id
        expr = region_indicators("county")
        assert by_uri.to_pyarrow(expr).equals(engines["duckdb"].to_pyarrow(expr))
    finally:
        by_uri.close()
        # the views are per session: put the module's snapshot back for the other tests
        SparkEngine(snapshot, spark)


def test_the_command_runs_the_jobs_and_keys_the_lists_itself(
    snapshot: Snapshot,
    lists: dict[str, pa.Table],
    written: dict[str, Path],
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    from fupin.cli import main

    monkeypatch.setenv("FUPIN_SECRET_KEY", SECRET)
    pq.write_table(lists["deaths"], tmp_path / "deaths.parquet")
    out = tmp_path / "out"
    code = main(
        [
            "analytics", "--snapshot", str(snapshot.path), "--out", str(out),
            "--jobs", "checks,matching", "--list", f"deaths={tmp_path / 'deaths.parquet'}",
        ]
    )  # fmt: skip
    assert code == 0
    # Without --year the checks are as of the latest income year (the preset's), as `fupin check`.
    expr = ck.check_flags(YEAR)
    assert _written(out, "checks", "check_flags", lambda: expr).equals(
        _written(written["duckdb"], "checks", "check_flags", lambda: expr)
    )
    # Keyed with the snapshot's secret, so the keys meet: the same rows as the deaths list alone.
    cols = ["household_no", "list_row", "flag"]
    matches = read_output(out, "matching", "department_matches")
    everything = read_output(written["duckdb"], "matching", "department_matches")
    deaths = everything.filter(pc.equal(everything.column("kind"), "deaths"))
    assert matches.num_rows > 0
    assert set(matches.column("source").to_pylist()) == {"deaths.parquet"}
    assert sorted(zip(*(matches.column(c).to_pylist() for c in cols), strict=True)) == sorted(
        zip(*(deaths.column(c).to_pylist() for c in cols), strict=True)
    )
    keyed = pq.read_table(next((out / "keyed_lists").glob("*.parquet")))
    assert "id_number" not in keyed.column_names and "身份证号" not in keyed.column_names


def test_the_command_refuses_bad_input_in_chinese(
    snapshot: Snapshot, tmp_path: Path, capsys: Any
) -> None:
    from fupin.cli import main

    base = ["analytics", "--snapshot", str(snapshot.path), "--out", str(tmp_path)]
    assert main([*base, "--jobs", "indicators,typo"]) == 2
    assert "未知的作业 typo" in capsys.readouterr().err
    assert main([*base, "--jobs", "matching"]) == 2
    assert "部门数据比对需要部门名单" in capsys.readouterr().err
    assert main(["analytics", "--snapshot", str(tmp_path)]) == 2
    assert "不是快照文件夹" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*base, "--list", "deaths"])
    assert "--list 应写作 类型=文件" in capsys.readouterr().err


def test_the_spark_submit_entry_point_runs_the_jobs(
    snapshot: Snapshot, written: dict[str, Path], tmp_path: Path
) -> None:
    from fupin.analytics.spark_job import main

    out = tmp_path / "job"
    args = ["--snapshot", snapshot.path.as_uri(), "--out", out.as_uri(), "--year", str(YEAR)]
    assert main([*args, "--jobs", "duplicates"]) == 0
    for name, output in outputs("duplicates", year=YEAR).items():
        build = output.build
        got = _written(out, "duplicates", name, build)
        assert got.num_rows > 0
        assert got.equals(_written(written["duckdb"], "duplicates", name, build)), name
    assert main([*args, "--jobs", "nothing"]) == 2


@pytest.mark.django_db
def test_loaded_aggregates_equal_those_fupin_snapshot_builds(
    snapshot: Snapshot, tmp_path: Path
) -> None:
    from fupin.cli import main
    from fupin.registry.aggregates import aggregates_build
    from fupin.registry.models import RegionAggregate

    def rows(record: Any) -> list[tuple[Any, ...]]:
        return sorted(
            RegionAggregate.objects.filter(snapshot=record).values_list(
                "code",
                "level",
                "households",
                "poor_people",
                "duplicated_people",
                "events",
                "causes",
            )
        )

    built = rows(aggregates_build(snapshot))
    assert (
        main(
            [
                "analytics",
                "--snapshot",
                str(snapshot.path),
                "--out",
                str(tmp_path),
                "--jobs",
                "indicators",
                "--load-aggregates",
            ]
        )  # fmt: skip
        == 0
    )
    from fupin.registry.models import AnalyticsSnapshot

    loaded = rows(AnalyticsSnapshot.objects.get(snapshot_id=snapshot.snapshot_id))
    assert loaded == built and len(loaded) > 20


def test_counts_over_unknown_values_are_zero_on_both_engines(
    snapshot: Snapshot, spark: Any, tmp_path: Path
) -> None:
    """A group whose condition is NULL throughout counts nothing on Spark too (it gave NULL)."""
    import datetime as dt

    from fupin.analytics.expressions import guarantee_gaps
    from fupin.analytics.schema import HOUSEHOLDS
    from fupin.analytics.snapshot import SnapshotWriter

    rows = [
        {"household_id": i, "household_no": f"62012110120100{i:02d}", "size": 3,
         "village_code": "620121101201", "registered": True, "status": "poor"}
        for i in range(1, 4)
    ]  # fmt: skip
    with SnapshotWriter(tmp_path, registry_version=0, taken_at=dt.datetime.now(dt.UTC)) as w:
        w.write_county("620121", {"households": pa.Table.from_pylist(rows, schema=HOUSEHOLDS)})
        unknown = w.finish()
    expr = guarantee_gaps("county")
    duck = DuckDBEngine(unknown)
    sp = SparkEngine(unknown, spark)
    try:
        got = {"duckdb": duck.to_pyarrow(expr), "spark": sp.to_pyarrow(expr)}
    finally:
        duck.close()
        sp.close()
        SparkEngine(snapshot, spark)  # the module's snapshot back in the session's views
    assert got["duckdb"].to_pylist()[0]["food_lacking"] == 0
    assert got["spark"].equals(got["duckdb"])
