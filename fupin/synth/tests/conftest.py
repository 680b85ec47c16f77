"""Shared synthetic data for the synth tests: the demo county and a mid-size three-county set."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from fupin.synth import CountyBatch, SynthConfig, generate, preset

TABLES = ("regions", "households", "persons", "events", "truth_households")
Columns = dict[str, Any]


def columns(table: pa.Table) -> Columns:
    """Each column as a NumPy array (strings as object arrays, dates as datetime64[D])."""
    out: Columns = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_date32(col.type):
            out[name] = col.to_numpy().astype("datetime64[D]")
        else:
            out[name] = np.asarray(col.to_numpy(zero_copy_only=False))
    return out


def frames(batches: list[CountyBatch]) -> dict[str, Columns]:
    return {n: columns(pa.concat_tables([getattr(b, n) for b in batches])) for n in TABLES}


@pytest.fixture(scope="session")
def demo_config() -> SynthConfig:
    return preset("demo")


@pytest.fixture(scope="session")
def demo_batches(demo_config: SynthConfig) -> list[CountyBatch]:
    return list(generate(demo_config))


@pytest.fixture(scope="session")
def demo(demo_batches: list[CountyBatch]) -> dict[str, Columns]:
    return frames(demo_batches)


@pytest.fixture(scope="session")
def mid_config() -> SynthConfig:
    gansu = preset("gansu")
    # One county that exited in 2017, one in 2019 and one still poor in 2019 (exit 2020).
    picked = tuple(c for c in gansu.counties if c.code in {"620122", "620421", "621121"})
    return gansu.replace(
        counties=picked,
        seed=7,
        poor_villages=70,
        nonpoor_villages=50,
        registered_households=12_000,
        registered_persons=49_600,
        nonregistered_households=15_000,
        wrong_exit_rate=0.03,
        missed_rate=0.02,
        recording_error_rate=0.04,
        return_rate=0.02,
    )


@pytest.fixture(scope="session")
def mid_batches(mid_config: SynthConfig) -> list[CountyBatch]:
    return list(generate(mid_config))


@pytest.fixture(scope="session")
def mid(mid_batches: list[CountyBatch]) -> dict[str, Columns]:
    return frames(mid_batches)
