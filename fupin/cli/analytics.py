"""`fupin snapshot`: export the registry to a Parquet snapshot and build the dashboards' aggregates."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

SNAPSHOT_HELP = """\
把建档立卡数据导出为 Parquet 快照（按省、县分区），并计算各级区划的汇总（看板读取汇总，不再扫描实时数据）。
Export the registry to a Parquet snapshot (partitioned by province and county) in one read
transaction, then compute every region's dashboard figures from it with DuckDB.

默认增量：上次快照之后没有审计记录涉及的县直接沿用（硬链接），只重写有变化的县。
Incremental by default: counties no audit row touched since the latest snapshot in the folder
are reused (hard links); --full rewrites every county.

身份证号不以明文写入快照：只存脱敏号码和以 FUPIN_SECRET_KEY 为密钥的 HMAC-SHA256（用于比对）。
ID numbers are never written in plain text: only the masked number and a keyed hash.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "snapshot",
        help="导出 Parquet 快照并计算看板汇总 (registry snapshot and dashboard aggregates)",
        description=SNAPSHOT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--dir",
        metavar="D",
        help="快照文件夹 / snapshot folder (default: <FUPIN_DATA_DIR>/snapshots)",
    )
    p.add_argument(
        "--full", action="store_true", help="全部重写，不沿用上次快照 / rewrite every county"
    )
    p.add_argument(
        "--no-aggregates",
        action="store_true",
        help="只导出快照，不计算汇总 / write the snapshot only",
    )
    p.set_defaults(func=cmd_snapshot)
    register_analytics(sub)


def cmd_snapshot(args: argparse.Namespace) -> int:
    from fupin.cli import setup_django

    setup_django()
    from fupin.registry.snapshots import snapshot_write

    info = snapshot_write(directory=args.dir, incremental=not args.full)
    rows = info.rows
    print(
        f"快照 {info.snapshot_id}：登记版本 {info.registry_version}，"
        f"{rows['households']} 户、{rows['persons']} 人、{rows['events']} 条状态变更；"
        f"重写 {len(info.written)} 县，沿用 {len(info.reused)} 县；{info.seconds:.1f} 秒"
    )
    print(info.path)
    if not args.no_aggregates:
        from fupin.registry.aggregates import aggregates_build

        started = time.monotonic()
        record = aggregates_build(info.snapshot)
        n = record.aggregates.count()
        print(f"汇总：{n} 个区划，{time.monotonic() - started:.1f} 秒", file=sys.stdout)
    return 0


ANALYTICS_HELP = """\
在整个快照上运行分析作业（区划指标、重复登记、数据检查、部门数据比对），引擎为 DuckDB（本机）或 Spark（本机或集群），
结果写成 Parquet（默认写在快照旁的 <快照编号>-analytics 文件夹），可选择载入为看板汇总。
Run the analytics jobs over a whole snapshot on DuckDB (this machine) or Spark (local or a
cluster: --master spark://…, yarn, k8s://… pass through), writing every result as Parquet.

  fupin analytics --snapshot var/snapshots/<id>                      DuckDB, every job but matching
  fupin analytics --engine spark --master yarn --snapshot hdfs://nn/fupin/snapshots/<id>
  fupin analytics --jobs matching --list deaths=死亡名单.csv --snapshot …

部门名单含明文身份证号：在本机以 FUPIN_SECRET_KEY 计算密钥哈希后才交给引擎（--list）；
集群上运行时先用 --key-lists-to 文件夹 生成哈希名单并上传，再以 --keyed-list URI 给出。
Department lists are keyed (HMAC) on this machine before any engine sees them.
"""


def _kind_path(text: str) -> tuple[str, str]:
    kind, sep, path = text.partition("=")
    if not sep or not kind or not path:
        raise argparse.ArgumentTypeError(
            f"--list 应写作 类型=文件，例如 deaths=死亡名单.csv：{text!r}"
        )
    return kind, path


def register_analytics(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "analytics",
        help="在快照上运行分析作业，DuckDB 或 Spark (analytics jobs on DuckDB or Spark)",
        description=ANALYTICS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--engine", choices=("duckdb", "spark"), default="duckdb", help="引擎 / engine (duckdb)"
    )
    p.add_argument(
        "--master",
        default="local[*]",
        help="Spark master：local[*]、spark://host:7077、yarn、k8s://… (default local[*])",
    )
    p.add_argument(
        "--snapshot",
        metavar="PATH_OR_URI",
        help="快照文件夹或 URI（s3a://…、hdfs://…）/ snapshot folder or URI "
        "(default: the latest under <FUPIN_DATA_DIR>/snapshots)",
    )
    p.add_argument(
        "--jobs",
        default="indicators,duplicates,checks",
        help="作业，逗号分隔：indicators、duplicates、checks、matching "
        "(default: indicators,duplicates,checks; matching when --list/--keyed-list given)",
    )
    p.add_argument("--out", metavar="PATH_OR_URI", help="结果文件夹 / output folder or URI")
    p.add_argument(
        "--year",
        type=int,
        help="检查年度（默认：快照中最近的收入年度）/ the checks' year (default: latest income year)",
    )
    p.add_argument(
        "--list",
        action="append",
        default=[],
        type=_kind_path,
        metavar="KIND=FILE",
        help="部门名单（CSV 或 Parquet）/ department list, e.g. deaths=deaths.csv (repeatable)",
    )
    p.add_argument(
        "--keyed-list",
        action="append",
        default=[],
        metavar="PATH_OR_URI",
        help="已计算哈希的部门名单 Parquet / a keyed list (from --key-lists-to), repeatable",
    )
    p.add_argument(
        "--key-lists-to",
        metavar="DIR",
        help="只把 --list 名单计算哈希写入 DIR 后退出 / key the lists into DIR and stop",
    )
    p.add_argument(
        "--load-aggregates",
        action="store_true",
        help="把区划指标载入为看板汇总（需本机快照和数据库）/ store the indicators as the dashboards' aggregates",
    )
    p.add_argument("--threads", type=int, help="DuckDB 线程数 / DuckDB threads")
    p.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Spark 配置 / a Spark setting, e.g. spark.executor.memory=8g (repeatable)",
    )
    p.set_defaults(func=cmd_analytics)


def _key_lists(lists: list[tuple[str, str]], folder: str) -> list[str]:
    """Key each department list (its ID column found as fupin.matching.read_list finds it) and
    write it as `<folder>/<i>-<kind>.parquet`; returns the files."""
    from pathlib import Path

    import duckdb
    import pyarrow.parquet as pq

    from fupin.analytics.matching import key_list
    from fupin.conf import setting
    from fupin.matching import ListError, read_list

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i, (kind, path) in enumerate(lists):
        try:
            dl = read_list(path, kind)
        except (ListError, KeyError) as exc:
            from fupin.cli import CommandError

            raise CommandError(f"--list {kind}={path}：{exc}") from None
        con = duckdb.connect()
        try:
            ids = (
                con.sql(
                    f'SELECT CAST("{dl.id_column}" AS VARCHAR) AS raw FROM {dl.relation_sql("x")}'
                )
                .to_arrow_table()
                .column("raw")
            )
        finally:
            con.close()
        table = key_list(ids, kind=kind, source=dl.source, secret=setting("FUPIN_SECRET_KEY"))
        dest = out / f"{i:02d}-{kind}.parquet"
        pq.write_table(table, dest)
        written.append(str(dest))
    return written


def cmd_analytics(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fupin.cli import CommandError

    jobs = [j.strip() for j in args.jobs.split(",") if j.strip()]
    if (
        (args.list or args.keyed_list)
        and "matching" not in jobs
        and args.jobs == "indicators,duplicates,checks"
    ):
        jobs.append("matching")
    if args.key_lists_to:
        if not args.list:
            raise CommandError("--key-lists-to 需要至少一个 --list 类型=文件")
        for f in _key_lists(args.list, args.key_lists_to):
            print(f)
        return 0

    from fupin.analytics.engines import SnapshotURI, is_uri, locate
    from fupin.analytics.jobs import JobError, default_out, run_jobs

    snapshot_arg = args.snapshot
    if snapshot_arg is None:
        from fupin.analytics.snapshot import latest
        from fupin.conf import setting

        found = latest(Path(setting("FUPIN_DATA_DIR")) / "snapshots")
        if found is None:
            raise CommandError("没有快照：请先运行 fupin snapshot，或用 --snapshot 指定")
        snapshot_arg = str(found.path)
    try:
        location = locate(snapshot_arg)
    except (FileNotFoundError, NotADirectoryError):
        raise CommandError(
            f"--snapshot：{snapshot_arg} 不是快照文件夹（没有 manifest.json）"
        ) from None
    if args.load_aggregates and isinstance(location, SnapshotURI):
        raise CommandError("--load-aggregates 需要本机快照文件夹")
    engine = _engine(args, location)
    try:
        manifest = engine.manifest()
        out = args.out or default_out(location, str(manifest["snapshot_id"]))
        if args.load_aggregates and is_uri(out):
            raise CommandError("--load-aggregates 需要本机结果文件夹（--out）")
        keyed = list(args.keyed_list)
        if args.list:
            keyed += _key_lists(args.list, str(Path(out) / "keyed_lists"))
        if args.load_aggregates:
            for need in ("indicators", "duplicates"):
                if need not in jobs:
                    jobs.append(need)
        print(
            f"快照 {manifest['snapshot_id']}：引擎 {engine.name}，作业 {'、'.join(jobs)}",
            file=sys.stderr,
        )
        try:
            runs = run_jobs(
                engine,
                jobs,
                out,
                year=args.year,
                keyed_lists=keyed,
                progress=lambda m: print(m, file=sys.stderr, flush=True),
            )
        except JobError as exc:
            raise CommandError(str(exc)) from None
    finally:
        engine.close()
        if args.engine == "spark" and getattr(engine, "session", None) is not None:
            engine.session.stop()
    for run in runs:
        for dest in run.outputs:
            print(dest)
    if args.load_aggregates:
        _load(location, out)
    return 0


def _engine(args: argparse.Namespace, location: Any) -> Any:
    if args.engine == "duckdb":
        from fupin.analytics.engines import DuckDBEngine

        return DuckDBEngine(location, threads=args.threads)
    from fupin.analytics.engines import SparkEngine, spark_session
    from fupin.cli import CommandError

    conf = {}
    for item in args.conf:
        key, sep, value = item.partition("=")
        if not sep:
            raise CommandError(f"--conf 应写作 键=值：{item!r}")
        conf[key] = value
    session = spark_session(args.master, **conf)
    return SparkEngine(location, session)


def _load(location: Any, out: str) -> None:
    from fupin.cli import setup_django

    setup_django()
    from fupin.analytics.jobs import read_output
    from fupin.registry.aggregates import aggregates_store

    record = aggregates_store(
        location,
        read_output(out, "indicators", "region_indicators").to_pylist(),
        read_output(out, "indicators", "events_by_year").to_pylist(),
        read_output(out, "indicators", "causes").to_pylist(),
        read_output(out, "duplicates", "duplicates_by_region").to_pylist(),
    )
    print(f"汇总：{record.aggregates.count()} 个区划（快照 {record.snapshot_id}）")
