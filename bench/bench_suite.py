"""The benchmark suite (`fupin bench`): indicators, checks and department comparison, each timed
as fupin, plain pandas and hand-written DuckDB SQL.

    uv run python bench/bench_suite.py --preset gansu [--national] [--json FILE]
"""

from __future__ import annotations

import sys

from fupin.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
