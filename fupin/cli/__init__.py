"""The `fupin` command: one entry point, one module per group of subcommands.

Each module listed in COMMAND_MODULES has `register(subparsers)`, which adds its subcommands and
sets `func` on each parser to a callable taking the parsed arguments and returning an exit code.
Django is set up only by the commands that need it, so `fupin estimate` stays pure.

`fupin --help` and each command load only what they use: COMMANDS names every subcommand with its
module and one-line help, so the top-level help imports no command module, and running a command
imports only its own module (a test checks that COMMANDS matches what the modules register).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand → (module that registers it, its one-line help), in the order `--help` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "estimate": (
        "fupin.cli.stats",
        "抽样估计：均值、总量、比率、比例及置信区间 (design-based survey estimates)",
    ),
    "setup": ("fupin.cli.registry", "创建或升级数据库并载入832个贫困县 (migrate and load regions)"),
    "synth": (
        "fupin.cli.registry",
        "生成合成省份数据：建档立卡与隐藏的真实情况 (build a synthetic province)",
    ),
    "demo": (
        "fupin.cli.demo",
        "一键演示：合成县、完整退出评估、报告与网站 (synthetic county, a whole assessment, report, web)",
    ),
    "serve": ("fupin.cli.registry", "启动网站 (run the web server with gunicorn)"),
    "import": ("fupin.cli.registry_io", "导入建档立卡数据 (import registry CSV/XLSX)"),
    "export": ("fupin.cli.registry_io", "导出建档立卡数据 (export registry CSV/XLSX)"),
    "plan-sample": (
        "fupin.cli.stats",
        "抽样方案测算：所需户数、村数与预期置信区间 (sample-size planner)",
    ),
    "estimate-figures": (
        "fupin.cli.stats",
        "由样本文件与问题文件计算三率一度 (the four figures from your own survey files)",
    ),
    "sample-counties": (
        "fupin.cli.assessments",
        "随机抽取退出县（三随机：随机抽县） (draw exited counties for a spot check)",
    ),
    "assess": (
        "fupin.cli.assessments",
        "在合成数据上完成一次县退出评估（模拟实地调查） (run a simulated county-exit assessment)",
    ),
    "check": ("fupin.cli.checks", "按平台8个准检查建档立卡数据 (run the registry checks)"),
    "bench": ("fupin.cli.bench", "基准测试：指标、数据检查与部门比对 (the benchmark suite)"),
    "snapshot": (
        "fupin.cli.analytics",
        "导出 Parquet 快照并计算看板汇总 (registry snapshot and dashboard aggregates)",
    ),
    "analytics": (
        "fupin.cli.analytics",
        "在快照上运行分析作业，DuckDB 或 Spark (analytics jobs on DuckDB or Spark)",
    ),
}

COMMAND_MODULES = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))


class CommandError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def setup_django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    django.setup()


def _top_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:  # type: ignore[type-arg]
    parser = argparse.ArgumentParser(
        prog="fupin",
        description="fupin：精准扶贫与考核评估平台 (targeted poverty alleviation and its assessment)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    return parser, sub


def build_parser(modules: tuple[str, ...] | None = None) -> argparse.ArgumentParser:
    """The full parser (every module's subcommands), or only those of `modules`."""
    parser, sub = _top_parser()
    for name in COMMAND_MODULES if modules is None else modules:
        importlib.import_module(name).register(sub)
    return parser


def _index_parser() -> argparse.ArgumentParser:
    """The top level only, from COMMANDS: `fupin --help` without importing any command module."""
    parser, sub = _top_parser()
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _command_in(argv: list[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command_in(argv)
    if command in COMMANDS:
        parser = build_parser((COMMANDS[command][0],))
    elif command is None:
        parser = _index_parser()  # `fupin`, `fupin --help`: the list of commands
    else:
        # Not in the index (a command added without its line there): the full parser still runs
        # it; test_cli fails until COMMANDS lists it.
        parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"fupin {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
