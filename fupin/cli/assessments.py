"""`fupin sample-counties` (随机抽县, without Django) and `fupin assess` (a simulated exit assessment)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fupin.cli import CommandError

DESCRIPTION = """\
Draws a share of the counties that exited in one year from the 832 national poverty counties,
province by province: each province gets its exits times the rate, rounded half up, and at
least one county, so every province with an exit is covered (the rule of the 2019 spot check of
2018 exits: 283 counties in 22 provinces at 20 % gave 60 counties).  Within a province the
counties are a simple random sample.  The same seed gives the same counties.  Prints a JSON list
of {"code", "county", "province"} sorted by code, or a table.
"""


DEFAULT_SEED = 2019


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

    p = sub.add_parser(
        "assess",
        help="在合成数据上完成一次县退出评估（模拟实地调查） (run a simulated county-exit assessment)",
        description="Runs a whole county-exit assessment on the counties in the registry: recorded "
        "draws, evaluator assignment under the avoidance rules, simulated fieldwork answered from "
        "the synthetic ground truth, the five verification steps, the four figures with 95%% "
        "intervals and the decisions; then writes the report (HTML and XLSX).",
    )
    add_assess_arguments(p)
    p.set_defaults(func=run_assess)


def add_assess_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help=f"random seed of the draws and fieldwork (default {DEFAULT_SEED})",
    )
    p.add_argument(
        "--json", metavar="FILE", help="write the per-county figures, decisions and truth as JSON"
    )
    p.add_argument(
        "--report", metavar="DIR", help="folder for the report (default <FUPIN_DATA_DIR>/reports)"
    )


def run_assessment(args: argparse.Namespace) -> Any:
    """Run the simulated assessment, write the report and the JSON; returns the outcome."""
    from pathlib import Path

    from django.conf import settings

    from fupin.assessments.report import report_write
    from fupin.demo.running import campaign_run_simulated
    from fupin.registry.models import Household

    if not Household.objects.exists():
        raise CommandError(
            "登记库中没有农户：请先运行 fupin synth (the registry is empty: run fupin synth)"
        )

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    seed = DEFAULT_SEED if args.seed is None else args.seed
    outcome = campaign_run_simulated(seed=seed, progress=progress)
    result = outcome.as_json()
    truth = {
        c["code"]: {f: v.get("truth") for f, v in c["figures"].items()} for c in result["counties"]
    }
    directory = Path(args.report) if args.report else Path(settings.DATA_DIR) / "reports"
    files = report_write(campaign=outcome.campaign, directory=directory, truth=truth)
    if args.json:
        Path(args.json).write_text(
            json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    for c in result["counties"]:
        figures = "；".join(
            f"{name} {f['estimate']:.4f} [{f['ci'][0]:.4f}, {f['ci'][1]:.4f}] {f['verdict']}"
            for name, f in c["figures"].items()
        )
        print(f"{c['name']}（{c['code']}）：{c['decision']}  {figures}", file=sys.stderr)
    print(
        f"报告：{files.html}\n抽样名单：{files.samples_xlsx}\n问题清单：{files.problems_xlsx}",
        file=sys.stderr,
    )
    return outcome


def run_assess(args: argparse.Namespace) -> int:
    from fupin.cli.registry import run_setup

    run_setup()
    run_assessment(args)
    return 0


def run_sample_counties(args: argparse.Namespace) -> int:
    import numpy as np

    from fupin.assessments.engine.sampling import DrawError, sample_counties
    from fupin.regions.counties import read_counties

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
