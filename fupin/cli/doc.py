"""The CLI reference (docs/cli-reference.md), generated from the parsers' own --help texts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fupin.cli import build_parser

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "cli-reference.md"
WIDTH = "100"


def reference_markdown() -> str:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH  # argparse wraps to the terminal; fix it so the file is stable
    try:
        parser = build_parser()
        parts = [
            "# fupin command reference",
            "",
            "Generated from `--help` by `python -m fupin.cli.doc`; a test fails when it is out of date.",
            "",
            "```",
            parser.format_help().rstrip(),
            "```",
        ]
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, p in sub.choices.items():
            parts += ["", f"## fupin {name}", "", "```", p.format_help().rstrip(), "```"]
        return "\n".join(parts) + "\n"
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


if __name__ == "__main__":
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(reference_markdown(), encoding="utf-8")
    print(f"wrote {REFERENCE}", file=sys.stderr)
