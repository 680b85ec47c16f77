"""The analytics jobs (`fupin analytics`) on DuckDB and on Spark: time and peak memory per job.

    uv run python bench/bench_analytics.py [--households 30000000] [--spark-households N]
        [--preset gansu] [--json FILE]

National part: households generated as `fupin bench --national` generates them (DuckDB, in
chunks, to Parquet: every county of the country, status and income at random), run through the
indicators job on each engine. Those households have no members, events or department lists, so
the national part runs the one job that needs households only. `--spark-households N` runs
Spark on the first N of them only (whole files: the generation splits there), and DuckDB on
those too, for the comparison at the same scale, besides DuckDB on all of them.

Province part: the synthetic preset (`--preset gansu`, optionally its first `--counties N`)
written as a snapshot, five department lists keyed for matching; the checks and the matching
jobs on each engine, with the NumPy checks engine (fupin.checks, what pages and `fupin check`
use) timed beside them, and every engine's outputs compared (they must be identical).

Peak memory is the high-water resident set of this process (DuckDB runs in it) plus, for Spark,
of the JVM it starts (local mode: driver and executors in one JVM), each reset before a job.
A Spark session's start (the JVM) and its warm-up (the indicators job once on an empty
snapshot: class loading and the JIT's first compilations, which a long-running cluster pays
once) are timed apart, as `spark_session`, not inside the first job.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from fupin.analytics.engines import DuckDBEngine, SparkEngine, canonical, spark_session
from fupin.analytics.jobs import outputs, read_output, run_jobs
from fupin.analytics.schema import HOUSEHOLDS
from fupin.analytics.snapshot import SnapshotWriter
from fupin.cli.bench import machine, national_counties, national_households_sql
from fupin.cli.bench_jobs import _status_kib, duck, measure

SECRET = "bench-secret"


def _jvm_pid(engine: Any) -> int | None:
    gateway = getattr(engine.session.sparkContext, "_gateway", None)
    proc = getattr(gateway, "proc", None)
    return getattr(proc, "pid", None)


def _jvm_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_jvm_peak(pid: int) -> None:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def timed(engine: Any, fn: Any) -> dict[str, Any]:
    """Seconds and peak MiB of `fn()`: this process, plus Spark's JVM when there is one."""
    pid = _jvm_pid(engine) if isinstance(engine, SparkEngine) else None
    if pid:
        _reset_jvm_peak(pid)
    m = measure(fn)
    out: dict[str, Any] = {"seconds": round(m.seconds, 2), "python_peak_mib": round(m.peak_mib)}
    if pid:
        out["jvm_peak_mib"] = round(_jvm_kib(pid, "VmHWM") / 1024)
    out["peak_mib"] = out["python_peak_mib"] + out.get("jvm_peak_mib", 0)
    return out


def make_engine(name: str, location: Any, args: argparse.Namespace, tmp: Path) -> Any:
    """The engine on `location`; for Spark, a session started and warmed up first, its seconds
    in `args.spark_starts`."""
    if name == "duckdb":
        return DuckDBEngine(location, threads=args.threads)
    conf = {
        "spark.driver.memory": args.spark_driver_memory,
        "spark.ui.showConsoleProgress": "false",
        **dict(c.split("=", 1) for c in args.conf),
    }
    started = time.perf_counter()
    session = spark_session(args.master, **conf)
    session.sparkContext.setLogLevel("ERROR")
    jvm_s = time.perf_counter() - started
    warm = tmp / f"warm-up-{len(args.spark_starts)}"
    empty = SparkEngine(_empty_snapshot(warm / "snap"), session)
    try:
        run_jobs(empty, ["indicators"], str(warm / "out"), year=args.year)
    finally:
        empty.close()
    args.spark_starts.append(
        {
            "jvm_seconds": round(jvm_s, 2),
            "warm_up_seconds": round(time.perf_counter() - started - jvm_s, 2),
        }
    )
    return SparkEngine(location, session)


def _empty_snapshot(root: Path) -> Any:
    import datetime as dt

    with SnapshotWriter(root, registry_version=0, taken_at=dt.datetime.now(dt.UTC)) as w:
        return w.finish(source="bench national")


def national(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    folder = tmp / "national"
    folder.mkdir()
    con = duck(args.threads)
    n_c = national_counties(con)
    # The snapshot's other household columns, empty: the indicators read the generated ones.
    generated = {
        "household_no",
        "village_code",
        "registered",
        "status",
        "size",
        "income_per_capita",
    }
    duck_types = {"int64": "BIGINT", "int16": "SMALLINT", "double": "DOUBLE", "bool": "BOOLEAN"}
    rest = ", ".join(
        f"CAST(NULL AS {duck_types.get(str(f.type), 'VARCHAR')}) AS {f.name}"
        for f in HOUSEHOLDS
        if f.name not in generated and f.name != "household_id"
    )
    started = time.perf_counter()
    spark_n = min(args.spark_households or args.households, args.households)
    # Chunks split at spark_n, so that Spark's share is whole files.
    bounds = [*range(0, spark_n, args.chunk), *range(spark_n, args.households, args.chunk)]
    files: list[str] = []
    spark_files: list[str] = []
    for k, start in enumerate(bounds):
        end = min(start + args.chunk, spark_n if start < spark_n else args.households)
        path = f"{folder}/part-{k:03d}.parquet"
        con.execute(
            f"COPY (SELECT row_number() OVER () + {start} AS household_id, *, {rest} FROM "
            f"({national_households_sql(start, end, n_c)})) "
            f"TO '{path}' (FORMAT parquet)"
        )
        files.append(path)
        if start < spark_n:
            spark_files.append(path)
    con.close()
    generate_s = time.perf_counter() - started
    snap = _empty_snapshot(tmp / "national-snap")
    out: dict[str, Any] = {
        "households": args.households,
        "spark_households": spark_n,
        "parquet_mib": round(sum(f.stat().st_size for f in folder.glob("*.parquet")) / 2**20),
        "generate_seconds": round(generate_s, 1),
        "jobs": {},
    }
    # (label, engine, files): DuckDB on everything; where Spark takes a share, DuckDB on that
    # share too, so that the two compare at the same scale.
    runs = [(name, name, files if name == "duckdb" else spark_files) for name in args.engines]
    if spark_n < args.households and {"duckdb", "spark"} <= set(args.engines):
        runs.insert(1, ("duckdb_at_spark_scale", "duckdb", spark_files))
    results = {}
    for label, name, parts in runs:
        print(f"  national, {label} …", file=sys.stderr, flush=True)
        engine = make_engine(name, snap, args, tmp)
        try:
            engine.bind("households", parts, HOUSEHOLDS)
            dest = tmp / f"national-out-{label}"
            out["jobs"].setdefault("indicators", {})[label] = timed(
                engine,
                lambda e=engine, d=dest: run_jobs(e, ["indicators"], str(d), year=args.year),
            )
            results[label] = dest
        finally:
            _close(engine)
    # Engines compared on the same households: Spark's share, or all when Spark ran on all.
    same_scale = {k: v for k, v in results.items() if k != "duckdb" or spark_n == args.households}
    out["identical"] = _same(same_scale, "indicators", args.year, [])
    first = next(iter(results.values()))
    out["regions"] = read_output(first, "indicators", "region_indicators").num_rows
    return out


def _close(engine: Any) -> None:
    engine.close()
    if isinstance(engine, SparkEngine):
        engine.session.stop()


def _same(results: dict[str, Path], job: str, year: int, lists: list[tuple[str, str]]) -> bool:
    """Every output of `job` identical across engines (canonically sorted)."""
    if len(results) < 2:
        return True
    for name, output in outputs(job, year=year, lists=lists).items():
        tables = [canonical(read_output(d, job, name), output.build()) for d in results.values()]
        if not all(t.equals(tables[0]) for t in tables[1:]):
            return False
    return True


def province(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from fupin.analytics.matching import key_list
    from fupin.checks import from_arrow, run_checks
    from fupin.matching import BENCH_KINDS
    from fupin.regions.counties import read_counties
    from fupin.synth import generate, preset
    from fupin.synth.departments import DepartmentSettings, make_departments, registry_members
    from fupin.testing.snapshots import snapshot_from_batches

    counties = read_counties(province="甘肃省")
    scaled: dict[str, int] = {}
    if args.counties and args.preset == "gansu":
        # The preset's province totals, scaled to the counties taken.
        share = args.counties / len(counties)
        counties = counties[: args.counties]
        full = preset("gansu")
        scaled = {
            f: max(1, round(getattr(full, f) * share))
            for f in (
                "poor_villages", "nonpoor_villages", "registered_households",
                "registered_persons", "nonregistered_households",
            )
        }  # fmt: skip
    config = preset(args.preset, counties=counties, check_error_rate=0.01, **scaled)
    started = time.perf_counter()
    batches = list(generate(config))
    snap = snapshot_from_batches(batches, tmp / "snap", secret=SECRET)
    members = registry_members(batches)
    data = make_departments(
        members, config, DepartmentSettings(kinds=BENCH_KINDS, rows=args.list_rows)
    )
    keyed = []
    for kind, table in data.lists.items():
        path = tmp / f"keyed-{kind}.parquet"
        pq.write_table(
            key_list(table.column("身份证号"), kind=kind, source=kind, secret=SECRET), path
        )
        keyed.append(str(path))
    prepare_s = time.perf_counter() - started
    rows = snap.manifest["rows"]
    out: dict[str, Any] = {
        "preset": args.preset,
        "counties": len(config.counties),
        "households": rows["households"],
        "persons": rows["persons"],
        "list_rows": {k: t.num_rows for k, t in data.lists.items()},
        "prepare_seconds": round(prepare_s, 1),
        "jobs": {},
    }
    # The NumPy engine, from the generated tables in memory (its input step included).
    year = config.year
    hh = pa.concat_tables([b.households for b in batches])
    ps = pa.concat_tables([b.persons for b in batches])
    ev = pa.concat_tables([b.events for b in batches])
    del batches
    m = measure(lambda h=hh, p=ps, e=ev: run_checks(from_arrow(h, p, year=year, events=e)))
    numpy_flags = {r.id: sorted(r.household_no) for r in m.value.rules if r.ran}
    out["jobs"]["checks"] = {
        "numpy": {"seconds": round(m.seconds, 2), "peak_mib": round(m.peak_mib)}
    }
    del hh, ps, ev, m
    results = {}
    pairs = [(k, k) for k in data.lists]
    for name in args.engines:
        print(f"  {args.preset}, {name} …", file=sys.stderr, flush=True)
        engine = make_engine(name, snap, args, tmp)
        dest = tmp / f"out-{name}"
        try:
            from fupin.analytics.jobs import bind_lists

            bind_lists(engine, keyed)
            for job in ("checks", "matching"):
                out["jobs"].setdefault(job, {})[name] = timed(
                    engine,
                    lambda job=job, e=engine, d=dest: run_jobs(
                        e, [job], str(d), year=year, keyed_lists=keyed
                    ),
                )
            results[name] = dest
        finally:
            _close(engine)
    out["identical"] = {job: _same(results, job, year, pairs) for job in ("checks", "matching")}
    from fupin.analytics.checks import SNAPSHOT_RULES, column

    flags = read_output(next(iter(results.values())), "checks", "check_flags")
    ibis_flags = {
        r: sorted(flags.filter(flags.column(column(r))).column("household_no").to_pylist())
        for r in SNAPSHOT_RULES
    }
    out["checks_equal_numpy"] = ibis_flags == numpy_flags
    out["households_flagged"] = flags.num_rows
    matches = read_output(next(iter(results.values())), "matching", "department_matches")
    out["matched_rows"] = matches.num_rows
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=30_000_000, help="national run (30 M)")
    p.add_argument(
        "--spark-households",
        type=int,
        help="Spark's share of the national run: its first N households (default: all)",
    )
    p.add_argument("--chunk", type=int, default=3_000_000)
    p.add_argument("--preset", default="gansu", choices=["demo", "gansu"])
    p.add_argument("--counties", type=int, help="only the preset's first N counties")
    p.add_argument("--list-rows", type=int, default=5_000_000, help="rows per department list")
    p.add_argument("--engines", default="duckdb,spark")
    p.add_argument("--master", default="local[*]")
    p.add_argument("--spark-driver-memory", default="6g")
    p.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting"
    )
    p.add_argument("--threads", type=int)
    p.add_argument("--year", type=int, default=2020)
    p.add_argument("--skip-national", action="store_true")
    p.add_argument("--skip-province", action="store_true")
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    args.spark_starts = []
    figures: dict[str, Any] = {
        "machine": machine(),
        "python": platform.python_version(),
        "engines": args.engines,
        "master": args.master,
    }
    with tempfile.TemporaryDirectory(prefix="fupin-bench-analytics-") as t:
        tmp = Path(t)
        if not args.skip_national:
            figures["national"] = national(args, tmp)
            print(json.dumps(figures["national"], ensure_ascii=False), file=sys.stderr, flush=True)
        if not args.skip_province:
            figures["province"] = province(args, tmp)
    figures["spark_session"] = args.spark_starts
    figures["self_peak_mib"] = round(_status_kib("VmHWM") / 1024)
    text = json.dumps(figures, ensure_ascii=False, indent=1)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
