"""A service given `now=` records that time, on its own rows and on its audit rows (the simulated
campaign passes its clock instead of patching it); and the audit page writes the assessments'
nested values (figures and verdicts, lists of figures, enumerators) in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Campaign, CountyDecision, ProblemStep, Team
from fupin.assessments.services import (
    campaign_create,
    campaign_transition,
    problem_raise,
)
from fupin.assessments.tests.conftest import World
from fupin.assessments.workflows import CampaignKind, CampaignStatus
from fupin.registry.selectors import audit_changes

pytestmark = pytest.mark.django_db

THEN = dt.datetime(2019, 11, 5, 9, 30, tzinfo=dt.UTC)


def _audit_of(obj: object) -> AuditEntry:
    return AuditEntry.objects.filter(model=type(obj).__name__, object_key=str(obj.pk)).latest("id")


def test_audit_record_writes_its_row_at_the_time_given(world: World) -> None:
    entry = audit_record(
        actor=None, actor_label="t", action=AuditEntry.Action.EVENT, obj=world.campaign, now=THEN
    )
    entry.refresh_from_db()
    assert entry.at == THEN
    clocked = audit_record(
        actor=None, actor_label="t", action=AuditEntry.Action.EVENT, obj=world.campaign
    )
    assert abs(clocked.at - timezone.now()) < dt.timedelta(minutes=5)


def test_a_campaign_created_and_moved_at_a_given_time_is_recorded_at_that_time(gansu_village):
    campaign = campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=2019,
        name="模拟评估",
        actor="simulation",
        now=THEN,
    )
    assert Campaign.objects.get(pk=campaign.pk).created_at == THEN
    assert _audit_of(campaign).at == THEN
    later = THEN + dt.timedelta(days=1)
    row = campaign_transition(
        campaign=campaign, to=CampaignStatus.SAMPLING, actor="simulation", user=None, now=later
    )
    assert row.at == later
    moved = _audit_of(campaign)
    assert (moved.action, moved.after, moved.at) == ("event", {"status": "sampling"}, later)


def test_a_problem_raised_at_a_given_time_is_recorded_at_that_time(world: World) -> None:
    raised = timezone.now() - dt.timedelta(days=3)
    problem = problem_raise(
        campaign=world.campaign,
        county=world.county,
        kind="wrong_exit",
        household=world.household,
        description="疑似错退",
        user=world.lead_expert,
        now=raised,
    )
    problem.refresh_from_db()
    step = ProblemStep.objects.get(problem=problem)
    assert (problem.raised_at, step.at, _audit_of(problem).at) == (raised, raised, raised)


def test_the_audit_page_writes_figures_and_verdicts_in_chinese(world: World) -> None:
    entry = audit_record(
        actor=None,
        actor_label="t",
        action=AuditEntry.Action.UPDATE,
        obj=world.campaign,
        after={
            "county": world.county.code,
            "figures": {"incidence": "fail", "recognition": "pass"},
        },
        reason="记录县级指标",
    )
    rows = {r["field"]: r["after"] for r in audit_changes(entry)}
    assert rows == {"县": world.county.code, "各项指标": "综合贫困发生率：未达标；群众认可度：达标"}


def test_the_audit_page_writes_lists_of_figures_booleans_and_people_in_chinese(
    world: World,
) -> None:
    decision = CountyDecision.objects.create(
        campaign=world.campaign,
        county=world.county,
        outcome="fail",
        inputs_checksum="0" * 64,
        actor="t",
    )
    entry = audit_record(
        actor=None,
        actor_label="t",
        action=AuditEntry.Action.CREATE,
        obj=decision,
        after={"outcome": "fail", "straddling": ["recognition", "missed_rate"]},
    )
    rows = {r["field"]: r["after"] for r in audit_changes(entry)}
    assert rows == {"结果": "未达标", "区间跨越阈值或样本不足的指标": "群众认可度、漏评率"}
    team = Team.objects.get(pk=world.team.pk)
    created = _audit_of(team)
    rows = {r["field"]: r["after"] for r in audit_changes(created)}
    assert (rows["老队员"], rows["新队员"]) == (world.mentor.name, world.newcomer.name)
    nested = audit_record(
        actor=None,
        actor_label="t",
        action=AuditEntry.Action.UPDATE,
        obj=world.household,
        after={"members": None, "households": [True, False]},
    )
    assert audit_changes(nested)[-1] == {"field": "户数", "before": "", "after": "是、否"}
