"""Benchmark of a whole county-exit assessment of a synthetic province: time and peak memory."""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from fupin.assessments.engine.pipeline import CountyAssessment, assess_province
from fupin.assessments.engine.sampling import SamplingSettings
from fupin.synth import generate, preset
from fupin.synth.generate import CountyBatch


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="gansu", choices=["demo", "gansu"])
    parser.add_argument("--seed", type=int, default=2019, help="assessment seed (default 2019)")
    parser.add_argument("--synth-seed", type=int, default=None, help="synthetic province seed")
    parser.add_argument("--villages", type=int, default=SamplingSettings().villages)
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    args = parser.parse_args(argv)

    config = preset(args.preset)
    if args.synth_seed is not None:
        config = config.replace(seed=args.synth_seed)
    settings = SamplingSettings(villages=args.villages)

    timer = _GenerationTimer()
    start = time.perf_counter()
    results: list[CountyAssessment] = []
    for assessment in assess_province(timer.wrap(generate(config)), settings, args.seed):
        results.append(assessment)
        print(f"\r  county {len(results)}  peak RSS {peak_rss_mib():.0f} MiB", end="", flush=True)
    total_s = time.perf_counter() - start
    generate_s = timer.seconds
    print()

    print(
        f"{'code':<8}{'county':<8}{'zone':<8}{'villages':>9}{'households':>11}"
        f"{'wrong-exit %':>13}{'missed %':>10}{'incidence %':>12}{'recognition %':>14}  decision"
    )
    for a in sorted(results, key=lambda r: r.frame.code):
        f = a.figures
        print(
            f"{a.frame.code:<8}{a.frame.name:<8}{f.zone:<8}{len(a.households.villages):>9}"
            f"{len(a.households):>11}{100 * f.wrong_exit_rate.value:>13.2f}"
            f"{100 * f.missed_rate.value:>10.2f}{100 * f.incidence.value:>12.2f}"
            f"{100 * f.recognition.value:>14.1f}  {f.decision}"
            + (f" (straddles: {', '.join(f.straddling)})" if f.straddling else "")
        )
    households = sum(len(a.households) for a in results)
    summary = {
        "preset": args.preset,
        "counties": len(results),
        "households_surveyed": households,
        "households_per_county": households / max(len(results), 1),
        "suspected": sum(int((a.answers.suspected != "").sum()) for a in results),
        "verification_paths": sum(len(a.paths) for a in results),
        "total_seconds": round(total_s, 2),
        "generate_seconds": round(generate_s, 2),
        "assess_seconds": round(total_s - generate_s, 2),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps(summary, ensure_ascii=False))
    if args.json is not None:
        payload = {"summary": summary, "counties": [a.as_dict() for a in results]}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


class _GenerationTimer:
    """Adds up the time spent generating the county batches (the rest is the assessment)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, batches: Iterator[CountyBatch]) -> Iterator[CountyBatch]:
        while True:
            t0 = time.perf_counter()
            batch = next(batches, None)
            self.seconds += time.perf_counter() - t0
            if batch is None:
                return
            yield batch


if __name__ == "__main__":
    sys.exit(main())
