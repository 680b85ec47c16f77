"""Benchmark: the recorded (database) assessment of full-size Gansu counties, end to end.

Generates the first `--counties` counties of the Gansu preset (full size, about 43 000
households each) into a fresh SQLite database, then runs `campaign_run_simulated`: recorded
draws, solver assignment, every questionnaire through `submission_receive`, every suspected
problem through the five verification steps, figures recomputed from the records. Reports the
time of each part and the peak memory. The pure computation for all 58 counties is
`bench/bench_assess.py`; this one measures what recording every step costs.

    uv run python bench/bench_assess_db.py [--counties 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fupin-bench-assess-db-"))
    os.environ.update(
        FUPIN_DATA_DIR=str(work),
        DATABASE_URL=f"sqlite:///{work / 'f.sqlite3'}",
        DJANGO_SETTINGS_MODULE="fupin.settings",
    )
    import django

    django.setup()
    from fupin import synth
    from fupin.cli.registry import run_setup
    from fupin.demo.loading import registry_load_synth
    from fupin.demo.running import campaign_run_simulated

    run_setup()
    gansu = synth.preset("gansu", seed=args.seed)
    config = gansu.replace(
        counties=gansu.counties[: args.counties],
        poor_villages=gansu.poor_villages * args.counties // len(gansu.counties),
        nonpoor_villages=gansu.nonpoor_villages * args.counties // len(gansu.counties),
        registered_households=gansu.registered_households * args.counties // len(gansu.counties),
        registered_persons=gansu.registered_persons * args.counties // len(gansu.counties),
        nonregistered_households=gansu.nonregistered_households
        * args.counties
        // len(gansu.counties),
    )
    started = time.perf_counter()
    totals = registry_load_synth(batches=synth.generate(config))
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    outcome = campaign_run_simulated(seed=args.seed, progress=lambda m: print(m, file=sys.stderr))
    run_seconds = time.perf_counter() - started
    counties = outcome.as_json()["counties"]
    result = {
        "benchmark": "assess_db",
        "counties": len(counties),
        "households_in_registry": totals["households"],
        "sampled_households": sum(c["sampled_households"] for c in counties),
        "suspected_problems": sum(c["suspected_problems"] for c in counties),
        "synth_load_seconds": round(load_seconds, 1),
        "assessment_seconds": round(run_seconds, 1),
        "assessment_seconds_per_county": round(run_seconds / max(len(counties), 1), 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
