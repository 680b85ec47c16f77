"""`fupin estimate --stat ratio --ci-method beta|logit` and `fupin plan-sample` (issue #19)."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import json

import pytest

from fupin.cli import main
from fupin.stats.planning import plan_sample

HEADER = "village,persons,problem_persons,w\n"


def _write(tmp_path, rows):
    path = tmp_path / "sample.csv"
    path.write_text(HEADER + "".join(f"{v},{x},{y},{w}\n" for v, x, y, w in rows))
    return str(path)


def _ratio(capsys, path, method):
    argv = ["estimate", path, "--stat", "ratio", "--var", "problem_persons"]
    argv += ["--denominator", "persons", "--weights", "w", "--psu", "village"]
    argv += ["--format", "json"] + (["--ci-method", method] if method else [])
    code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


# 12 villages of 10 households; one problem household of 4 persons in village 1.
ROWS = [(v, 4, 4 if (v, h) == (1, 0) else 0, 25.0) for v in range(1, 13) for h in range(10)]


@pytest.mark.parametrize("method", ["beta", "logit"])
def test_a_rare_ratio_gets_no_negative_bound(tmp_path, capsys, method):
    path = _write(tmp_path, ROWS)
    wald = _ratio(capsys, path, None)
    assert wald["ci"][0] < 0  # R's Wald interval for the ratio: below zero
    got = _ratio(capsys, path, method)
    assert got["estimate"] == pytest.approx(1 / 120)
    lo, hi = got["ci"]
    assert 0 < lo < got["estimate"] < hi < 0.06
    # One event: the exact interval on at most the 120 households used.
    assert hi > 0.02


@pytest.mark.parametrize("method", ["beta", "logit"])
def test_a_zero_numerator_is_not_zero_zero(tmp_path, capsys, method):
    rows = [(v, x, 0, w) for v, x, _, w in ROWS]
    got = _ratio(capsys, _write(tmp_path, rows), method)
    assert got["estimate"] == 0 and got["ci"][0] == 0
    # Clopper-Pearson at 0 of 120 with Korn-Graubard's df adjustment (df 11): about 3.7 / n.
    assert 0.025 < got["ci"][1] < 0.06


def test_a_ratio_above_one_is_refused_for_a_proportion_interval(tmp_path, capsys):
    path = _write(tmp_path, [(1, 2, 3, 1.0), (2, 2, 0, 1.0)])
    argv = ["estimate", path, "--stat", "ratio", "--var", "problem_persons"]
    argv += ["--denominator", "persons", "--psu", "village", "--ci-method", "beta"]
    assert main(argv) == 2
    assert "needs a ratio that is a proportion" in capsys.readouterr().err


def test_the_planner_answers_why_about_a_thousand_households():
    # A county of 10 000 households, 60 villages; expected rates 2 %, +/- 1 point.
    plan = plan_sample(
        rates={"exited": 0.02, "non_registered": 0.02},
        populations={"exited": 2_400, "non_registered": 6_000},
        villages_in_county=60,
    )
    for d in plan.domains:
        assert 750 <= d.households <= 1_200  # about 753 x deff, less the fpc
        assert d.reached and d.half_width <= 0.01
        assert d.ci[0] < 0.02 < d.ci[1]
    assert 12 <= plan.villages <= 40
    looser = plan_sample(
        rates={"exited": 0.02, "non_registered": 0.02},
        populations={"exited": 2_400, "non_registered": 6_000},
        villages_in_county=60,
        half_width=0.015,
    )
    assert looser.households < plan.households and looser.villages < plan.villages


def test_a_small_county_is_told_the_target_cannot_be_reached():
    plan = plan_sample(
        rates={"exited": 0.01}, populations={"exited": 150}, villages_in_county=5, half_width=0.002
    )
    (d,) = plan.domains
    assert d.households == 150 and not d.reached


def test_plan_sample_command_prints_chinese_and_refuses_bad_input(capsys):
    argv = ["plan-sample", "--exited-households", "2400", "--nonregistered-households", "6000"]
    assert main([*argv, "--villages", "60"]) == 0
    out = capsys.readouterr().out
    assert "抽取村数" in out and "已脱贫户（错退率）" in out and "95% 置信区间" in out
    assert main([*argv, "--villages", "60", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (
        data["villages"]
        == plan_sample(
            rates={"exited": 0.02, "non_registered": 0.02},
            populations={"exited": 2400, "non_registered": 6000},
            villages_in_county=60,
        ).villages
    )
    assert main([*argv, "--villages", "60", "--missed-rate", "1.5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fupin plan-sample: error: ") and "预期比率" in err
