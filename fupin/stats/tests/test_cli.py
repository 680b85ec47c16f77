"""`fupin estimate`, in process and as a subprocess: JSON, text and one-line errors (exit 2)."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fupin.cli import main
from fupin.stats.tests.datasets import DATA, assert_prints, num, text

REPO = Path(__file__).resolve().parents[3]
APICLUS1 = str(DATA / "apiclus1.csv")
APICLUS2 = str(DATA / "apiclus2.csv")
APISTRAT = str(DATA / "apistrat.csv")


def run_json(capsys, *argv: str):  # type: ignore[no-untyped-def]
    code = main(["estimate", *argv, "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_json_has_exactly_the_specified_keys(capsys):
    result = run_json(
        capsys,
        APICLUS1,
        "--stat",
        "mean",
        "--var",
        "api00",
        "--psu",
        "dnum",
        "--weights",
        "pw",
        "--fpc",
        "fpc",
    )
    assert list(result) == ["estimate", "se", "df", "ci", "deff"]
    assert_prints(result["estimate"], "644.17")
    assert_prints(result["se"], "23.542")
    assert result["df"] == 14
    lo, hi = result["ci"]
    assert lo < result["estimate"] < hi


def test_weights_follow_from_fpc_at_every_stage(capsys):
    result = run_json(
        capsys,
        APICLUS2,
        "--stat",
        "mean",
        "--var",
        "api00",
        "--psu",
        "dnum,snum",
        "--fpc",
        "fpc1,fpc2",
    )
    assert_prints(result["se"], "30.099")


def test_empty_cells_are_left_out_keeping_the_design(capsys):
    result = run_json(
        capsys,
        APICLUS2,
        "--stat",
        "total",
        "--var",
        "enroll",
        "--psu",
        "dnum,snum",
        "--fpc",
        "fpc1,fpc2",
    )
    assert_prints(result["estimate"], "2639273")
    assert_prints(result["se"], "799638")


def test_by_gives_a_list_with_groups(capsys):
    result = run_json(
        capsys,
        APISTRAT,
        "--stat",
        "mean",
        "--var",
        "api00",
        "--strata",
        "stype",
        "--weights",
        "pw",
        "--fpc",
        "fpc",
        "--by",
        "stype",
    )
    assert [r["group"] for r in result] == ["E", "H", "M"]
    assert all(list(r) == ["group", "estimate", "se", "df", "ci", "deff"] for r in result)


def test_proportion_of_yes_values_with_domain(capsys):
    result = run_json(
        capsys,
        APICLUS1,
        "--stat",
        "proportion",
        "--var",
        "sch.wide",
        "--psu",
        "dnum",
        "--weights",
        "pw",
        "--fpc",
        "fpc",
        "--domain",
        "stype=H",
        "--ci-method",
        "beta",
    )
    assert 0 < result["ci"][0] < result["estimate"] < result["ci"][1] < 1
    districts = np.unique(num("apiclus1.csv", "dnum")[text("apiclus1.csv", "stype") == "H"])
    assert result["df"] == districts.shape[0] - 1 < 14  # R's degf() of the subset


def test_ratio_needs_a_denominator_and_matches_r(capsys):
    result = run_json(
        capsys,
        APICLUS1,
        "--stat",
        "ratio",
        "--var",
        "api.stu",
        "--denominator",
        "enroll",
        "--psu",
        "dnum",
        "--weights",
        "pw",
        "--fpc",
        "fpc",
    )
    assert_prints(result["estimate"], "0.8497087")
    assert main(["estimate", APICLUS1, "--stat", "ratio", "--var", "api.stu"]) == 2
    assert "needs --denominator" in capsys.readouterr().err


def test_text_output_reads_like_r(capsys):
    assert (
        main(
            [
                "estimate",
                APICLUS1,
                "--stat",
                "mean",
                "--var",
                "api00",
                "--psu",
                "dnum",
                "--weights",
                "pw",
                "--fpc",
                "fpc",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "mean of api00" in out and "644.169" in out and "23.5422" in out and "95% CI (wald)" in out
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--stat", "mean", "--var", "nope"], "unknown column 'nope'"),
        (
            ["--stat", "mean", "--var", "api00", "--strata", "dnum", "--weights", "pw"],
            "'413' has only one sampled unit",
        ),
        (
            ["--stat", "mean", "--var", "api00", "--weights", "growth"],
            "weights must be finite and > 0",
        ),
        (["--stat", "mean", "--var", "api00", "--psu", "dnum", "--fpc", "acs.core"], "fpc"),
        (
            ["--stat", "mean", "--var", "api00", "--psu", "dnum", "--fpc", "snum"],
            "varies within stratum",
        ),
        (["--stat", "proportion", "--var", "api00"], "neither true"),
        (["--stat", "mean", "--var", "api00", "--level", "95"], "--level"),
        (
            ["--stat", "mean", "--var", "api00", "--ci-method", "beta"],
            "proportion and ratio only",
        ),
        (["--stat", "mean", "--var", "api00", "--domain", "stype=X"], "no rows match"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, argv, message):
    assert main(["estimate", APICLUS1, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("fupin estimate: error: ")
    assert message in err


def test_fpc_smaller_than_sample_is_refused(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("v,y,N\n1,1,2\n2,2,2\n3,3,2\n")
    assert (
        main(["estimate", str(data), "--stat", "mean", "--var", "y", "--psu", "v", "--fpc", "N"])
        == 2
    )
    assert "smaller than the sample" in capsys.readouterr().err


def test_missing_file(capsys):
    assert main(["estimate", "/nonexistent.csv", "--stat", "mean", "--var", "y"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_subprocess_json_and_error():
    cmd = [
        sys.executable,
        "-m",
        "fupin.cli",
        "estimate",
        APICLUS1,
        "--stat",
        "mean",
        "--var",
        "api00",
        "--psu",
        "dnum",
        "--weights",
        "pw",
        "--fpc",
        "fpc",
        "--format",
        "json",
    ]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert_prints(json.loads(done.stdout)["se"], "23.542")
    done = subprocess.run(
        cmd[:5] + ["--stat", "mean", "--var", "nope"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "fupin estimate: error: " + done.stderr.split("error: ", 1)[1].strip()
    ]
