"""A whole simulated county-exit assessment through the recorded workflow reproduces the pure pipeline."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from fupin import synth
from fupin.accounts.models import AuditEntry
from fupin.assessments.engine import assignment_rules as rules
from fupin.assessments.engine.assignment_check import check_assignment
from fupin.assessments.engine.frames import frame_from_batch, truth_from_batch
from fupin.assessments.engine.pipeline import assess_county, county_rng
from fupin.assessments.engine.sampling import SamplingSettings
from fupin.assessments.models import (
    Assignment,
    CountyDecision,
    CountyResult,
    Draw,
    Evidence,
    Problem,
    ProblemExplanation,
    ProblemStep,
    Submission,
    Team,
)
from fupin.assessments.services import problem_raise
from fupin.assessments.services.evaluators import (
    _expert,
    _institution,
    _team,
    institution_names,
)
from fupin.demo.loading import registry_load_synth
from fupin.demo.running import campaign_run_simulated
from fupin.demo.running_records import county_figures_recorded, county_frame
from fupin.regions.models import Region
from fupin.regions.services import regions_load_poverty_counties
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db

SEED = 20190611
SETTINGS = SamplingSettings(villages=10)
FIGURES = ("wrong_exit_rate", "missed_rate", "incidence", "recognition")


@pytest.fixture
def loaded(db: Any, tmp_path: Any) -> Any:
    regions_load_poverty_counties(provinces={"甘肃省"})
    batches = list(synth.generate(synth.preset("demo", seed=5)))
    registry_load_synth(batches=batches, truth=tmp_path / "truth")
    return batches[0], tmp_path / "truth"


def _pure(batch: Any) -> Any:
    frame = frame_from_batch(batch)
    truth = truth_from_batch(batch, frame)
    return frame, assess_county(frame, truth, SETTINGS, county_rng(SEED, frame.code))


def test_a_simulated_campaign_is_recorded_and_reproduces_the_pure_pipeline(loaded: Any) -> None:
    batch, truth_dir = loaded
    messages: list[str] = []
    started = timezone.now()
    last_audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    outcome = campaign_run_simulated(
        seed=SEED, settings=SETTINGS, truth_dir=truth_dir, progress=messages.append
    )
    campaign = outcome.campaign
    assert campaign.status == "decided"
    assert messages
    county = Region.objects.get(code=batch.county.code + "000000")
    frame, pure = _pure(batch)

    # The frame came from the database and is the pure pipeline's frame.
    assert county_frame(county).fingerprint() == frame.fingerprint()

    # Everything is on record.
    assert Draw.objects.filter(campaign=campaign, level="village").count() == 1
    hdraw = Draw.objects.get(campaign=campaign, level="household")
    assert hdraw.items.count() == len(pure.households)
    assert (
        list(hdraw.items.order_by("order").values_list("unit_key", flat=True))
        == frame.household_no[pure.households.index].tolist()
    )
    assert Assignment.objects.filter(campaign=campaign).exists()
    assert Submission.objects.filter(campaign=campaign).count() == len(pure.households)
    problems = Problem.objects.filter(campaign=campaign)
    # The enumerators raise what survives their recheck on site (a path dropped at 初核 is never
    # raised: the team that raises never dismisses), through the phone's service, by device id.
    raised = [p for p in pure.paths if p.steps[0].decision == "uphold"]
    assert 0 < problems.count() == len(raised) < len(pure.paths)
    assert not problems.filter(client_id=None).exists()
    assert not problems.exclude(status__in=["confirmed", "rejected"]).exists()
    assert ProblemStep.objects.filter(problem__campaign=campaign).count() == problems.count() + sum(
        len(p.steps) + 1 for p in raised
    )
    assert not ProblemStep.objects.filter(problem__campaign=campaign, action="initial_dismiss")
    # A problem fupin proposes from the stored answers is raised with the proposal's words.
    assert any("不高于" in d for d in problems.values_list("description", flat=True))
    assert Evidence.objects.filter(submission__campaign=campaign).count() == problems.count()
    disputed = sum(p.disputed for p in pure.paths)
    assert ProblemExplanation.objects.filter(problem__campaign=campaign).count() == disputed
    confirmed = sorted(p.household_no for p in pure.paths if p.confirmed)
    assert (
        sorted(
            problems.filter(status="confirmed").values_list("household__household_no", flat=True)
        )
        == confirmed
    )

    # Every recorded figure is the pure pipeline's, to 1e-12; the decision too.
    results = {r.figure: r for r in CountyResult.objects.filter(campaign=campaign, county=county)}
    assert set(results) == set(FIGURES)
    for name in FIGURES:
        want = getattr(pure.figures, name)
        got = results[name]
        for a, b in (
            (got.estimate, want.estimate.value),
            (got.se, want.estimate.se),
            (got.ci_low, want.ci[0]),
            (got.ci_high, want.ci[1]),
        ):
            assert math.isclose(a, b, rel_tol=0, abs_tol=1e-12), (name, a, b)
        assert got.verdict == want.verdict
    decision = CountyDecision.objects.get(campaign=campaign, county=county)
    assert decision.outcome == pure.figures.decision

    # Recomputing from the database gives the same numbers again.
    again = county_figures_recorded(campaign, county)
    for name in FIGURES:
        assert getattr(again.figures, name).estimate.value == results[name].estimate
        assert getattr(again.figures, name).ci == (results[name].ci_low, results[name].ci_high)

    # The JSON shape.
    data = outcome.as_json()
    assert list(data) == ["counties"]
    (row,) = data["counties"]
    assert row["code"] == batch.county.code and row["name"] == county.name
    assert row["zone"] == "west" and row["decision"] == decision.outcome
    assert list(row["figures"]) == list(FIGURES)
    for name, fig in row["figures"].items():
        assert {"estimate", "ci", "truth", "threshold", "verdict"} <= set(fig)
        assert len(fig["ci"]) == 2 and fig["ci"][0] <= fig["estimate"] <= fig["ci"][1]
        assert fig["truth"] == pure.truth.as_dict()[name]

    # Teams: one experienced and one new member; no assignment breaks 三回避.
    teams = list(
        Team.objects.filter(campaign=campaign).select_related(
            "experienced_member", "new_member", "institution"
        )
    )
    assert teams
    assert all(t.experienced_member.experienced and not t.new_member.experienced for t in teams)
    run = Assignment.objects.filter(campaign=campaign).latest("id")
    inst = list(run.institution_counties.select_related("institution", "county"))
    experts = list(run.expert_counties.select_related("expert", "county"))
    households = list(
        run.team_households.select_related(
            "team__experienced_member", "team__new_member", "household__village"
        )
    )
    task = rules.CountyTask(code=county.code, province=county.province_code, households=0)
    names = institution_names()  # the engine knows institutions by name
    by_county: dict[str, list[str]] = {county.code: [h.household.household_no for h in households]}
    violations = check_assignment(
        counties=[task],
        institutions=[_institution(r.institution) for r in inst],
        institution_of={r.county.code: r.institution.name for r in inst},
        experts=[_expert(r.expert, names) for r in experts],
        experts_of={county.code: [str(r.expert_id) for r in experts]},
        teams=list({r.team.code: _team(r.team, names) for r in households}.values()),
        county_of_team={r.team.code: county.code for r in households},
        team_of_household={r.household.household_no: r.team.code for r in households},
        households_by_county=by_county,
    )
    assert violations == []
    # Avoidance mattered: someone from the county's own province was available and kept out.
    assert any(r.institution.province_code != "62" for r in inst)
    assert all(r.expert.employer_province != "62" for r in experts)

    # The run is played out in simulated time (its clock passed as `now=`, never patched): the
    # records' own times and every audit row it wrote lie in the past, in the order of the run.
    ats = list(
        AuditEntry.objects.filter(id__gt=last_audit).order_by("id").values_list("at", flat=True)
    )
    assert ats and ats == sorted(ats)
    assert ats[-1] < started - dt.timedelta(hours=12) and ats[0] > started - dt.timedelta(days=30)
    assert campaign.created_at == ats[0]
    for times in (
        Submission.objects.filter(campaign=campaign).values_list("received_at", flat=True),
        problems.values_list("raised_at", flat=True),
        CountyDecision.objects.filter(campaign=campaign).values_list("decided_at", flat=True),
        Draw.objects.filter(campaign=campaign).values_list("created_at", flat=True),
    ):
        assert all(ats[0] <= t <= ats[-1] for t in times)


def test_an_unconfirmed_problem_changes_no_figure(loaded: Any) -> None:
    batch, truth_dir = loaded
    outcome = campaign_run_simulated(
        seed=SEED, settings=SETTINGS, truth_dir=truth_dir, decide=False
    )
    campaign = outcome.campaign
    assert campaign.status == "verification"
    county = Region.objects.get(code=batch.county.code + "000000")
    before = county_figures_recorded(campaign, county)
    sampled = before.frame.household_no[before.draw.index]
    clean = [
        no
        for no in sampled.tolist()
        if not Problem.objects.filter(campaign=campaign, household__household_no=no).exists()
    ]
    household = Household.objects.select_related("village").get(household_no=clean[0])
    from django.contrib.auth.models import User

    from fupin.demo.running_people import People  # noqa: F401 - for the type only

    wg = User.objects.get(username=f"sim{campaign.pk}-wg-01")
    problem_raise(
        campaign=campaign,
        county=county,
        kind="wrong_exit",
        household=household,
        description="另行提出、尚未核实的疑点",
        user=wg,
    )
    after = county_figures_recorded(campaign, county)
    for name in FIGURES:
        a, b = getattr(before.figures, name), getattr(after.figures, name)
        assert (a.estimate.value, a.estimate.se, a.ci, a.verdict) == (
            b.estimate.value,
            b.estimate.se,
            b.ci,
            b.verdict,
        )
    assert after.problem_ids == before.problem_ids
    assert np.array_equal(after.draw.index, before.draw.index)
