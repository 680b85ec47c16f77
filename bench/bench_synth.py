"""Benchmark of the synthetic-province generator: time, peak memory and totals against the seeds."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from fupin.synth import generate, preset, write_parquet
from fupin.synth.config import SynthConfig
from fupin.synth.generate import CountyBatch

# Gansu's registry figures from seeds/001 (全省6220个贫困村、101万贫困户、417万贫困人口).
SEED_FIGURES = {"counties": 58, "poor_villages": 6220, "registered_households": 1_010_000}
SEED_REGISTERED_PERSONS = 4_170_000


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="gansu", choices=["demo", "gansu"])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--parquet", type=Path, default=None, help="also write Parquet here")
    parser.add_argument("--quiet", action="store_true", help="no per-county progress")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    config: SynthConfig = preset(args.preset)
    if args.seed is not None:
        config = config.replace(seed=args.seed)

    totals = {
        "counties": 0,
        "townships": 0,
        "villages": 0,
        "poor_villages": 0,
        "households": 0,
        "registered_households": 0,
        "persons": 0,
        "registered_persons": 0,
        "events": 0,
        "planted_households": 0,
    }

    def progress(done: int, total: int) -> None:
        if not args.quiet:
            print(
                f"\r  county {done}/{total}  peak RSS {peak_rss_mib():.0f} MiB", end="", flush=True
            )

    def counted(batches: Iterable[CountyBatch]) -> Iterator[CountyBatch]:
        for batch in batches:
            regions, hh = batch.regions, batch.households
            level = regions.column("level").to_numpy(zero_copy_only=False)
            registered = hh.column("registered").to_numpy(zero_copy_only=False)
            sizes = hh.column("size").to_numpy()
            planted = batch.truth_households.column("planted").to_numpy(zero_copy_only=False)
            totals["counties"] += 1
            totals["townships"] += int((level == "township").sum())
            totals["villages"] += int((level == "village").sum())
            totals["poor_villages"] += int(regions.column("is_poor_village").to_numpy().sum())
            totals["households"] += hh.num_rows
            totals["registered_households"] += int(registered.sum())
            totals["persons"] += batch.persons.num_rows
            totals["registered_persons"] += int(sizes[registered].sum())
            totals["events"] += batch.events.num_rows
            totals["planted_households"] += int((planted != "").sum())
            yield batch

    start = time.perf_counter()
    batches = counted(generate(config, progress=progress))
    if args.parquet is not None:
        write_parquet(batches, args.parquet)
    else:
        for _ in batches:
            pass
    elapsed = time.perf_counter() - start
    if not args.quiet:
        print()

    print(f"preset {args.preset}, seed {config.seed}, registry year {config.year}")
    for name, value in totals.items():
        print(f"  {name:24s} {value:>12,}")
    print(f"  {'time':24s} {elapsed:>11.1f}s")
    print(f"  {'peak RSS':24s} {peak_rss_mib():>9.0f} MiB")

    if args.json is not None:
        figures = {
            "benchmark": "synth",
            "preset": args.preset,
            "seconds": round(elapsed, 1),
            "peak_rss_mib": round(peak_rss_mib()),
            **totals,
        }
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    if args.preset != "gansu":
        return 0
    failures = [f"{k}: {totals[k]:,} != {v:,}" for k, v in SEED_FIGURES.items() if totals[k] != v]
    persons = totals["registered_persons"]
    if abs(persons - SEED_REGISTERED_PERSONS) > 0.01 * SEED_REGISTERED_PERSONS:
        failures.append(f"registered_persons: {persons:,} not within 1% of 4,170,000")
    for failure in failures:
        print("CHECK FAILED", failure)
    if not failures:
        print("  totals agree with the seed figures (58 counties, 6 220 poor villages,")
        print("  1.01 million registered households, 4.17 million registered people ±1%)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
