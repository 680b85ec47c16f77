"""`fupin check --format json` on a set-up data folder with the demo county, from a subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook


@pytest.mark.slow
def test_check_prints_the_rules_and_the_households_flagged(
    tmp_path: Path, set_up_data_folder: dict[str, str]
):
    # A data folder `fupin setup` has built (once per session: fupin/testing/datafolder.py).
    env = set_up_data_folder
    built = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "synth", "--preset", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    county = "620121000000"
    xlsx = tmp_path / "checks.xlsx"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "fupin.cli",
            "check",
            "--region",
            county,
            "--format",
            "json",
            "--xlsx",
            str(xlsx),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout)
    assert set(out) == {"rules", "households_flagged"}
    assert all(set(r) == {"id", "title", "flagged"} for r in out["rules"])
    counts = {r["id"]: r["flagged"] for r in out["rules"]}
    # The demo county's planted recording errors (2% of 600 registered households) are found.
    assert counts["income.per_capita_inconsistent"] >= 3
    assert counts["members.duplicate"] >= 1 and counts["members.deceased"] >= 1
    assert counts["ledgers.no_visit_this_year"] is None
    assert 10 <= out["households_flagged"] <= 40
    assert load_workbook(xlsx, read_only=True).sheetnames == ["规则汇总", "问题户"]

    bad = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "check", "--region", "999999999999"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert bad.returncode == 2 and "999999999999" in bad.stderr
