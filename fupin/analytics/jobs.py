"""The analytics jobs over a whole snapshot, on either engine, written as Parquet.

    indicators  counts and incidence of every region at every level, events by year, causes,
                gaps in 两不愁三保障, member profile (what the dashboards' aggregates hold)
    duplicates  ID numbers registered more than once in the whole snapshot, and per region
    checks      the data checks (平台8个准) a snapshot has data for: flags household × rule,
                counts per region and rule, and the rules' titles (fupin.analytics.checks)
    matching    the comparison with department lists (fupin.analytics.matching), given keyed lists

Each output is a folder `<out>/<job>/<name>/` of Parquet part files (one file from DuckDB, one per
Spark task from Spark). `fupin analytics` and the spark-submit entry point
(fupin.analytics.spark_job) both call `run_jobs`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa
from ibis.expr.types import Table

from fupin.analytics import checks as ck
from fupin.analytics import expressions as ex
from fupin.analytics import matching as mt
from fupin.analytics.engines import Engine, Location, SnapshotURI, is_uri
from fupin.analytics.schema import source
from fupin.policy.lines import DEFAULT_LINES
from fupin.policy.standards import DEFAULT_STANDARDS, Standard, standard_from_dict

JOBS = ("indicators", "duplicates", "checks", "matching")
JOB_TITLES = {
    "indicators": "区划指标",
    "duplicates": "重复登记",
    "checks": "数据检查（平台8个准）",
    "matching": "部门数据比对",
}
OUT_SUFFIX = "-analytics"


class JobError(ValueError):
    """A job that cannot run on this input (the message names what is missing, in Chinese)."""


@dataclass
class JobRun:
    job: str
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0


def default_out(location: Location, snapshot_id: str) -> str:
    """Beside the snapshot: `<root>/<snapshot_id>-analytics` (no manifest, so never taken for a
    snapshot)."""
    if isinstance(location, SnapshotURI):
        return location.uri.rstrip("/") + OUT_SUFFIX
    return str(location.path.parent / f"{snapshot_id}{OUT_SUFFIX}")


@dataclass(frozen=True)
class Output:
    """One output of a job: its expression over the snapshot (`build`), and, for an output that
    summarises an earlier one of the same job, how to compute it from that one as written
    (`derive` over the table `source`), so that an engine does the heavy part once."""

    build: Callable[[], Table]
    source: str | None = None
    derive: Callable[[Table], Table] | None = None


def outputs(
    job: str,
    *,
    year: int,
    lists: Sequence[tuple[str, str]] = (),
    standards: tuple[Standard, ...] = DEFAULT_STANDARDS,
) -> dict[str, Output]:
    """The job's outputs by name, in the order they are computed. `standards`: those the checks
    resolve each household's own standard among (`snapshot_standards`)."""
    if job == "indicators":
        return {
            "region_indicators": Output(ex.all_region_indicators),
            "events_by_year": Output(ex.all_events_by_year),
            "causes": Output(ex.all_causes),
            "guarantee_gaps": Output(lambda: ex.guarantee_gaps("county")),
            "member_profile": Output(lambda: ex.member_profile("county")),
        }
    if job == "duplicates":
        return {
            "duplicate_members": Output(ex.duplicate_members),
            "duplicates_by_region": Output(
                ex.all_duplicates_by_region,
                "duplicate_members",
                lambda d: ex.all_duplicates_by_region(members=d),
            ),
        }
    if job == "checks":
        return {
            "check_flags": Output(lambda: ck.check_flags(year, standards=standards)),
            "check_counts": Output(
                lambda: ck.check_counts("county", year, standards=standards),
                "check_flags",
                lambda f: ck.check_counts("county", year, flags=f),
            ),
            "check_rules": Output(lambda: ibis.memtable(pa.Table.from_pylist(ck.rules_table()))),
        }
    if job == "matching":
        return {
            "department_matches": Output(mt.department_matches),
            "department_missing": Output(
                lambda: mt.department_missing(lists),
                "department_matches",
                lambda m: mt.department_missing(lists, matches=m),
            ),
            "department_lists": Output(
                mt.list_summary, "department_matches", lambda m: mt.list_summary(matches=m)
            ),
            "matches_by_region": Output(
                lambda: mt.matches_by_region("county"),
                "department_matches",
                lambda m: mt.matches_by_region("county", matches=m),
            ),
        }
    raise JobError(f"未知的作业 {job!r}：可选 {'、'.join(JOBS)}")


def snapshot_standards(engine: Engine) -> tuple[Standard, ...]:
    """The built-in standards and those the province offices had recorded when the snapshot was
    taken (its manifest's `standards`, written by `fupin snapshot`)."""
    recorded = engine.manifest().get("standards") or []
    return DEFAULT_STANDARDS + tuple(standard_from_dict(d) for d in recorded)


def latest_income_year(engine: Engine) -> int | None:
    """The latest income year in the snapshot (the default year of the checks, as `fupin check`)."""
    h = source("households")
    found = engine.to_pyarrow(h.aggregate(year=h.income_year.cast("int64").max()))
    value = found.column("year")[0].as_py()
    return int(value) if value else None


def uncovered_years(engine: Engine, year: int) -> list[int]:
    """Years the households are judged by that the poverty-line table does not cover."""
    found = engine.to_pyarrow(ck.effective_years(year)).column("year").to_pylist()
    return sorted(int(y) for y in found if int(y) not in DEFAULT_LINES.years)


def bind_lists(engine: Engine, keyed: Sequence[str]) -> list[tuple[str, str]]:
    """Bind the keyed department lists (Parquet files or globs, `matching.KEYED_LIST` columns);
    returns their (kind, source) pairs."""
    engine.bind(mt.LISTS, list(keyed), mt.KEYED_LIST)
    lst = mt.lists_source()
    pairs = engine.to_pyarrow(lst.select("kind", "source").distinct())
    return list(
        zip(pairs.column("kind").to_pylist(), pairs.column("source").to_pylist(), strict=True)
    )


def run_jobs(
    engine: Engine,
    jobs: Sequence[str],
    out: str,
    *,
    year: int | None = None,
    keyed_lists: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> list[JobRun]:
    """Run `jobs` on the engine's snapshot and write every output under `out`. `year` is the
    checks' "as of" year (default: the latest income year in the snapshot)."""
    unknown = [j for j in jobs if j not in JOBS]
    if unknown:
        raise JobError(f"未知的作业 {'、'.join(unknown)}：可选 {'、'.join(JOBS)}")
    if "matching" in jobs and not keyed_lists:
        raise JobError("部门数据比对需要部门名单：请用 --list 类型=文件 给出至少一份名单")
    lists: list[tuple[str, str]] = []
    if year is None and "checks" in jobs:
        year = latest_income_year(engine)
        if year is None:
            raise JobError("快照中没有收入年度，请用 --year 指定检查年度")
    if "checks" in jobs:
        assert year is not None
        missing = uncovered_years(engine, year)
        if missing:
            raise JobError(
                f"收入年度 {'、'.join(map(str, missing))} 没有国家扶贫标准（policy 标准表未覆盖），无法检查"
            )
    if "matching" in jobs:
        lists = bind_lists(engine, keyed_lists)
    standards = snapshot_standards(engine) if "checks" in jobs else DEFAULT_STANDARDS
    done = []
    base = out.rstrip("/")
    for job in jobs:
        started = time.perf_counter()
        run = JobRun(job)
        written: dict[str, Table] = {}
        for name, output in outputs(job, year=year or 0, lists=lists, standards=standards).items():
            dest = f"{base}/{job}/{name}"
            if output.source is not None and output.derive is not None:
                expr = output.derive(written[output.source])
            else:
                expr = output.build()
            engine.write_parquet(expr, dest)
            # Later outputs read this one as written, under its own name.
            schema = expr.schema().to_pyarrow()
            table = f"_{job}_{name}"
            engine.bind(table, [f"{dest}/*.parquet"], schema)
            written[name] = ibis.table(expr.schema(), name=table)
            run.outputs.append(dest)
        run.seconds = time.perf_counter() - started
        if progress:
            progress(f"{JOB_TITLES[job]}（{job}）：{len(run.outputs)} 个结果，{run.seconds:.1f} 秒")
        done.append(run)
    return done


def read_output(out: str | Path, job: str, name: str) -> pa.Table:
    """One written output, read back from a local folder (part files in any number)."""
    import pyarrow.dataset as ds

    if isinstance(out, str) and is_uri(out):
        raise JobError("只能从本机文件夹读回结果")
    return ds.dataset(Path(out) / job / name, format="parquet").to_table()
