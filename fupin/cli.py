"""The `fupin` command: one entry point, one module per group of subcommands.

Each module listed in COMMAND_MODULES has `register(subparsers)`, which adds its subcommands and
sets `func` on each parser to a callable taking the parsed arguments and returning an exit code.
Django is set up only by the commands that need it, so `fupin estimate` stays pure.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = (
    "fupin.stats.cli",
    "fupin.registry.cli",
    "fupin.registry.cli_io",
    "fupin.assessments.cli",
    "fupin.checks_cli",
    "fupin.bench_cli",
    "fupin.analytics_cli",
)


class CommandError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def setup_django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fupin",
        description="fupin：精准扶贫与考核评估平台 (targeted poverty alleviation and its assessment)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
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


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy, so that subcommands raising
    # fupin.cli.CommandError are caught by the same class.
    from fupin.cli import main as _main

    sys.exit(_main())
