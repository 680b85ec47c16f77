"""Loading the reference CSVs and comparing with numbers as R prints them."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import csv
import math
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

DATA = Path(__file__).resolve().parent / "data"


@cache
def _read(name: str) -> dict[str, list[str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [row[key] for row in rows] for key in rows[0]}


def num(name: str, column: str) -> npt.NDArray[np.float64]:
    """A numeric column; empty cells (R's NA) are NaN."""
    return np.array([float(v) if v != "" else math.nan for v in _read(name)[column]])


def text(name: str, column: str) -> npt.NDArray[np.str_]:
    return np.array(_read(name)[column])


def assert_prints(value: float, printed: str) -> None:
    """`value` agrees with R's printed number to the digits printed (half a unit in the last)."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    tolerance = 0.5 * 10.0**-decimals * (1 + 1e-9)
    assert abs(value - float(printed)) <= tolerance, f"{value!r} does not print as {printed}"
