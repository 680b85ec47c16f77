"""The matching package stays pure: importing and running it never loads Django."""

from __future__ import annotations

import subprocess
import sys


def test_importing_matching_does_not_import_django() -> None:
    code = (
        "import sys, fupin.matching;"
        "from fupin.matching import normalize_keys;"
        "normalize_keys(['110105194912310021']);"
        "assert 'django' not in sys.modules, 'django imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
