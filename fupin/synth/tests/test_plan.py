"""Tests of how the province's totals are shared out over counties."""

from __future__ import annotations

import numpy as np
import pytest

from fupin.synth import preset, read_counties
from fupin.synth.households import tilted_pmf
from fupin.synth.plan import apportion, plan_counties


def test_apportion_meets_the_total_exactly() -> None:
    parts = apportion(1000, np.array([1.0, 2.0, 3.3, 0.1]), minimum=1)
    assert parts.sum() == 1000
    assert parts.min() >= 1


def test_gansu_plan_meets_the_seed_figures() -> None:
    config = preset("gansu")
    assert len(config.counties) == 58
    assert {c.province for c in config.counties} == {"甘肃省"}
    plans = plan_counties(config)
    assert sum(p.poor_villages for p in plans) == 6220
    assert sum(p.registered_households for p in plans) == 1_010_000
    assert all(p.poor_villages >= 1 and p.registered_households > 0 for p in plans)
    deep = {p.county.code for p in plans if p.deeply_poor}
    assert {"622926", "623021", "620623", "621121"} <= deep
    assert "620121" not in deep


def test_read_counties_reads_the_832_list() -> None:
    rows = read_counties()
    assert len(rows) == 832
    assert all(len(r.code) == 6 and r.zone in {"central", "west"} for r in rows)


def test_tilted_size_distribution_hits_the_mean() -> None:
    pmf = tilted_pmf(np.full(8, 1 / 8), 4.2)
    assert pmf @ np.arange(1, 9) == pytest.approx(4.2, abs=1e-6)


def test_config_rejects_duplicate_counties() -> None:
    config = preset("demo")
    with pytest.raises(ValueError, match="distinct"):
        config.replace(counties=config.counties * 2)
