"""The main job: `fupin demo --no-serve --seed S --json FILE` on a fresh data folder."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

FIGURES = {"wrong_exit_rate", "missed_rate", "incidence", "recognition"}


@pytest.mark.slow
def test_demo_runs_a_whole_assessment_and_writes_json_and_reports(
    tmp_path: Path, set_up_database: Path
):
    env = dict(
        os.environ, FUPIN_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'f.sqlite3'}"
    )
    out = tmp_path / "results.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "fupin.cli",
            "demo",
            "--no-serve",
            "--seed",
            "11",
            "--json",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert len(result["counties"]) == 1
    county = result["counties"][0]
    assert {"code", "name", "zone", "figures", "decision"} <= set(county)
    assert set(county["figures"]) == FIGURES
    for name, f in county["figures"].items():
        assert {"estimate", "ci", "truth", "threshold", "verdict"} <= set(f), name
        lo, hi = f["ci"]
        assert lo <= f["estimate"] <= hi
        assert f["verdict"] in {"pass", "fail"}
        assert 0 <= f["truth"] <= 1
    assert county["decision"] in {"pass", "fail"}
    # One login per role the platform has (fupin/demo/people.py), each printed with its role.
    from fupin.accounts.models import Role
    from fupin.accounts.models import Role as Duty  # one role model: duties are roles too

    logins = [
        line.split()[0]
        for line in run.stderr.splitlines()
        if line.startswith("  ") and "：" in line
    ]
    for username in (
        "demo",
        "sheng",
        "shi",
        "shi2",
        "xian",
        "xian2",
        "xian3",
        "xian4",
        "xiang",
        "xiang2",
        "xiang3",
        "cun",
        "cun2",
        "pinggu",
        "dongbu",
        "jigou",
    ):
        assert username in logins, username
    with sqlite3.connect(tmp_path / "f.sqlite3") as db:
        marks = ",".join("?" * len(logins))
        roles = {
            r
            for (r,) in db.execute(
                f"select distinct m.role from auth_user u join accounts_membership m on m.user_id = u.id"
                f" where u.username in ({marks})",
                logins,
            )
        }
        duties = {
            g
            for (g,) in db.execute(
                f"select distinct m.role from auth_user u join accounts_membership m on m.user_id = u.id"
                f" where u.username in ({marks})",
                logins,
            )
        }
        unusable = db.execute(
            f"select count(*) from auth_user where username in ({marks}) and password like '!%'",
            logins,
        ).fetchone()[0]
        # 双到 and the three ledgers, so the help pages and the ledger checks have data.
        assert db.execute("select count(*) from assistance_householdpairing").fetchone()[0] > 500
        assert db.execute("select count(*) from assistance_visitlog").fetchone()[0] > 1000
    assert roles == set(Role.values)
    assert duties == set(Duty.values)
    assert unusable == 0  # every listed login has the demo password

    reports = tmp_path / "reports"
    html = next(reports.glob("评估报告-*.html")).read_text(encoding="utf-8")
    assert county["name"] in html and "echarts" in html and "不打分、不排队" in html
    assert 'src="http' not in html and "src='http" not in html  # self-contained: no CDN
    samples = load_workbook(next(reports.glob("抽样名单-*.xlsx")), read_only=True)
    assert samples.sheetnames == ["抽样名单"]
    # Rows counted, not max_row: the one spreadsheet writer streams (write-only), with no <dimension>.
    drawn = sum(1 for _ in samples["抽样名单"].iter_rows())
    assert drawn > 300  # the demo county: some 900 drawn households plus villages
    problems = load_workbook(next(reports.glob("问题清单-*.xlsx")), read_only=True)
    assert problems.sheetnames == ["问题清单", "核实过程"]

    # Recorded assessments keep their households: rebuilding the county is refused, nothing lost.
    rebuild = subprocess.run(
        [sys.executable, "-m", "fupin.cli", "synth", "--replace", "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rebuild.returncode == 2 and "评估记录引用" in rebuild.stderr, rebuild.stderr[-2000:]
    with sqlite3.connect(tmp_path / "f.sqlite3") as db:
        assert db.execute("select count(*) from registry_household").fetchone()[0] == 1500

    # The same seed gives the same figures: every published number is reproducible. The second
    # run starts from a database `fupin setup` built (once per session), not from an empty file:
    # the run above already showed the demo sets up an empty folder itself.
    again = tmp_path / "again.json"
    (tmp_path / "second").mkdir()
    shutil.copyfile(set_up_database, tmp_path / "second" / "g.sqlite3")
    env2 = dict(
        env,
        FUPIN_DATA_DIR=str(tmp_path / "second"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'second' / 'g.sqlite3'}",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "fupin.cli",
            "demo",
            "--no-serve",
            "--seed",
            "11",
            "--json",
            str(again),
        ],
        env=env2,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (
        json.loads(again.read_text(encoding="utf-8"))["counties"][0]["figures"] == county["figures"]
    )
