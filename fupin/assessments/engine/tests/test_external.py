"""`fupin estimate-figures`: the four figures from a sample file and a problems file."""

# Test functions take pytest fixtures and parametrized values untyped.
# mypy: allow-untyped-defs, allow-untyped-calls

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from fupin.assessments.engine.coverage import county
from fupin.assessments.engine.external import ExternalError, figures_from_files
from fupin.assessments.engine.frames import STRATA
from fupin.assessments.engine.pipeline import assess_county
from fupin.assessments.engine.sampling import AT_RISK, SamplingSettings
from fupin.cli import main

CHINESE = {"exited": "已脱贫", "poor": "未脱贫", "nonregistered": "非建档立卡"}


@pytest.fixture(scope="module")
def assessed():
    frame, truth = county("demo")
    a = assess_county(frame, truth, SamplingSettings(), np.random.default_rng(7), with_paths=False)
    return frame, a


def _write(tmp_path, frame, a, village_counts=True):
    d, ans = a.households, a.answers
    vill = d.villages
    sample = tmp_path / "sample.csv"
    with sample.open("w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(
            ["household_no", "village", "village_stratum", "village_pi", "stratum"]
            + ["household_pi", "at_risk", "size", "recognises"]
            + (["villages_in_stratum"] if village_counts else [])
        )
        for i in range(len(d)):
            v = d.village[i]
            w.writerow(
                [
                    frame.household_no[d.index[i]],
                    frame.village_code[vill.index[v]],
                    "贫困村" if vill.stratum[v] == 0 else "非贫困村",
                    repr(float(vill.pi[v])),
                    CHINESE[STRATA[d.stratum[i]]],
                    repr(float(d.pi[i])),
                    "是" if d.design_stratum[i] == AT_RISK else "否",
                    int(ans.size[i]),
                    ("是" if ans.recognises[i] else "否") if ans.recognition_asked[i] else "",
                ]
                + ([vill.population[vill.stratum[v]]] if village_counts else [])
            )
    problems = tmp_path / "problems.csv"
    with problems.open("w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["household_no", "problem"])
        for j in np.flatnonzero(a.confirmed.wrong_exit):
            w.writerow([frame.household_no[d.index[j]], "错退"])
        for j in np.flatnonzero(a.confirmed.missed):
            w.writerow([frame.household_no[d.index[j]], "漏评"])
    persons = {
        "poor": frame.poor_persons,
        "exited": frame.exited_persons,
        "nonregistered": frame.nonregistered_persons,
        "rural": frame.rural_population,
    }
    return sample, problems, persons


def test_the_files_give_the_engines_own_figures(tmp_path, assessed):
    frame, a = assessed
    assert a.confirmed.wrong_exit.any() or a.confirmed.missed.any()
    sample, problems, persons = _write(tmp_path, frame, a)
    got = figures_from_files(sample, problems, persons=persons, zone=frame.zone.value)
    for mine, theirs in zip(got.figures, a.figures.figures, strict=True):
        assert mine.value == pytest.approx(theirs.value, abs=1e-12)
        assert mine.estimate.se == pytest.approx(theirs.estimate.se, rel=1e-9)
        assert mine.ci == pytest.approx(theirs.ci, abs=1e-12)
        assert mine.verdict == theirs.verdict and mine.clarity == theirs.clarity


def test_without_village_counts_the_first_stage_is_with_replacement(tmp_path, assessed):
    """16 of the demo's 20 villages are drawn: without villages_in_stratum the first stage has
    no fpc, so the standard errors are larger than the engine's (never smaller)."""
    frame, a = assessed
    sample, problems, persons = _write(tmp_path, frame, a, village_counts=False)
    got = figures_from_files(sample, problems, persons=persons, zone=frame.zone.value)
    for mine, theirs in zip(got.figures, a.figures.figures, strict=True):
        assert mine.value == pytest.approx(theirs.value, abs=1e-12)
        assert mine.estimate.se >= theirs.estimate.se * (1 - 1e-9)
    assert got.incidence.estimate.se > a.figures.incidence.estimate.se * 1.05


def test_village_counts_must_agree_and_cover_the_sample(tmp_path, assessed):
    frame, a = assessed
    sample, problems, persons = _write(tmp_path, frame, a)
    lines = sample.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    j = header.index("villages_in_stratum")
    cells = lines[1].split(",")
    cells[j] = "1"
    sample.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]), encoding="utf-8")
    with pytest.raises(ExternalError, match="villages_in_stratum"):
        figures_from_files(sample, problems, persons=persons, zone=frame.zone.value)


def test_the_command_prints_chinese_and_json(tmp_path, assessed, capsys):
    frame, a = assessed
    sample, problems, persons = _write(tmp_path, frame, a)
    spec = ",".join(f"{k}={v}" for k, v in persons.items())
    argv = ["estimate-figures", str(sample), "--problems", str(problems), "--persons", spec]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "错退率" in out and "群众认可度" in out and "95% CI" in out
    assert main([*argv, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["figures"]["missed_rate"]["estimate"] == pytest.approx(a.figures.missed_rate.value)


def test_a_problem_on_a_household_outside_the_sample_is_refused(tmp_path, assessed, capsys):
    frame, a = assessed
    sample, problems, persons = _write(tmp_path, frame, a)
    problems.write_text("household_no,problem\nNOPE,漏评\n", encoding="utf-8")
    with pytest.raises(ExternalError, match="户 NOPE 不在样本中"):
        figures_from_files(sample, problems, persons=persons)
    spec = ",".join(f"{k}={v}" for k, v in persons.items())
    argv = ["estimate-figures", str(sample), "--problems", str(problems), "--persons", spec]
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("fupin estimate-figures: error: ")
