"""`fupin check`: run the registry checks (平台8个准) for a region and print or save the flags."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

CHECK_HELP = """\
按“平台8个准”检查建档立卡数据：对象识别认定准、家庭情况核实准、致贫原因分析准、计划措施制定准、
扶贫政策落实准、人均收支核查准、对象进出录入准、台账进度记录准。每条规则列出问题户及原因。
Run the registry checks (the eight accuracies) for a village, a county, a province or everything.

  --format json 输出 {"rules": [{"id", "title", "flagged"}], "households_flagged": N}；
  缺少所需数据（帮扶计划、措施、走访、公示）的规则不运行，flagged 为 null。
  --xlsx FILE 另存为 Excel：工作表“规则汇总”（每条规则的问题户数）和“问题户”（逐户原因，身份证号脱敏）。
"""


def cmd_check(args: argparse.Namespace) -> int:
    from fupin.cli import CommandError, setup_django

    if args.xlsx is not None and Path(args.xlsx).suffix.lower() != ".xlsx":
        raise CommandError("--xlsx 的文件名应以 .xlsx 结尾")
    setup_django()
    from fupin.checks import rules_by_id
    from fupin.registry.checking import CheckError, registry_check, write_check_xlsx

    try:
        rules = rules_by_id(args.rule) if args.rule else None
    except KeyError as exc:
        raise CommandError(str(exc.args[0])) from None
    try:
        check = registry_check(region_code=args.region, year=args.year, rules=rules)
    except CheckError as exc:
        raise CommandError(str(exc)) from None
    result = check.result
    if args.xlsx is not None:
        write_check_xlsx(Path(args.xlsx), check)
    if args.format == "json":
        print(json.dumps(result.summary(), ensure_ascii=False))
        return 0
    place = f"{check.region.name}（{check.region.code}）" if check.region else "全部"
    print(
        f"{place}：检查 {result.households} 户（{check.year} 年），问题户 {result.households_flagged} 户"
    )
    for r in result.rules:
        count = f"{r.flagged:>8}" if r.ran else "  未运行（无数据）"
        print(f"  {r.id:40s} {count}  {r.title}")
    if args.xlsx is not None:
        print(f"已写入 {args.xlsx}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "check",
        help="按平台8个准检查建档立卡数据 (run the registry checks)",
        description=CHECK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--region",
        metavar="CODE",
        help="区划代码（12位）：村、乡、县、市或省；默认全部 / region code (default: all)",
    )
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="输出格式 / output format (default: text)",
    )
    p.add_argument("--xlsx", metavar="FILE", help="另存为 Excel / also write an XLSX report")
    p.add_argument(
        "--year",
        type=int,
        help="检查年度（默认：最近的收入年度） / the registry year (default: latest income year)",
    )
    p.add_argument(
        "--rule",
        action="append",
        metavar="ID",
        help="只运行这条规则，可重复 / run only this rule (repeatable)",
    )
    p.set_defaults(func=cmd_check)
