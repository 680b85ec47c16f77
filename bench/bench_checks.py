"""Benchmark of the registry checks (平台8个准): time over a whole synthetic province, and each
rule's precision and recall against the errors planted in it.

    uv run python bench/bench_checks.py --preset gansu [--check-error-rate 0.01] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

from fupin.checks import CheckData, concat, from_arrow, run_checks
from fupin.checks.scoring import score
from fupin.synth import generate, preset
from fupin.synth.truth import PLANTED_KINDS


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="gansu", choices=["demo", "gansu"])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--check-error-rate",
        type=float,
        default=0.01,
        help="share of registered households given an error only the checks look for "
        "(far above the line, exit with a failed guarantee); the synth default is 0",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)

    config = preset(args.preset, check_error_rate=args.check_error_rate)
    if args.seed is not None:
        config = config.replace(seed=args.seed)

    start = time.perf_counter()
    parts: list[CheckData] = []
    labels: dict[str, list[np.ndarray]] = {k: [] for k in PLANTED_KINDS}
    for batch in generate(config):
        parts.append(
            from_arrow(batch.households, batch.persons, year=config.year, events=batch.events)
        )
        t = batch.truth_households
        for k in PLANTED_KINDS:
            labels[k].append(np.asarray(t.column(f"planted_{k}").to_numpy(zero_copy_only=False)))
    generated = time.perf_counter() - start
    data = concat(parts)
    del parts
    truth = {k: np.concatenate(v) for k, v in labels.items()}

    start = time.perf_counter()
    result = run_checks(data)
    checked = time.perf_counter() - start

    scores = [s.as_dict() for s in score(result, truth)]
    figures = {
        "benchmark": "checks",
        "preset": args.preset,
        "seed": config.seed,
        "year": config.year,
        "check_error_rate": args.check_error_rate,
        "recording_error_rate": config.recording_error_rate,
        "households": len(data.households),
        "persons": len(data.persons),
        "generate_seconds": round(generated, 1),
        "check_seconds": round(checked, 2),
        "peak_rss_mib": round(peak_rss_mib()),
        "households_flagged": result.households_flagged,
        "rules": [
            {
                "id": r.id,
                "title": r.title,
                "accuracy": r.accuracy,
                "flagged": r.flagged,
                "seconds": round(r.seconds, 3),
                **({"note": r.note} if r.note else {}),
            }
            for r in result.rules
        ],
        "precision_recall": scores,
    }
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.json is not None:
        args.json.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
