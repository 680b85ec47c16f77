"""`POST /api/campaigns/{id}/results/` computes (409 with the lists when refused), `GET` lists the
figures in force; `/api/campaigns/{id}/decisions/` records and lists the county results."""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from fupin.assessments.models import CountyDecision, CountyResult
from fupin.assessments.tests.results_world import (
    EXITED,
    NONREGISTERED,
    ResultsWorld,
    results_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw(tmp_path: Path) -> ResultsWorld:
    return results_world(tmp_path)


def test_the_working_group_computes_and_decides_through_the_api(rw: ResultsWorld) -> None:
    w = rw
    api = APIClient()
    api.force_authenticate(w.working_group)
    results = f"/api/campaigns/{w.campaign.pk}/results/"
    decisions = f"/api/campaigns/{w.campaign.pk}/decisions/"

    w.survey(list(range(1, len(w.keys))))
    open_problem = w.problem(w.households(EXITED)[0], "wrong_exit", status="pending_expert")
    refused = api.post(results, {}, format="json")
    assert refused.status_code == 409
    (county,) = refused.json()["counties"]
    assert county["county"] == w.county.code and county["name"] == w.county.name
    assert [h["household_no"] for h in county["unsurveyed"]] == [w.keys[0]]
    assert county["open_problems"][0]["number"] == open_problem.pk
    assert county["open_problems"][0]["status"] == "待专家组核"
    assert "尚未调查" in refused.json()["detail"]
    assert not CountyResult.objects.exists()

    w.survey([0])
    open_problem.delete()
    w.problem(w.households(NONREGISTERED)[0], "missed")
    bad = api.post(results, {"county": "110101"}, format="json")
    assert bad.status_code == 400 and "county" in bad.json()
    made = api.post(results, {"county": w.county.code[:6]}, format="json")
    assert made.status_code == 201
    rows = made.json()
    pure = w.pure()
    assert {r["figure"] for r in rows} == {f.name for f in pure.figures}
    for r in rows:
        want = getattr(pure, r["figure"])
        assert abs(r["value"] - want.estimate.value) < 1e-12
        assert abs(r["ci_low"] - want.ci[0]) < 1e-12 and abs(r["ci_high"] - want.ci[1]) < 1e-12
    again = api.post(results, {}, format="json")
    assert again.status_code == 201 and len(again.json()) == 4
    assert CountyResult.objects.count() == 8
    listed = api.get(results)
    assert listed.status_code == 200 and len(listed.json()) == 4  # the rows in force

    no_reason = api.post(decisions, {"county": w.county.code, "outcome": "pass"}, format="json")
    assert no_reason.status_code == 400 and "note" in no_reason.json()
    score = api.post(
        decisions, {"county": w.county.code, "outcome": "97分", "note": "x"}, format="json"
    )
    assert score.status_code == 400 and "outcome" in score.json()
    decided = api.post(
        decisions,
        {"county": w.county.code, "outcome": pure.decision, "note": "依据逐项判定"},
        format="json",
    )
    assert decided.status_code == 201
    assert decided.json()["outcome"] == pure.decision and decided.json()["note"] == "依据逐项判定"
    assert CountyDecision.objects.get().decided_by == w.working_group
    assert api.get(decisions).json()[0]["county"] == w.county.code


def test_others_are_refused_and_unknown_campaigns_are_404(rw: ResultsWorld) -> None:
    w = rw
    w.survey()
    api = APIClient()
    api.force_authenticate(w.other_user)  # sees the campaign, is not its working group
    results = f"/api/campaigns/{w.campaign.pk}/results/"
    assert api.post(results, {}, format="json").status_code == 403
    decisions = f"/api/campaigns/{w.campaign.pk}/decisions/"
    refused = api.post(
        decisions, {"county": w.county.code, "outcome": "pass", "note": "x"}, format="json"
    )
    assert refused.status_code == 403 and "评估工作组" in refused.json()["detail"]
    assert not CountyResult.objects.exists() and not CountyDecision.objects.exists()
    api.force_authenticate(w.working_group)
    assert api.post("/api/campaigns/999999/results/", {}, format="json").status_code == 404
    assert api.get("/api/campaigns/999999/decisions/").status_code == 404
    # A decision before the figures are computed: refused by the state, nothing written.
    early = api.post(
        decisions, {"county": w.county.code, "outcome": "pass", "note": "x"}, format="json"
    )
    assert early.status_code == 409 and "尚缺指标" in early.json()["detail"]
    assert APIClient().post(results, {}, format="json").status_code in (401, 403)
