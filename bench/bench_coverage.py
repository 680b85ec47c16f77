"""Coverage of the four figures' 95 % intervals over many redraws (issue #19), at the default plan.

    .venv/bin/python bench/bench_coverage.py [--replicates 1000] [--county demo county10k]
                                             [--villages 16 --exited 30 --poor 5 --nonregistered 30]

Prints one JSON line per county (mean households and villages drawn, the truth, the share of
intervals that contain it, that lie wholly below it, and that are flagged 样本不足以给出可靠区间)
and exits 1 when a coverage is outside 93-97 %.  See fupin/assessments/engine/coverage.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fupin.assessments.engine.coverage import COUNTIES, coverage  # noqa: E402
from fupin.assessments.engine.sampling import SamplingSettings  # noqa: E402


def main() -> int:
    default = SamplingSettings()
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicates", type=int, default=1000)
    p.add_argument("--county", nargs="+", choices=sorted(COUNTIES), default=["demo", "county10k"])
    p.add_argument("--villages", type=int, default=default.villages)
    p.add_argument("--exited", type=int, default=default.exited_per_village)
    p.add_argument("--poor", type=int, default=default.poor_per_village)
    p.add_argument("--nonregistered", type=int, default=default.nonregistered_per_village)
    args = p.parse_args()
    settings = SamplingSettings(
        villages=args.villages,
        exited_per_village=args.exited,
        poor_per_village=args.poor,
        nonregistered_per_village=args.nonregistered,
    )
    ok = True
    for name in args.county:
        got = coverage(name, args.replicates, settings)
        print(json.dumps({**got.as_dict(), "settings": settings.as_dict()}, ensure_ascii=False))
        ok &= all(0.93 <= v <= 0.97 for v in got.covered.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
