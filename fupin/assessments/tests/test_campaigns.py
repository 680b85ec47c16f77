"""Campaign creation and status transitions (草拟 → … → 已结束), each move recorded."""

from __future__ import annotations

import pytest

from fupin.accounts.models import AuditEntry, Role
from fupin.assessments.models import CampaignTransition
from fupin.assessments.services import (
    AssessmentError,
    campaign_create,
    campaign_transition,
    campaign_update_settings,
    draw_record,
    problem_raise,
)
from fupin.assessments.tests.conftest import MINXIAN, World, make_user
from fupin.assessments.workflows import CAMPAIGN_TRANSITIONS, CampaignStatus
from fupin.policy import DEFAULT_THRESHOLDS
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(gansu_village):
    return campaign_create(
        kind="central_spot_check",
        year=2018,
        name="2019年中央抽查",
        scope=[Region.objects.get(code="620000000000")],
        actor="test",
    )


def test_campaign_takes_a_copy_of_the_thresholds_and_default_sampling(draft):
    assert draft.status == CampaignStatus.DRAFT
    assert draft.thresholds == DEFAULT_THRESHOLDS.as_rows()
    assert draft.threshold_table() == DEFAULT_THRESHOLDS
    assert draft.sampling["county_rate"] == 0.2
    assert draft.sampling["village_method"] == "pps"


def test_province_scope_expands_to_its_poverty_counties(draft):
    codes = list(draft.scope_counties().values_list("code", flat=True))
    assert MINXIAN in codes
    assert len(codes) == Region.objects.filter(code__startswith="62", level="county").count()


def test_bad_sampling_settings_are_refused(gansu_village):
    with pytest.raises(AssessmentError, match="pps"):
        campaign_create(
            kind="central_spot_check",
            year=2018,
            name="x",
            sampling={**_sampling(), "village_method": "quota"},
            actor="t",
        )


def _sampling():
    from fupin.assessments.models import default_sampling

    return default_sampling()


def test_unknown_kind_is_refused(gansu_village):
    with pytest.raises(AssessmentError, match="未知的评估类型"):
        campaign_create(kind="ranking", year=2018, name="x", actor="t")


def test_working_group_moves_a_campaign_and_each_move_is_recorded(draft):
    wg = make_user("wg", Role.WORKING_GROUP)
    row = campaign_transition(campaign=draft, to="sampling", user=wg, opinion="开始抽样")
    draft.refresh_from_db()
    assert draft.status == "sampling"
    assert (row.from_status, row.to_status, row.user, row.opinion) == (
        "draft",
        "sampling",
        wg,
        "开始抽样",
    )
    audit = AuditEntry.objects.filter(
        model="Campaign", object_key=str(draft.pk), action=AuditEntry.Action.EVENT
    ).get()
    assert audit.before == {"status": "draft"} and audit.after == {"status": "sampling"}
    assert audit.user == wg


def test_a_user_without_the_working_group_role_cannot_move_a_campaign(draft):
    for role in (Role.ENUMERATOR, Role.LEAD_EXPERT, Role.COUNTY_OFFICER, Role.EXPERT_GROUP):
        user = make_user(f"u_{role}", role)
        with pytest.raises(AssessmentError, match="评估工作组成员"):
            campaign_transition(campaign=draft, to="sampling", user=user)
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not CampaignTransition.objects.filter(campaign=draft).exists()


def test_skipping_a_status_is_refused_with_a_clear_message(draft):
    with pytest.raises(AssessmentError, match="任务当前为“草拟”，不能转为“实地调查”"):
        campaign_transition(campaign=draft, to="fieldwork", user=None, actor="test")
    with pytest.raises(AssessmentError, match="不能转为“已出结果”"):
        campaign_transition(campaign=draft, to="decided", user=None, actor="test")


def test_every_pair_outside_the_table_is_refused(draft):
    for to in CampaignStatus.values:
        if (CampaignStatus.DRAFT, to) in CAMPAIGN_TRANSITIONS:
            continue
        with pytest.raises(AssessmentError):
            campaign_transition(campaign=draft, to=to, user=None, actor="test")


def test_fieldwork_needs_a_recorded_draw(draft):
    campaign_transition(campaign=draft, to="sampling", user=None, actor="test")
    with pytest.raises(AssessmentError, match="尚未记录任何抽样结果"):
        campaign_transition(campaign=draft, to="fieldwork", user=None, actor="test")
    draw_record(
        campaign=draft,
        level="county",
        seed=1,
        method="srs",
        frame_keys=[MINXIAN],
        items=[{"unit_key": MINXIAN, "inclusion_probability": 1.0, "certainty": True}],
        actor="test",
    )
    campaign_transition(campaign=draft, to="fieldwork", user=None, actor="test")


def test_going_back_needs_a_reason(draft):
    campaign_transition(campaign=draft, to="sampling", user=None, actor="test")
    with pytest.raises(AssessmentError, match="须说明理由"):
        campaign_transition(campaign=draft, to="draft", user=None, actor="test")
    campaign_transition(campaign=draft, to="draft", user=None, actor="test", opinion="抽样比例有误")


def test_settings_change_only_in_draft(draft):
    campaign_update_settings(campaign=draft, explain_window_hours=48, actor="test")
    campaign_transition(campaign=draft, to="sampling", user=None, actor="test")
    with pytest.raises(AssessmentError, match="草拟"):
        campaign_update_settings(campaign=draft, explain_window_hours=0, actor="test")


def test_results_cannot_be_decided_while_a_problem_is_open(world: World):
    campaign_transition(campaign=world.campaign, to="verification", user=world.working_group)
    problem_raise(
        campaign=world.campaign,
        county=world.county,
        kind="wrong_exit",
        description="收入疑似未达标",
        user=world.working_group,
        household=world.household,
    )
    with pytest.raises(AssessmentError, match="凡疑必核"):
        campaign_transition(campaign=world.campaign, to="decided", user=world.working_group)


def test_the_whole_pipeline_to_closed(world: World):
    for to in ("verification", "decided", "feedback", "closed"):
        campaign_transition(campaign=world.campaign, to=to, user=world.working_group)
    assert [t.to_status for t in world.campaign.transitions.all()] == [
        "sampling",
        "fieldwork",
        "verification",
        "decided",
        "feedback",
        "closed",
    ]
    with pytest.raises(AssessmentError):
        campaign_transition(
            campaign=world.campaign, to="draft", user=world.working_group, opinion="x"
        )
