"""The assessment engine stays pure: importing any of its modules (or the CLI) never loads Django."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
ENGINE = REPO / "fupin" / "assessments" / "engine"


def test_importing_the_engine_does_not_import_django():
    modules = sorted(
        f"fupin.assessments.engine.{p.stem}" for p in ENGINE.glob("*.py") if p.stem != "__init__"
    )
    assert "fupin.assessments.engine.figures" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules + ['fupin.cli.assessments']!r}:\n"
        "    importlib.import_module(name)\n"
        "print('django' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]
