"""fupin.stats stays pure: importing it loads neither Django nor pandas."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_importing_fupin_stats_does_not_import_django_or_pandas():
    code = (
        "import sys, fupin.stats, fupin.stats.selection, fupin.stats.allocation, fupin.cli.stats;"
        "print('django' in sys.modules, 'pandas' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
