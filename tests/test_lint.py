"""`ruff check` and `ruff format` are clean over fupin, bench and tests (issue #13, item 6): the
suite fails with ruff's own report, so that an unformatted file cannot land unnoticed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TREES = ("fupin", "bench", "tests")


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *TREES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [("check", "--no-fix", "--output-format=concise"), ("format", "--check")],
    ids=["check", "format"],
)
def test_ruff_is_clean(args: tuple[str, ...]) -> None:
    run = _ruff(*args)
    if run.returncode != 0:
        pytest.fail(f"ruff {' '.join(args)} failed:\n{run.stdout}{run.stderr}", pytrace=False)
