"""Run every benchmark in bench/ one after another, each writing bench/results/<name>.json.

uv run python bench/run_all.py [--only stats,synth,synth_db,assess]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "stats": ["bench_stats.py"],
    "synth": ["bench_synth.py", "--preset", "gansu"],
    "synth_db": ["bench_synth_db.py", "--preset", "gansu"],
    "assess": ["bench_assess.py", "--preset", "gansu"],
    "assess_db": ["bench_assess_db.py", "--counties", "3"],
    "import": ["bench_import.py"],
    "checks": ["bench_checks.py", "--preset", "gansu"],
    "web": ["bench_web.py"],
    "cli_small": ["bench_cli_small.py"],
    "suite": ["bench_suite.py", "--preset", "gansu", "--national"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHES))
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHES)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    failed = []
    for name in names:
        script, *rest = BENCHES[name]
        print(f"== {name}", flush=True)
        code = subprocess.call(
            [sys.executable, str(HERE / script), *rest, "--json", str(out / f"{name}.json")]
        )
        if code:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
