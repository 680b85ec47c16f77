"""The checks package stays pure: importing it and running every rule never loads Django."""

from __future__ import annotations

import subprocess
import sys


def test_running_the_checks_does_not_import_django() -> None:
    code = (
        "import sys, fupin.checks;"
        "from fupin.checks import run_checks, from_arrow;"
        "from fupin.checks.scoring import score;"
        "from fupin.synth import generate, preset;"
        "b = next(generate(preset('demo')));"
        "run_checks(from_arrow(b.households, b.persons, year=2019, events=b.events));"
        "assert 'django' not in sys.modules, 'django imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
