"""Time `fupin --help` and `fupin sample-counties`, each in a fresh interpreter (start-up included).

Reports the median over a few runs of wall time and of CPU time (user + system of the child
process, from os.wait4), since the machine may be shared. The target is 0.3 s for each.

    .venv/bin/python bench/bench_cli.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "fupin --help": ["--help"],
    "fupin sample-counties": [
        "sample-counties",
        "--exit-year",
        "2018",
        "--rate",
        "0.2",
        "--seed",
        "1",
    ],
}


def one_run(args: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "fupin.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"fupin {' '.join(args)} failed with exit code {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    repeats = parser.parse_args().repeats
    print(f"{'command':24} {'wall s':>8} {'cpu s':>8}  (median of {repeats})")
    for name, args in COMMANDS.items():
        runs = [one_run(args) for _ in range(repeats)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"{name:24} {wall:8.3f} {cpu:8.3f}")


if __name__ == "__main__":
    main()
