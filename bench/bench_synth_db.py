"""Benchmark: `fupin synth --preset gansu` into a fresh SQLite database (issue #2's target).

Runs the real command in a subprocess against an empty data folder and reports its wall time and
peak memory (the child's maximum resident set size). Target on a 2-core machine: under 5 minutes
and under 8 GiB.

    uv run python bench/bench_synth_db.py [--preset gansu] [--json FILE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="gansu", choices=["demo", "gansu"])
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="fupin-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        FUPIN_DATA_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'fupin.sqlite3'}",
        FUPIN_PROGRESS="1",
    )
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "fupin.cli", "synth", "--preset", args.preset], env=env, check=True
    )
    seconds = time.perf_counter() - started
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    with sqlite3.connect(folder / "fupin.sqlite3") as db:
        counts = {
            "villages": db.execute(
                "select count(*) from regions_region where level='village'"
            ).fetchone()[0],
            "households": db.execute("select count(*) from registry_household").fetchone()[0],
            "registered_households": db.execute(
                "select count(*) from registry_household where registered"
            ).fetchone()[0],
            "persons": db.execute("select count(*) from registry_person").fetchone()[0],
            "events": db.execute("select count(*) from registry_statusevent").fetchone()[0],
        }
    result = {
        "benchmark": "synth_db",
        "preset": args.preset,
        "seconds": round(seconds, 1),
        "peak_rss_gib": round(peak_gib, 2),
        "database_gib": round((folder / "fupin.sqlite3").stat().st_size / 1024**3, 2),
        "counts": counts,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
