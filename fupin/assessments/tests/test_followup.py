"""Feedback lists hold confirmed problems only; rectification moves by role, each move recorded."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from fupin.assessments.services import (
    AssessmentError,
    campaign_transition,
    department_report_record,
    evidence_receive,
    feedback_list_build,
    problem_raise,
    problem_transition,
    rectification_open,
    rectification_transition,
    unannounced_finding_record,
)
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.test_verification import advance
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db


def test_department_reports_and_findings_feed_problems(world: World):
    report = department_report_record(
        campaign=world.campaign,
        department="教育局",
        county=world.county,
        household=world.household,
        description="适龄儿童辍学",
        source_file="控辍保学名单.xlsx",
        actor="t",
    )
    finding = unannounced_finding_record(
        campaign=world.campaign, county=world.county, finding="村道未硬化", actor="t"
    )
    p = problem_raise(
        campaign=world.campaign,
        county=world.county,
        kind="policy_not_delivered",
        description=report.description,
        user=world.working_group,
        household=world.household,
        department_report=report,
    )
    assert p.department_report == report and report.problems.get() == p
    assert finding.county == world.county
    with pytest.raises(AssessmentError, match="不在"):
        department_report_record(
            campaign=world.campaign,
            department="卫健局",
            county=world.neighbour,
            household=world.household,
            description="x",
            actor="t",
        )


def test_feedback_and_rectification(world: World):
    confirmed = problem_raise(
        campaign=world.campaign,
        county=world.county,
        kind="wrong_exit",
        description="错退",
        user=world.enumerator_user,
        household=world.household,
    )
    evidence_receive(
        owner=confirmed,
        kind="photo",
        content=b"p",
        sha256=hashlib.sha256(b"p").hexdigest(),
        actor="t",
    )
    advance(world, confirmed, "none")
    other = problem_raise(  # by the working group: the team that raises never dismisses
        campaign=world.campaign,
        county=world.county,
        kind="missed",
        description="x",
        user=world.working_group,
        household=world.other_household,
    )
    gansu = Region.objects.get(code="620000000000")
    with pytest.raises(AssessmentError, match="出结果后"):
        feedback_list_build(campaign=world.campaign, province=gansu, actor="t")
    problem_transition(
        problem=other,
        action="initial_dismiss",
        user=world.enumerator_user,
        opinion="入户核实，该户已纳入",
    )
    campaign_transition(campaign=world.campaign, to="verification", user=world.working_group)
    campaign_transition(campaign=world.campaign, to="decided", user=world.working_group)
    fl = feedback_list_build(campaign=world.campaign, province=gansu, user=world.working_group)
    assert [i.problem for i in fl.items.all()] == [confirmed]
    assert (
        feedback_list_build(campaign=world.campaign, province=gansu, actor="t").items.count() == 1
    )

    rect = rectification_open(
        item=fl.items.get(),
        owner="岷县扶贫办",
        deadline=dt.date(2021, 6, 30),
        user=world.working_group,
    )
    with pytest.raises(AssessmentError, match="只有岷县的县级干部"):
        rectification_transition(
            rectification=rect, action="submit", user=world.neighbour_officer, proof_text="x"
        )
    with pytest.raises(AssessmentError, match="不能“验收通过”"):
        rectification_transition(rectification=rect, action="accept", user=world.working_group)
    with pytest.raises(AssessmentError, match="整改情况"):
        rectification_transition(rectification=rect, action="submit", user=world.county_officer)
    rectification_transition(
        rectification=rect,
        action="submit",
        user=world.county_officer,
        proof_text="已落实低保，收入达标",
    )
    with pytest.raises(AssessmentError, match="评估工作组成员"):
        rectification_transition(rectification=rect, action="accept", user=world.county_officer)
    with pytest.raises(AssessmentError, match="退回须说明理由"):
        rectification_transition(rectification=rect, action="reopen", user=world.working_group)
    rectification_transition(
        rectification=rect, action="reopen", user=world.working_group, opinion="缺少银行流水"
    )
    rectification_transition(
        rectification=rect, action="submit", user=world.county_officer, proof_text="补充银行流水"
    )
    rectification_transition(rectification=rect, action="accept", user=world.working_group)
    rect.refresh_from_db()
    assert rect.status == "accepted"
    assert [s.to_status for s in rect.steps.all()] == [
        "submitted",
        "reopened",
        "submitted",
        "accepted",
    ]
