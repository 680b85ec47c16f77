"""Benchmark fupin.stats' design-based mean and SE against samplics (and svy, if installed).

A stratified cluster sample of 1,000,000 rows in 1,000 strata and 20,000 PSUs (20 PSUs of 50
rows per stratum, unequal weights, with-replacement first stage): every tool must give the same
estimate and standard error to 1e-9 relative, and we report the best wall time of a few repeats.
Our time includes building the design from raw arrays (svydesign) and the estimate; the
"estimate only" row reuses a built design, as the assessment code does for its four figures.

    .venv/bin/python bench/bench_stats.py [--repeats 5] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fupin.stats import mean, svydesign  # noqa: E402

TOLERANCE = 1e-9


def make_data(rows: int, strata: int, psus: int, seed: int) -> dict[str, np.ndarray[Any, Any]]:
    rng = np.random.default_rng(seed)
    per_psu = rows // psus
    psu = np.repeat(np.arange(psus), per_psu)
    stratum = psu // (psus // strata)
    psu_effect = rng.normal(0, 1, size=psus)[psu]
    y = 50 + 5 * psu_effect + rng.normal(0, 10, size=psu.shape[0])
    w = rng.uniform(10, 200, size=psu.shape[0])
    order = rng.permutation(psu.shape[0])  # rows not sorted by PSU, as in real files
    return {"y": y[order], "w": w[order], "stratum": stratum[order], "psu": psu[order]}


def best_of(
    repeats: int, fn: Callable[[], tuple[float, float]]
) -> tuple[float, tuple[float, float]]:
    best = float("inf")
    result = (float("nan"), float("nan"))
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run_fupin(d: dict[str, np.ndarray[Any, Any]]) -> tuple[float, float]:
    design = svydesign(ids=d["psu"], strata=d["stratum"], weights=d["w"])
    est = mean(design, d["y"])
    return est.value, est.se


def run_samplics(d: dict[str, np.ndarray[Any, Any]]) -> tuple[float, float]:
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam

    est = TaylorEstimator(PopParam.mean)
    est.estimate(y=d["y"], samp_weight=d["w"], stratum=d["stratum"], psu=d["psu"])
    return float(est.point_est), float(est.stderror)


def run_svy(d: dict[str, np.ndarray[Any, Any]]) -> tuple[float, float]:
    import polars as pl
    import svy

    sample = svy.Sample(
        pl.DataFrame({"y": d["y"], "w": d["w"], "h": d["stratum"], "p": d["psu"]}),
        svy.Design(stratum="h", psu="p", wgt="w"),
    )
    record = sample.estimation.mean("y").to_dicts()[0]
    return float(record["est"]), float(record["se"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--strata", type=int, default=1_000)
    parser.add_argument("--psus", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5, help="repeats for fupin (default 5)")
    parser.add_argument("--other-repeats", type=int, default=3, help="repeats for the others")
    parser.add_argument("--seed", type=int, default=20190101)
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # samplics announces it is archived, on every import

    data = make_data(args.rows, args.strata, args.psus, args.seed)
    results: list[dict[str, Any]] = []
    seconds, (value, se) = best_of(args.repeats, lambda: run_fupin(data))
    results.append({"tool": "fupin.stats", "seconds": seconds, "estimate": value, "se": se})
    design = svydesign(ids=data["psu"], strata=data["stratum"], weights=data["w"])
    seconds_est, _ = best_of(
        args.repeats, lambda: (lambda e: (e.value, e.se))(mean(design, data["y"]))
    )
    results.append(
        {"tool": "fupin.stats (estimate only)", "seconds": seconds_est, "estimate": value, "se": se}
    )
    for name, fn in (("samplics", run_samplics), ("svy", run_svy)):
        try:
            seconds, (v, s) = best_of(args.other_repeats, lambda fn=fn: fn(data))  # type: ignore[misc]
        except ImportError as exc:
            results.append({"tool": name, "error": f"not installed ({exc.name})"})
            continue
        results.append({"tool": name, "seconds": seconds, "estimate": v, "se": s})

    ours = results[0]
    reference = next((r for r in results if r["tool"] == "samplics" and "seconds" in r), None)
    ok = True
    for r in results:
        if "seconds" not in r:
            continue
        r["rel_diff_estimate"] = abs(r["estimate"] - ours["estimate"]) / abs(ours["estimate"])
        r["rel_diff_se"] = abs(r["se"] - ours["se"]) / abs(ours["se"])
        r["agrees"] = max(r["rel_diff_estimate"], r["rel_diff_se"]) <= TOLERANCE
        ok = ok and r["agrees"]
        if reference is not None:
            r["speedup_vs_samplics"] = reference["seconds"] / r["seconds"]

    print(
        f"{args.rows:,} rows, {args.strata:,} strata, {args.psus:,} PSUs; "
        f"Python {platform.python_version()}, numpy {np.__version__}, best of "
        f"{args.repeats} (fupin) / {args.other_repeats} (others)"
    )
    header = f"{'tool':<28} {'seconds':>9} {'vs samplics':>12} {'estimate':>20} {'SE':>22} {'rel. diff':>10}"
    print(header)
    print("-" * len(header))
    for r in results:
        if "seconds" not in r:
            print(f"{r['tool']:<28} {r['error']}")
            continue
        speed = f"{r['speedup_vs_samplics']:.1f}x" if "speedup_vs_samplics" in r else "-"
        diff = max(r["rel_diff_estimate"], r["rel_diff_se"])
        print(
            f"{r['tool']:<28} {r['seconds']:>9.4f} {speed:>12} {r['estimate']:>20.12f} "
            f"{r['se']:>22.15g} {diff:>10.1e}"
        )
    if args.json:
        meta = {"rows": args.rows, "strata": args.strata, "psus": args.psus, "seed": args.seed}
        Path(args.json).write_text(json.dumps({"setup": meta, "results": results}, indent=2))
    if not ok:
        print(f"DISAGREEMENT above {TOLERANCE:g} relative", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
