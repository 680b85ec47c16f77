"""The analytics layer stays pure: importing it, and running an expression, never loads Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_importing_and_running_analytics_does_not_import_django(tmp_path: Path) -> None:
    code = (
        "import sys, pathlib;"
        "import fupin.analytics, fupin.analytics.schema, fupin.analytics.snapshot,"
        " fupin.analytics.expressions, fupin.analytics.engines, fupin.analytics.keys,"
        " fupin.testing.snapshots, fupin.analytics.checks, fupin.analytics.matching,"
        " fupin.analytics.jobs, fupin.analytics.spark_job;"
        "from fupin.synth import generate, preset;"
        "from fupin.testing.snapshots import snapshot_from_batches;"
        "from fupin.analytics.engines import DuckDBEngine;"
        "from fupin.analytics.expressions import region_indicators;"
        f"s = snapshot_from_batches(generate(preset('demo')), pathlib.Path({str(tmp_path)!r}), secret='k');"
        "DuckDBEngine(s).to_pyarrow(region_indicators('county'));"
        "assert 'django' not in sys.modules, 'django imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
