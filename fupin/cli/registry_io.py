"""`fupin import` and `fupin export`: the registry file exchange commands (thin; services do the work)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

IMPORT_HELP = """\
导入建档立卡数据（全国扶贫开发信息系统“贫困户信息”格式，每个家庭成员一行，户信息在每行重复）。
Import registry data: one row per household member, household columns repeated on each row.

文件 FILE：.xlsx（工作表“家庭成员”和“状态变更”），或 .csv（状态变更用 --events 另给一个文件），
或 `fupin export --format csv` 写出的文件夹。CSV 编码自动识别 UTF-8（含 BOM）与 GB18030。
A masked export (证件号码 with *) cannot be imported: export with --full-ids.

也可直接导入全国扶贫开发信息系统导出的人员名单（贫困人口明细、已脱贫人口名单：表头上方可有标题行，
地名而非区划代码，系统的选项文字），按表头自动识别。地名在 --user 所任扶贫办管辖的区域内查找
（不给 --user 时在全部区划中查找）；性别、出生日期取自证件号码，家庭纯收入＝人均纯收入×人数，
识别年度取自首次识别时间；名单没有的信息留空。
National-system person lists are recognised from their headers; region names are resolved
within --user's offices.

先校验全部行，再在一个事务中写入：有任何错误时不写入（除非 --keep-good）。
无法识别的值（校验位错误、不存在的日期、未知选项、控制字符）是错误；可读但前后不一致的值
（人均纯收入与家庭纯收入 ÷ 家庭人口不符、同一户内证件号码重复、家庭人口与在世成员数不符）
按文件所填导入并列为“提醒”，由 `fupin check` 核查；--strict 则把它们也当作错误。
Everything is checked first; then all writes happen in one transaction. Inconsistent but
readable values are imported with a warning (refused with --strict).

退出码 exit codes:
  0  全部写入（--dry-run 时：校验通过，正式导入会全部写入） / all written
  1  使用 --keep-good 时：无错误的户已写入，有错误的户整户跳过 / good households written, bad skipped
  2  未写入任何数据（有错误、文件无法读取、缺少必填列或参数错误） / nothing written
"""

EXPORT_HELP = """\
导出建档立卡数据，格式与 `fupin import` 读取的相同。
Export the registry in the layout `fupin import` reads.

  xlsx：一个文件，工作表“家庭成员”和“状态变更”。
  csv ：一个文件夹，内含 家庭成员.csv 和 状态变更.csv（UTF-8 带 BOM，Excel 可直接打开）。

  --layout national：全国扶贫开发信息系统人员名单格式，一个 .xlsx 或 .csv 文件（建档立卡户的
  在世成员，每人一行，地名而非区划代码，系统的选项文字），可由 `fupin import` 读回。

证件号码默认脱敏（620102********1234），脱敏的文件不能再导入。
--full-ids 导出完整证件号码，并记入审计日志（查看完整身份证号）。
ID numbers are masked unless --full-ids, which is recorded in the audit trail.
"""


def _default_actor(prefix: str) -> str:
    try:
        return f"{prefix}:{getpass.getuser()}"
    except (KeyError, OSError):
        return prefix


def cmd_import(args: argparse.Namespace) -> int:
    from fupin.cli import CommandError, setup_django

    setup_django()
    from fupin.registry.io.importing import import_file
    from fupin.registry.io.reporting import report_json, report_text, write_problems

    path = Path(args.file)
    if not path.exists():
        raise CommandError(f"文件不存在：{path}")
    if args.events is not None and not Path(args.events).exists():
        raise CommandError(f"文件不存在：{args.events}")
    if args.errors is not None and Path(args.errors).suffix.lower() not in {".xlsx", ".csv"}:
        raise CommandError("--errors 的文件名应以 .xlsx 或 .csv 结尾")
    column_map: dict[str, str] = {}
    for item in args.map or []:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise CommandError(f"--map 应写成 原列名=标准列名，而不是“{item}”")
        column_map[source.strip()] = target.strip()
    user = None
    if args.user:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=args.user, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为 {args.user} 的有效用户")
    report = import_file(
        path=path,
        events_path=Path(args.events) if args.events else None,
        keep_good=args.keep_good,
        dry_run=args.dry_run,
        strict=args.strict,
        actor=args.actor,
        encoding=args.encoding,
        progress=not args.quiet,
        user=user,
        column_map=column_map or None,
    )
    if args.errors is not None:
        write_problems(Path(args.errors), report.problems, report.warnings)
    print(report_json(report) if args.format == "json" else report_text(report))
    return report.exit_code


def cmd_export(args: argparse.Namespace) -> int:
    from fupin.cli import CommandError, setup_django

    setup_django()
    from fupin.registry.io.exporting import ExportError, export_registry
    from fupin.registry.io.national_export import export_national

    try:
        if args.layout == "national":
            if args.format is not None:
                raise ExportError("全国系统格式按文件名（.xlsx 或 .csv）决定，不用 --format")
            result = export_national(
                path=Path(args.path),
                region_code=args.region,
                full_ids=args.full_ids,
                actor=args.actor or _default_actor("export"),
                encoding=args.encoding,
            )
        else:
            result = export_registry(
                path=Path(args.path),
                fmt=args.format,
                region_code=args.region,
                full_ids=args.full_ids,
                actor=args.actor or _default_actor("export"),
                encoding=args.encoding,
                progress=not args.quiet,
            )
    except ExportError as exc:
        raise CommandError(str(exc)) from None
    ids = "完整证件号码（已记入审计日志）" if result.full_ids else "证件号码已脱敏"
    print(f"已导出 {result.households} 户 {result.persons} 人、状态变更 {result.events} 条；{ids}")
    for p in result.paths:
        print(f"  {p}")
    if result.households_without_members:
        print(
            f"没有家庭成员、未导出的户 {len(result.households_without_members)} 个："
            + "、".join(result.households_without_members[:20]),
            file=sys.stderr,
        )
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(
        "import",
        help="导入建档立卡数据 (import registry CSV/XLSX)",
        description=IMPORT_HELP,
        formatter_class=fmt,
    )
    p.add_argument(
        "file", metavar="FILE", help=".xlsx、.csv 或导出的文件夹 / file or export folder"
    )
    p.add_argument(
        "--events",
        metavar="FILE",
        help="状态变更表（CSV 导入时使用） / the 状态变更 table for a CSV import",
    )
    p.add_argument(
        "--keep-good",
        action="store_true",
        help="写入无错误的户，整户跳过有错误的户 / write good households, skip bad ones",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="前后不一致的值也作为错误，不导入该户 / refuse inconsistent values too",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="只校验并报告，不改动数据库 / check and report, change nothing",
    )
    p.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="报告格式 / report format (default: table)",
    )
    p.add_argument(
        "--errors",
        metavar="FILE.xlsx|csv",
        help="把问题列表写入文件 / write the problem list to a file",
    )
    p.add_argument(
        "--actor",
        metavar="NAME",
        help="审计日志中的操作人（默认 import:文件名） / audit actor (default import:FILE)",
    )
    p.add_argument(
        "--user",
        metavar="USERNAME",
        help="以该用户身份导入：地名只在其扶贫办管辖区域内查找，审计记该用户 / import as this user",
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="原列名=标准列名",
        help="文件的列名与两种格式都不同时，指明该列是哪一列（可多次给出），如 --map 身份证=证件号码 "
        "/ map a header of the file to a known column (repeatable)",
    )
    p.add_argument(
        "--encoding",
        choices=("auto", "utf-8", "gb18030"),
        default="auto",
        help="CSV 编码（默认自动识别） / CSV encoding (default: auto)",
    )
    p.add_argument("--quiet", action="store_true", help="不显示进度 / no progress on stderr")
    p.set_defaults(func=cmd_import)

    e = subparsers.add_parser(
        "export",
        help="导出建档立卡数据 (export registry CSV/XLSX)",
        description=EXPORT_HELP,
        formatter_class=fmt,
    )
    e.add_argument(
        "path", metavar="FILE.xlsx|DIR", help="xlsx 文件或 csv 文件夹 / xlsx file or csv folder"
    )
    e.add_argument(
        "--format",
        choices=("xlsx", "csv"),
        help="默认按文件名判断 / default: from the path (.xlsx, else csv)",
    )
    e.add_argument(
        "--layout",
        choices=("fupin", "national"),
        default="fupin",
        help="national：全国扶贫开发信息系统人员名单格式（一个 .xlsx 或 .csv 文件，只含建档立卡户的"
        "在世成员，地名而非代码；fupin import 可读回） / the national system's person list",
    )
    e.add_argument(
        "--region",
        metavar="CODE",
        help="只导出该区划及其下级（12位代码） / only this region and below",
    )
    e.add_argument(
        "--full-ids",
        action="store_true",
        help="导出完整证件号码（记入审计日志） / write whole ID numbers (audited)",
    )
    e.add_argument(
        "--encoding",
        choices=("utf-8-sig", "gb18030"),
        default="utf-8-sig",
        help="CSV 编码 / CSV encoding (default: utf-8-sig)",
    )
    e.add_argument("--actor", metavar="NAME", help="审计日志中的操作人 / audit actor")
    e.add_argument("--quiet", action="store_true", help="不显示进度 / no progress on stderr")
    e.set_defaults(func=cmd_export)
