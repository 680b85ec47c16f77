"""The synthetic-province package stays pure: importing it never loads Django."""

from __future__ import annotations

import subprocess
import sys


def test_importing_synth_does_not_import_django() -> None:
    code = (
        "import sys, fupin.synth, fupin.synth.generate, fupin.synth.parquet;"
        "from fupin.synth import generate, preset;"
        "next(generate(preset('demo')));"
        "assert 'django' not in sys.modules, 'django imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
