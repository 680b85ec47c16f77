"""One county end to end: determinism, replay of recorded draws, truth figures, registry-only frames."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pyarrow as pa
import pytest

from fupin.assessments.engine.frames import (
    EXITED,
    NONREGISTERED,
    frame_from_batch,
    truth_from_batch,
)
from fupin.assessments.engine.pipeline import assess_county, assess_province, truth_figures
from fupin.assessments.engine.sampling import SamplingSettings, draw_households, draw_villages
from fupin.synth import generate, preset

SETTINGS = SamplingSettings(villages=10)


@pytest.fixture(scope="module")
def demo():
    batch = next(generate(preset("demo")))
    frame = frame_from_batch(batch)
    return batch, frame, truth_from_batch(batch, frame)


def test_the_frame_comes_from_the_registry_alone(demo):
    batch, frame, _ = demo
    blind = dataclasses.replace(batch, truth_households=pa.table({"x": [1]}))
    again = frame_from_batch(blind)
    assert again.fingerprint() == frame.fingerprint()
    status = np.asarray(batch.households.column("status").to_pylist())
    assert np.array_equal(frame.stratum == EXITED, status == "exited")
    assert np.array_equal(frame.stratum == NONREGISTERED, np.isin(status, ["", "removed"]))
    assert frame.rural_population == frame.size.sum()
    assert frame.zone.value == "west"


def test_same_seed_same_assessment_other_seed_other_sample(demo):
    _, frame, truth = demo
    a = assess_county(frame, truth, SETTINGS, np.random.default_rng(42))
    b = assess_county(frame, truth, SETTINGS, np.random.default_rng(42))
    c = assess_county(frame, truth, SETTINGS, np.random.default_rng(43))
    assert np.array_equal(a.households.index, b.households.index)
    assert a.figures == b.figures and a.paths == b.paths
    assert not np.array_equal(a.households.index, c.households.index)
    json.dumps(a.as_dict(), ensure_ascii=False)


def test_recorded_seeds_replay_the_draws(demo):
    _, frame, truth = demo
    a = assess_county(frame, truth, SETTINGS, np.random.default_rng(42))
    villages = a.households.villages
    assert villages.seed.fresh and a.households.seed.fresh
    v = draw_villages(frame, SETTINGS, villages.seed.generator())
    h = draw_households(frame, v, SETTINGS, a.households.seed.generator())
    assert np.array_equal(v.index, villages.index)
    assert np.array_equal(h.index, a.households.index)


def test_paths_confirm_what_the_figures_count(demo):
    _, frame, truth = demo
    a = assess_county(frame, truth, SETTINGS, np.random.default_rng(5))
    fast = assess_county(frame, truth, SETTINGS, np.random.default_rng(5), with_paths=False)
    assert a.figures == fast.figures
    confirmed = {(p.position, p.problem) for p in a.paths if p.confirmed}
    flags = {(int(i), "wrong_exit") for i in np.flatnonzero(a.confirmed.wrong_exit)}
    flags |= {(int(i), "missed") for i in np.flatnonzero(a.confirmed.missed)}
    assert confirmed == flags


def test_truth_figures_by_hand(demo):
    _, frame, truth = demo
    t = truth_figures(frame, truth)
    ex = frame.stratum == EXITED
    wrong = truth.meets_standard & ex
    assert t.wrong_exit_rate == pytest.approx(truth.size[wrong].sum() / truth.size[ex].sum())
    nr = frame.stratum == NONREGISTERED
    missed = truth.meets_standard & nr
    assert t.missed_rate == pytest.approx(truth.size[missed].sum() / truth.size[nr].sum())
    assert 0 < t.wrong_exit_rate < 0.05 and 0 < t.missed_rate < 0.05
    assert t.incidence == pytest.approx(
        (
            frame.poor_persons
            + frame.exited_persons * t.wrong_exit_rate
            + frame.nonregistered_persons * t.missed_rate
        )
        / frame.rural_population
    )
    assert 0.85 < t.recognition < 1


def test_assess_province_filters_counties():
    config = preset("demo")
    found = list(assess_province(generate(config), SETTINGS, seed=1))
    assert [a.frame.code for a in found] == ["620121"]
    assert list(assess_province(generate(config), SETTINGS, seed=1, county_codes={"000000"})) == []
