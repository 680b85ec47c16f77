"""Simulation: on synthetic counties with planted errors, each rule finds what was planted."""

from __future__ import annotations

import numpy as np
import pytest

from fupin.checks import CheckData, CheckResult, concat, from_arrow, run_checks
from fupin.checks.scoring import PLANTED_FOR_RULE, Score, score
from fupin.synth import SynthConfig, generate, preset
from fupin.synth.truth import PLANTED_KINDS

PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.9


def _scored(config: SynthConfig) -> tuple[CheckResult, list[Score]]:
    parts: list[CheckData] = []
    labels: dict[str, list[np.ndarray]] = {k: [] for k in PLANTED_KINDS}
    for b in generate(config):
        parts.append(from_arrow(b.households, b.persons, year=config.year, events=b.events))
        for k in PLANTED_KINDS:
            labels[k].append(
                b.truth_households.column(f"planted_{k}").to_numpy(zero_copy_only=False)
            )
    data = concat(parts)
    result = run_checks(data)
    return result, score(result, {k: np.concatenate(v) for k, v in labels.items()})


@pytest.fixture(scope="module")
def demo_scores() -> tuple[CheckResult, list[Score]]:
    # The demo county with more errors than usual, so every planted kind occurs several times.
    return _scored(preset("demo", recording_error_rate=0.15, check_error_rate=0.05))


def test_every_rule_with_planted_truth_is_scored(demo_scores) -> None:  # type: ignore[no-untyped-def]
    _, scores = demo_scores
    assert {s.rule for s in scores} == set(PLANTED_FOR_RULE)
    assert all(s.planted >= 3 for s in scores), [s.as_dict() for s in scores]


def test_precision_and_recall_are_above_the_floors(demo_scores) -> None:  # type: ignore[no-untyped-def]
    _, scores = demo_scores
    for s in scores:
        assert s.recall is not None and s.recall >= RECALL_FLOOR, s.as_dict()
        assert s.precision is not None and s.precision >= PRECISION_FLOOR, s.as_dict()


def test_rules_without_planted_errors_flag_almost_nothing(demo_scores) -> None:  # type: ignore[no-untyped-def]
    result, _ = demo_scores
    registered = 600
    for r in result.rules:
        if r.id not in PLANTED_FOR_RULE and r.ran:
            assert r.flagged is not None and r.flagged <= 0.01 * registered, (r.id, r.flagged)


def test_without_check_errors_the_new_rules_flag_nothing_planted() -> None:
    result, scores = _scored(preset("demo"))
    by_rule = {s.rule: s for s in scores}
    assert by_rule["identification.far_above_line"].planted == 0
    assert result.counts()["identification.far_above_line"] == 0
    assert result.counts()["exits.failed_guarantee"] == 0
