"""The one workflow mechanism (fupin/accounts/workflow.py): a table of moves and one helper that
checks the table and the role, locks the object, writes the transition and audit rows and saves
the status with update_fields. Exercised on a campaign with a table of its own, so that every
branch of the helper is seen apart from any one workflow's rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.db.models.signals import pre_save
from django.utils import timezone

from fupin.accounts.models import AuditEntry
from fupin.accounts.workflow import (
    BatchRefused,
    Move,
    Outcome,
    Request,
    Workflow,
    WorkflowError,
    move,
    move_check,
    transition,
    transitions,
)
from fupin.assessments.models import Campaign, CampaignTransition
from fupin.assessments.services import campaign_create
from fupin.assessments.workflows import CampaignStatus

pytestmark = pytest.mark.django_db

CS = CampaignStatus
TABLE = {
    (CS.DRAFT, "start"): move(CS.SAMPLING, "planner", label="开始抽样"),
    (CS.SAMPLING, "back"): move(CS.DRAFT, "planner", "chief", label="退回", opinion=True),
}


class NotAllowed(ValueError):
    pass


class Forbidden(NotAllowed):
    pass


class SpyQuerySet(QuerySet):  # type: ignore[type-arg]
    """Records how the helper re-reads the object."""

    locks: list[dict[str, Any]] = []

    def select_for_update(self, **kwargs: Any) -> QuerySet:  # type: ignore[type-arg]
        SpyQuerySet.locks.append(kwargs)
        return super().select_for_update(**kwargs)


@pytest.fixture
def campaign() -> Campaign:
    return campaign_create(kind="central_spot_check", year=2018, name="流程测试", actor="test")


@pytest.fixture
def alice() -> Any:
    return get_user_model().objects.create_user("alice", password="x")


def _holds(*granted: str):  # type: ignore[no-untyped-def]
    return lambda _user, role, _obj, _for: role in granted


WORKFLOW: Workflow[Campaign, CampaignTransition] = Workflow(
    table=TABLE,
    step_model=CampaignTransition,
    link="campaign",
    holds=_holds("planner"),
    refused=lambda _c, status, action: (
        f"任务当前为“{CampaignStatus(status).label}”，不能进行“{action}”"
    ),
    denied=lambda _c, action, m, _user: f"当前用户无权进行“{m.label or action}”",
    error=NotAllowed,
    denied_error=Forbidden,
)


def _take(campaign: Campaign, user: Any, action: str, **kwargs: Any) -> CampaignTransition:
    """A move by WORKFLOW; `holds`/`queryset` given here replace the workflow's."""
    declared = {k: kwargs.pop(k) for k in ("holds", "queryset") if k in kwargs}
    if "queryset" in declared:
        qs = declared["queryset"]
        declared["queryset"] = lambda: qs
    return transition(
        replace(WORKFLOW, **declared), obj=campaign, action=action, user=user, **kwargs
    )


def test_a_move_the_table_lacks_is_refused_naming_the_status_in_chinese(campaign, alice):
    with pytest.raises(NotAllowed, match="任务当前为“草拟”，不能进行“back”"):
        _take(campaign, alice, "back")
    campaign.refresh_from_db()
    assert campaign.status == CS.DRAFT
    assert not CampaignTransition.objects.filter(campaign=campaign).exists()


def test_an_actor_without_any_of_the_moves_roles_is_refused_and_nothing_is_written(campaign, alice):
    audits = AuditEntry.objects.count()
    with pytest.raises(Forbidden, match="无权进行“开始抽样”"):
        _take(campaign, alice, "start", holds=_holds("chief"))
    campaign.refresh_from_db()
    assert campaign.status == CS.DRAFT
    assert not CampaignTransition.objects.filter(campaign=campaign).exists()
    assert AuditEntry.objects.count() == audits


def test_any_one_of_several_roles_is_enough(campaign, alice):
    _take(campaign, alice, "start")
    row = _take(campaign, alice, "back", holds=_holds("chief"), opinion="抽样框有误")
    assert (row.from_status, row.to_status) == (CS.SAMPLING, CS.DRAFT)


def test_a_move_locks_the_object_writes_the_row_and_the_audit_and_saves_only_the_status(
    campaign, alice
):
    saved: list[Any] = []

    def remember(sender: Any, instance: Any, update_fields: Any = None, **_: Any) -> None:
        if sender is Campaign:
            saved.append(update_fields)

    SpyQuerySet.locks.clear()
    pre_save.connect(remember)
    try:
        row = _take(
            campaign,
            alice,
            "start",
            opinion="按计划",
            evidence=["会议纪要"],
            queryset=SpyQuerySet(model=Campaign),
        )
    finally:
        pre_save.disconnect(remember)
    assert SpyQuerySet.locks == [{"of": ("self",)}]
    assert saved == [frozenset({"status"})]
    row = CampaignTransition.objects.get(pk=row.pk)
    assert (row.campaign_id, row.from_status, row.to_status) == (campaign.pk, CS.DRAFT, CS.SAMPLING)
    assert (row.user, row.actor, row.opinion, row.evidence) == (
        alice,
        "alice",
        "按计划",
        ["会议纪要"],
    )
    campaign.refresh_from_db()
    assert campaign.status == CS.SAMPLING
    entry = AuditEntry.objects.filter(model="Campaign", object_key=str(campaign.pk)).latest("id")
    assert entry.action == AuditEntry.Action.EVENT and entry.user == alice
    assert (entry.before, entry.after) == ({"status": "draft"}, {"status": "sampling"})


def test_the_apps_check_runs_on_the_locked_object_and_may_refuse_or_add_to_the_move(
    campaign, alice
):
    seen: list[tuple[str, Move]] = []

    def refuse(locked: Campaign, m: Move) -> Outcome:
        seen.append((locked.status, m))
        raise NotAllowed("理由不足")

    with pytest.raises(NotAllowed, match="理由不足"):
        _take(campaign, alice, "start", check=refuse)
    assert seen == [(CS.DRAFT, TABLE[(CS.DRAFT, "start")])]
    assert not CampaignTransition.objects.filter(campaign=campaign).exists()

    def rename(locked: Campaign, m: Move) -> Outcome:
        return Outcome(
            changes={"name": "流程测试（改）"},
            after=lambda saved, row: {"name": saved.name, "row": row.pk},
            note="改名并开始抽样",
        )

    row = _take(campaign, alice, "start", check=rename)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.name) == (CS.SAMPLING, "流程测试（改）")
    entry = AuditEntry.objects.filter(model="Campaign", object_key=str(campaign.pk)).latest("id")
    assert entry.after == {"status": "sampling", "name": "流程测试（改）", "row": row.pk}
    assert entry.note == "改名并开始抽样"


def test_a_trusted_command_passes_no_role_check_and_is_named_by_its_actor(campaign):
    row = _take(campaign, None, "start", holds=None, actor="fupin demo")
    assert (row.user, row.actor) == (None, "fupin demo")


def test_a_simulated_clock_is_the_time_recorded(campaign, alice):
    then = timezone.make_aware(dt.datetime(2019, 3, 1, 9, 30))
    row = _take(campaign, alice, "start", now=then)
    assert CampaignTransition.objects.get(pk=row.pk).at == then


def test_move_check_names_the_move_in_its_default_refusal():
    with pytest.raises(WorkflowError, match="无权进行“退回”"):
        move_check(
            replace(WORKFLOW, holds=_holds("other"), error=WorkflowError, denied_error=None),
            Campaign(status=CS.SAMPLING),
            "back",
            None,
        )
    assert move_check(
        replace(WORKFLOW, holds=None), Campaign(status=CS.DRAFT), "start", None
    ).to == (CS.SAMPLING)


def test_a_batch_is_checked_in_order_against_the_state_it_leaves_and_refused_whole(campaign, alice):
    audits = AuditEntry.objects.count()
    twice = [Request(obj=campaign, action="start", user=alice) for _ in range(2)]
    with pytest.raises(BatchRefused) as refused:
        transitions(WORKFLOW, twice)
    assert refused.value.index == 1 and isinstance(refused.value.error, NotAllowed)
    assert str(refused.value) == "任务当前为“抽样”，不能进行“start”"
    campaign.refresh_from_db()
    assert campaign.status == CS.DRAFT
    assert not CampaignTransition.objects.filter(campaign=campaign).exists()
    assert AuditEntry.objects.count() == audits


def test_a_batch_writes_its_rows_in_bulk_in_request_order(
    campaign, alice, django_assert_max_num_queries
):
    other = campaign_create(kind="central_spot_check", year=2018, name="流程测试二", actor="test")
    then = timezone.make_aware(dt.datetime(2019, 3, 1, 9, 30))
    batch = [
        Request(obj=campaign, action="start", user=alice, now=then),
        Request(obj=other, action="start", user=alice, opinion="按计划", note="开始"),
        Request(obj=campaign, action="back", user=alice, opinion="抽样框有误"),
    ]
    # a savepoint, one lock, one insert of the rows, one update for each set of values the
    # objects end with (two here: back to draft, on to sampling), one insert of the audit rows
    with django_assert_max_num_queries(7):
        rows = transitions(WORKFLOW, batch)
    assert [(r.campaign_id, r.from_status, r.to_status) for r in rows] == [
        (campaign.pk, CS.DRAFT, CS.SAMPLING),
        (other.pk, CS.DRAFT, CS.SAMPLING),
        (campaign.pk, CS.SAMPLING, CS.DRAFT),
    ]
    assert CampaignTransition.objects.get(pk=rows[0].pk).at == then
    assert CampaignTransition.objects.get(pk=rows[2].pk).opinion == "抽样框有误"
    campaign.refresh_from_db()
    other.refresh_from_db()
    assert (campaign.status, other.status) == (CS.DRAFT, CS.SAMPLING)
    entries = AuditEntry.objects.filter(model="Campaign", action=AuditEntry.Action.EVENT)
    assert [(e.object_key, e.before, e.after, e.note) for e in entries.order_by("id")][-3:] == [
        (str(campaign.pk), {"status": "draft"}, {"status": "sampling"}, ""),
        (str(other.pk), {"status": "draft"}, {"status": "sampling"}, "开始"),
        (str(campaign.pk), {"status": "sampling"}, {"status": "draft"}, ""),
    ]
