"""`fupin sample-counties`: the random draw of exited counties for a spot check (随机抽县), without Django."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from fupin.cli import CommandError

DESCRIPTION = """\
Draws a share of the counties that exited in one year from the 832 national poverty counties,
province by province: each province gets its exits times the rate, rounded half up, and at
least one county, so every province with an exit is covered (the rule of the 2019 spot check of
2018 exits: 283 counties in 22 provinces at 20 % gave 60 counties).  Within a province the
counties are a simple random sample.  The same seed gives the same counties.  Prints a JSON list
of {"code", "county", "province"} sorted by code, or a table.
"""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sample-counties",
        help="随机抽取退出县（三随机：随机抽县） (draw exited counties for a spot check)",
        description=DESCRIPTION,
    )
    p.add_argument("--exit-year", type=int, required=True, metavar="YEAR", help="year of exit")
    p.add_argument("--rate", type=float, required=True, metavar="R", help="share, e.g. 0.2")
    p.add_argument("--seed", type=int, required=True, metavar="S", help="random seed (recorded)")
    p.add_argument(
        "--minimum", type=int, default=1, help="counties per province at least (default 1)"
    )
    p.add_argument("--format", choices=["json", "table"], default="json")
    p.set_defaults(func=run_sample_counties)


def run_sample_counties(args: argparse.Namespace) -> int:
    from fupin.assessments.engine.sampling import DrawError, sample_counties
    from fupin.synth.config import read_counties

    if not 0 < args.rate <= 1:
        raise CommandError(f"--rate must be in (0, 1], got {args.rate}")
    if args.seed < 0:
        raise CommandError("--seed must be a non-negative integer")
    if args.minimum < 0:
        raise CommandError("--minimum cannot be negative")
    try:
        counties = read_counties()
    except OSError as exc:
        raise CommandError(f"cannot read the county list: {exc}") from exc
    try:
        draw = sample_counties(
            counties,
            exit_year=args.exit_year,
            rate=args.rate,
            rng=np.random.default_rng(args.seed),
            minimum=args.minimum,
        )
    except DrawError as exc:
        raise CommandError(str(exc)) from exc
    rows: list[dict[str, Any]] = [r.as_dict() for r in draw.rows]
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    out = sys.stdout
    out.write(
        f"{draw.exit_year} 年退出县 {draw.frame_size} 个，按 {draw.rate:g} 比例分省抽取 "
        f"{len(draw.rows)} 个（种子 {args.seed}）\n"
    )
    out.write("省份\t退出县数\t抽取数\n")
    for province, exited, drawn in draw.allocation:
        out.write(f"{province}\t{exited}\t{drawn}\n")
    out.write("\n代码\t县\t省份\n")
    for r in draw.rows:
        out.write(f"{r.code}\t{r.county}\t{r.province}\n")
    return 0
