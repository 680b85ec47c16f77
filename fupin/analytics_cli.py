"""`fupin snapshot`: export the registry to a Parquet snapshot and build the dashboards' aggregates."""

from __future__ import annotations

import argparse
import sys
import time

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
