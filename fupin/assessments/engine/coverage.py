"""Coverage of the figures' 95 % intervals by simulation: redraw, re-survey, re-verify, re-estimate.

Two counties are used by the tests and by `bench/bench_coverage.py`:

* "demo": the demo county as `fupin demo` builds it (synthetic seed 20190101: 20 villages,
  1 500 households, about 1.3 % wrong exits and 0.85 % missed households);
* "county10k": a county of 60 villages and 10 000 households with 2.5 % wrong exits and
  missed households planted (the population of the old coverage test).

Each replicate i draws villages and households with `np.random.default_rng([seed, i])`,
simulates the survey with measurement error and the five verification steps (fast path),
estimates the four figures and checks whether each interval contains the county's
finite-population truth (`truth_figures`: recognition is scored against what the survey
measures, the expected share answering that they recognise the work).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fupin.assessments.engine.figures import FIGURES
from fupin.assessments.engine.frames import frame_from_batch, truth_from_batch
from fupin.assessments.engine.pipeline import assess_county, truth_figures
from fupin.assessments.engine.sampling import SamplingSettings

COUNTIES: dict[str, dict[str, Any]] = {
    "demo": {"seed": 20190101},
    "county10k": {
        "seed": 7,
        "poor_villages": 36,
        "nonpoor_villages": 24,
        "registered_households": 4_000,
        "registered_persons": 16_500,
        "nonregistered_households": 6_000,
        "wrong_exit_rate": 0.025,
        "missed_rate": 0.025,
    },
}


@dataclass(frozen=True)
class Coverage:
    county: str
    replicates: int
    households: float  # mean sampled households
    villages: float
    truth: dict[str, float]
    covered: dict[str, float]  # share of replicates whose interval contains the truth
    sparse: dict[str, float]  # share flagged 样本不足以给出可靠区间
    below: dict[str, float]  # share of intervals wholly below the truth

    def as_dict(self) -> dict[str, Any]:
        return {
            "county": self.county,
            "replicates": self.replicates,
            "households": self.households,
            "villages": self.villages,
            "truth": self.truth,
            "covered": self.covered,
            "sparse": self.sparse,
            "below": self.below,
        }


def county(name: str) -> tuple[Any, Any]:
    """(frame, truth) of one of COUNTIES."""
    from fupin.synth import generate, preset

    batch = next(generate(preset("demo", **COUNTIES[name])))
    frame = frame_from_batch(batch)
    return frame, truth_from_batch(batch, frame)


def coverage(
    name: str,
    replicates: int,
    settings: SamplingSettings | None = None,
    seed: int = 2024,
) -> Coverage:
    settings = settings or SamplingSettings()
    frame, truth = county(name)
    target = truth_figures(frame, truth).as_dict()
    names = [f.value for f in FIGURES]
    hit = dict.fromkeys(names, 0)
    thin = dict.fromkeys(names, 0)
    low = dict.fromkeys(names, 0)
    households = villages = 0
    for i in range(replicates):
        a = assess_county(
            frame,
            truth,
            settings,
            np.random.default_rng([seed, i]),
            with_paths=False,
            score=False,
        )
        households += len(a.households)
        villages += len(a.households.villages)
        for f in a.figures.figures:
            t = target[f.name]
            hit[f.name] += f.ci[0] <= t <= f.ci[1]
            low[f.name] += f.ci[1] < t
            thin[f.name] += f.sparse
    return Coverage(
        county=name,
        replicates=replicates,
        households=households / replicates,
        villages=villages / replicates,
        truth=target,
        covered={k: v / replicates for k, v in hit.items()},
        sparse={k: v / replicates for k, v in thin.items()},
        below={k: v / replicates for k, v in low.items()},
    )
