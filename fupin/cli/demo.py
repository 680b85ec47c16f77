"""`fupin demo`: the database, a synthetic county, a whole simulated assessment, the report and
the web server, in one command."""

from __future__ import annotations

import argparse
import sys

from fupin.cli import build_parser
from fupin.cli.assessments import add_assess_arguments
from fupin.cli.registry import run_serve, run_setup, run_synth


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "demo",
        help="一键演示：合成县、完整退出评估、报告与网站 (synthetic county, a whole assessment, report, web)",
        description="Builds the database, a synthetic county (if the registry is empty), runs a whole "
        "simulated county-exit assessment on it (see `fupin assess`), writes the report, and serves "
        "the web UI. The first run in an empty data folder takes about a minute.",
    )
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--no-serve", action="store_true", help="build and assess only; do not start the server"
    )
    add_assess_arguments(p)
    p.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    run_setup()

    from fupin.registry.models import Household

    if not Household.objects.exists():
        # `fupin synth` with its own defaults (the demo preset), not a copy of them.
        run_synth(build_parser().parse_args(["synth"]))
    _demo_assistance()
    _demo_cooperation()
    from fupin.assessments.models import Campaign
    from fupin.cli.assessments import run_assessment

    # A new assessment when asked for one (a seed or a JSON file), or when none was run yet.
    if args.json or args.seed is not None or not Campaign.objects.exists():
        run_assessment(args)
    # A snapshot and its aggregates, so that the dashboards read from the analytics layer.
    from fupin.registry.aggregates import aggregates_build
    from fupin.registry.snapshots import snapshot_write

    snapshot = snapshot_write(directory=None, incremental=True)
    aggregates_build(snapshot.snapshot)
    print(
        f"分析快照 {snapshot.snapshot_id}（登记版本 {snapshot.registry_version}）", file=sys.stderr
    )

    from fupin.demo.people import DEMO_PASSWORD, demo_accounts_create

    print(f"演示账号（密码均为 {DEMO_PASSWORD}）：", file=sys.stderr)
    for a in demo_accounts_create():
        print(f"  {a.username:8} {a.role}：{a.what}", file=sys.stderr)
    print(f"打开 http://{args.host}:{args.port}/", file=sys.stderr)
    if args.no_serve:
        return 0
    return run_serve(argparse.Namespace(host=args.host, port=args.port, workers=None, threads=None))


def _demo_assistance() -> None:
    """Synthetic help (双到, ledgers, projects) for every synthetic county that has none yet."""
    from fupin.assistance.models import HouseholdPairing
    from fupin.demo.assistance import assistance_load_synthetic
    from fupin.regions.models import Region
    from fupin.registry.models import Household

    codes = {no[:6] for no in Household.objects.values_list("village__code", flat=True).distinct()}
    for county in Region.objects.filter(code__in=[c + "000000" for c in sorted(codes)]):
        if not HouseholdPairing.objects.filter(
            household__village__code__startswith=county.prefix
        ).exists():
            counts = assistance_load_synthetic(county=county, seed=2016, year=2019)
            print(
                f"{county.name}：帮扶单位 {counts.units} 个，结对 {counts.pairings} 户，"
                f"帮扶措施 {counts.measures} 条，走访 {counts.visits} 次，项目 {counts.projects} 个",
                file=sys.stderr,
            )


def _demo_cooperation() -> None:
    """A synthetic year of East-West cooperation for Gansu, unless one was built already."""
    from fupin.cooperation.models import Agreement
    from fupin.demo.cooperation import cooperation_load_synthetic

    if not Agreement.objects.filter(year=2019, pairing__west__code__startswith="62").exists():
        c = cooperation_load_synthetic(year=2019, seed=2016)
        print(
            f"东西部扶贫协作：结对 {c.pairings} 对，协议 {c.agreements} 份，台账 {c.entries} 条"
            f"（已确认 {c.confirmed}，待确认 {c.pending}，有争议 {c.disputed}，已调解 {c.resolved}）",
            file=sys.stderr,
        )
