"""Benchmark: `fupin bench --preset small` (the run tests/test_bench_cli.py checks for results)
timed end to end, against its target of one minute on an unloaded 2-core machine.

The test used to assert `elapsed < 60` and failed on a busy CI machine with nothing wrong; the
time is measured here instead, where a slow machine shows as a figure, not as a red build.

    uv run python bench/bench_cli_small.py [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0
ARGS = [
    "bench",
    "--preset",
    "small",
    "--threads",
    "2",
    "--national",
    "--national-households",
    "50000",
    "--national-chunk",
    "20000",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    from fupin.cli import main as fupin

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        start = time.perf_counter()
        code = fupin([*ARGS, "--json", str(out)])
        elapsed = time.perf_counter() - start
        steps = json.loads(out.read_text(encoding="utf-8"))["steps"] if code == 0 else []
    figures = {
        "command": "fupin " + " ".join(ARGS),
        "seconds": round(elapsed, 2),
        "target_seconds": TARGET_SECONDS,
        "within_target": elapsed < TARGET_SECONDS,
        "steps": {
            s["step"]: {way: s[way]["seconds"] for way in ("fupin", "pandas", "sql")} for s in steps
        },
        "machine": {
            "cores": os.cpu_count(),
            "load_1min": os.getloadavg()[0],
            "python": platform.python_version(),
        },
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
