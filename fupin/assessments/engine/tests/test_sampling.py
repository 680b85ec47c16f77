"""The three random draws: counties by province, villages by stratum, households by stratum."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from fupin.assessments.engine.frames import EXITED, NONREGISTERED, POOR, CountyFrame
from fupin.assessments.engine.sampling import (
    AT_RISK,
    DrawError,
    SamplingSettings,
    draw_households,
    draw_villages,
    sample_counties,
    village_allocation,
)
from fupin.cli import main
from fupin.synth import read_counties


def tiny_frame(seed: int = 0, villages: int = 8, per_village: int = 40) -> CountyFrame:
    """A county of `villages` villages (half poor) with mixed strata and some at-risk households."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(per_village // 2, per_village * 2, size=villages)
    village = np.repeat(np.arange(villages), sizes)
    n = village.shape[0]
    stratum = rng.choice([EXITED, POOR, NONREGISTERED], size=n, p=[0.45, 0.1, 0.45])
    return CountyFrame.from_arrays(
        code="620121",
        name="永登县",
        province="甘肃省",
        year=2019,
        household_no=[f"H{i:05d}" for i in range(n)],
        village_code=[f"V{v:03d}" for v in range(villages)],
        village_is_poor=np.arange(villages) % 2 == 0,
        village=village,
        stratum=stratum,
        size=rng.integers(1, 7, size=n),
        at_risk=rng.random(n) < 0.15,
    )


def test_2018_exits_at_20_percent_give_60_counties_in_all_22_provinces():
    counties = read_counties()
    draw = sample_counties(counties, exit_year=2018, rate=0.2, rng=np.random.default_rng(2019))
    assert draw.frame_size == 283
    assert len(draw.rows) == 60
    assert len({r.province for r in draw.rows}) == 22
    exits = {c.code: c.exit_year for c in counties}
    assert all(exits[r.code] == 2018 for r in draw.rows)
    assert [r.code for r in draw.rows] == sorted(r.code for r in draw.rows)
    per_province = Counter(r.province for r in draw.rows)
    for province, exited, drawn in draw.allocation:
        assert per_province[province] == drawn
        assert drawn == max(1, int(0.2 * exited + 0.5 + 1e-9))
    # 海南 and 重庆 (2 exits each) would round to 0: the minimum adds one each.
    assert dict((p, n) for p, _, n in draw.allocation)["海南省"] == 1
    assert all(
        r.pi == pytest.approx(dict((p, n / e) for p, e, n in draw.allocation)[r.province])
        for r in draw.rows
    )


def test_county_draw_is_reproducible_and_depends_on_the_seed():
    counties = read_counties()
    a = sample_counties(counties, exit_year=2018, rate=0.2, rng=np.random.default_rng(7))
    b = sample_counties(counties, exit_year=2018, rate=0.2, rng=np.random.default_rng(7))
    c = sample_counties(counties, exit_year=2018, rate=0.2, rng=np.random.default_rng(8))
    assert a.rows == b.rows
    assert a.rows != c.rows
    assert a.seed.fresh and a.seed.entropy == 7
    replay = sample_counties(counties, exit_year=2018, rate=0.2, rng=a.seed.generator())
    assert replay.rows == a.rows


def test_county_draw_refuses_a_year_without_exits_and_a_bad_rate():
    counties = read_counties()
    with pytest.raises(DrawError, match="no county exited in 2015"):
        sample_counties(counties, exit_year=2015, rate=0.2, rng=np.random.default_rng(1))
    with pytest.raises(DrawError, match="rate"):
        sample_counties(counties, exit_year=2018, rate=0.0, rng=np.random.default_rng(1))


def test_cli_sample_counties_prints_sorted_json(capsys):
    assert main(["sample-counties", "--exit-year", "2018", "--rate", "0.2", "--seed", "2019"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 60
    assert set(rows[0]) == {"code", "county", "province"}
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)


def test_cli_sample_counties_errors_are_one_line_and_exit_2(capsys):
    assert main(["sample-counties", "--exit-year", "2015", "--rate", "0.2", "--seed", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no county exited in 2015" in err
    assert main(["sample-counties", "--exit-year", "2018", "--rate", "2", "--seed", "1"]) == 2


def test_cli_sample_counties_table_lists_every_province(capsys):
    args = ["sample-counties", "--exit-year", "2018", "--rate", "0.2", "--seed", "3"]
    assert main([*args, "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "283" in out and "海南省\t2\t1" in out


def test_village_allocation_keeps_both_strata():
    frame = tiny_frame(villages=8)
    assert village_allocation(frame, SamplingSettings(villages=4, poor_village_share=0.65)) == (
        2,
        2,
    )
    assert village_allocation(frame, SamplingSettings(villages=6, poor_village_share=0.65)) == (
        4,
        2,
    )
    assert village_allocation(frame, SamplingSettings(villages=20)) == (4, 4)


@pytest.mark.parametrize("method", ["pps", "srs"])
def test_same_seed_and_frame_give_the_same_draw(method):
    frame = tiny_frame()
    settings = SamplingSettings(villages=4, village_method=method)
    v1 = draw_villages(frame, settings, np.random.default_rng(11))
    v2 = draw_villages(frame, settings, v1.seed.generator())
    assert np.array_equal(v1.index, v2.index) and np.array_equal(v1.pi, v2.pi)
    h1 = draw_households(frame, v1, settings, np.random.default_rng(12))
    h2 = draw_households(frame, v2, settings, h1.seed.generator())
    assert np.array_equal(h1.index, h2.index) and np.array_equal(h1.pi, h2.pi)
    assert v1.frame_fingerprint == frame.fingerprint() == tiny_frame().fingerprint()
    assert tiny_frame(seed=1).fingerprint() != frame.fingerprint()
    other = draw_villages(frame, settings, np.random.default_rng(13))
    h3 = draw_households(frame, other, settings, np.random.default_rng(12))
    assert not np.array_equal(h1.index, h3.index)
    json.dumps(h1.as_dict(frame), ensure_ascii=False)  # storable as plain data


def test_household_draw_takes_at_risk_in_full_and_srs_per_stratum():
    frame = tiny_frame(villages=10, per_village=60)
    settings = SamplingSettings(
        villages=6, exited_per_village=7, poor_per_village=2, nonregistered_per_village=5
    )
    villages = draw_villages(frame, settings, np.random.default_rng(3))
    draw = draw_households(frame, villages, settings, np.random.default_rng(4))
    assert np.all(np.diff(draw.index) > 0)
    sampled_villages = set(villages.index.tolist())
    in_sampled = np.isin(frame.village, villages.index)
    # Every at-risk household of a sampled village, with pi 1; none outside them.
    assert set(np.flatnonzero(in_sampled & frame.at_risk)) == set(draw.index[draw.certainty])
    assert np.all(draw.pi[draw.certainty] == 1.0)
    assert set(frame.village[draw.index].tolist()) <= sampled_villages
    for pos, v in enumerate(villages.index.tolist()):
        for s, want in zip((EXITED, POOR, NONREGISTERED), settings.per_stratum, strict=True):
            members = (frame.village == v) & (frame.stratum == s) & ~frame.at_risk
            rows = (draw.village == pos) & (draw.design_stratum == s)
            m, big_m = int(rows.sum()), int(members.sum())
            assert m == min(want, big_m)
            if m:
                assert np.all(draw.population[rows] == big_m)
                assert np.all(draw.sampled[rows] == m)
                assert np.allclose(draw.pi[rows], m / big_m)
    assert np.all(draw.stratum == frame.stratum[draw.index])
    assert np.all((draw.design_stratum == AT_RISK) == frame.at_risk[draw.index])


def test_without_at_risk_in_full_there_is_no_certainty_stratum():
    frame = tiny_frame()
    settings = SamplingSettings(villages=4, at_risk_in_full=False)
    villages = draw_villages(frame, settings, np.random.default_rng(1))
    draw = draw_households(frame, villages, settings, np.random.default_rng(2))
    assert not draw.certainty.any()


@pytest.mark.parametrize("method", ["pps", "srs"])
def test_inclusion_probabilities_match_selection_frequencies(method):
    frame = tiny_frame(villages=6, per_village=12)
    settings = SamplingSettings(
        villages=4,
        village_method=method,
        exited_per_village=3,
        poor_per_village=1,
        nonregistered_per_village=2,
    )
    reps = 3000
    hits = np.zeros(frame.n_households)
    pi = np.zeros(frame.n_households)
    root = np.random.SeedSequence(99)
    for child in root.spawn(reps):
        g1, g2 = (np.random.default_rng(s) for s in child.spawn(2))
        villages = draw_villages(frame, settings, g1)
        draw = draw_households(frame, villages, settings, g2)
        hits[draw.index] += 1
        pi[draw.index] = 1 / draw.weights  # the same for every draw that takes the household
    # pi of a household never drawn is not recorded; all are drawn at these rates.
    assert np.all(hits > 0)
    freq = hits / reps
    se = np.sqrt(pi * (1 - pi) / reps)
    assert np.all(np.abs(freq - pi) <= 4.5 * se + 1e-9)
