"""Campaign operations: create one with a snapshot of the thresholds, and move it through its statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import audit_record, real_user
from fupin.accounts.models import AuditEntry
from fupin.accounts.roles import has_role
from fupin.accounts.workflow import Move, transition
from fupin.assessments.models import Campaign, CampaignTransition, Draw, Problem, sampling_errors
from fupin.assessments.models.campaigns import default_sampling
from fupin.assessments.services.common import AssessmentError, User, role_label
from fupin.assessments.workflows import (
    CAMPAIGN_TRANSITIONS,
    PROBLEM_CLOSED,
    CampaignKind,
    CampaignStatus,
)
from fupin.policy import DEFAULT_THRESHOLDS, PolicyError, ThresholdTable
from fupin.regions.models import Level, Region


def _regions(scope: Iterable[Region | str]) -> list[Region]:
    out: list[Region] = []
    for item in scope:
        region = item if isinstance(item, Region) else Region.objects.filter(code=str(item)).first()
        if region is None:
            raise AssessmentError(f"区划代码 {item} 不存在")
        if region.level not in (Level.PROVINCE, Level.COUNTY):
            raise AssessmentError(f"{region.name}不是省或县，不能作为评估范围")
        out.append(region)
    return out


@transaction.atomic
def campaign_create(
    *,
    kind: str,
    year: int,
    name: str,
    scope: Iterable[Region | str] = (),
    sampling: Mapping[str, Any] | None = None,
    thresholds: Iterable[Mapping[str, object]] | None = None,
    explain_window_hours: int = 24,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    actor: str = "",
    user: User | None = None,
    now: dt.datetime | None = None,
) -> Campaign:
    """A new campaign in draft, judging by a copy of the thresholds in force today (or those given).

    `now`: the time recorded (default: the clock; the simulated run passes its own)."""
    if kind not in CampaignKind.values:
        raise AssessmentError(f"未知的评估类型：{kind}")
    if not name.strip():
        raise AssessmentError("请填写任务名称")
    rows = list(thresholds) if thresholds is not None else DEFAULT_THRESHOLDS.as_rows()
    try:
        ThresholdTable.from_rows(rows)
    except PolicyError as e:
        raise AssessmentError(f"判定标准有误：{e}") from None
    settings = dict(sampling) if sampling is not None else default_sampling()
    errors = sampling_errors(settings)
    if errors:
        raise AssessmentError("；".join(errors))
    if starts_on and ends_on and ends_on < starts_on:
        raise AssessmentError("结束日期早于开始日期")
    regions = _regions(scope)
    campaign = Campaign.objects.create(
        kind=kind,
        year=year,
        name=name.strip(),
        thresholds=[dict(r) for r in rows],
        sampling=settings,
        explain_window_hours=explain_window_hours,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=real_user(user),
        created_at=now or timezone.now(),
    )
    campaign.scope.set(regions)
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.CREATE,
        obj=campaign,
        after={
            "kind": kind,
            "year": year,
            "name": campaign.name,
            "scope": [r.code for r in regions],
        },
        now=now,
    )
    return campaign


@transaction.atomic
def campaign_update_settings(
    *,
    campaign: Campaign,
    sampling: Mapping[str, Any] | None = None,
    explain_window_hours: int | None = None,
    actor: str = "",
    user: User | None = None,
) -> Campaign:
    """Change the sampling settings or the explanation window, only while the campaign is a draft."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise AssessmentError("只有草拟状态的任务可以修改抽样设置")
    if user is not None and not has_role(user, "working_group"):
        raise AssessmentError("只有评估工作组成员可以修改任务设置")
    before = {"sampling": campaign.sampling, "explain_window_hours": campaign.explain_window_hours}
    fields = []
    if sampling is not None:
        errors = sampling_errors(dict(sampling))
        if errors:
            raise AssessmentError("；".join(errors))
        campaign.sampling = dict(sampling)
        fields.append("sampling")
    if explain_window_hours is not None:
        campaign.explain_window_hours = explain_window_hours
        fields.append("explain_window_hours")
    if fields:
        campaign.save(update_fields=fields)
        audit_record(
            actor=user,
            actor_label=actor,
            action=AuditEntry.Action.UPDATE,
            obj=campaign,
            before=before,
            after={
                "sampling": campaign.sampling,
                "explain_window_hours": campaign.explain_window_hours,
            },
        )
    return campaign


def _guard(campaign: Campaign, to: str) -> None:
    """What must be true before some moves, beyond the table."""
    if (
        to == CampaignStatus.FIELDWORK
        and campaign.status == CampaignStatus.SAMPLING
        and not Draw.objects.filter(campaign=campaign).exists()
    ):
        raise AssessmentError("尚未记录任何抽样结果，不能开始实地调查（三随机）")
    if to == CampaignStatus.DECIDED:
        open_count = (
            Problem.objects.filter(campaign=campaign).exclude(status__in=PROBLEM_CLOSED).count()
        )
        if open_count:
            raise AssessmentError(f"尚有 {open_count} 个疑点问题未核实办结（凡疑必核），不能出结果")


@transaction.atomic
def campaign_transition(
    *,
    campaign: Campaign,
    to: str,
    actor: str = "",
    user: User | None,
    opinion: str = "",
    now: dt.datetime | None = None,
) -> CampaignTransition:
    """Move the campaign to `to` if the table allows it and the user has the role; record the move.

    `user=None` is for trusted commands (the demo, management commands), named by `actor`.
    `now`: the time recorded (default: the clock; the simulated run passes its own).
    """
    if to not in CampaignStatus.values:
        raise AssessmentError(f"未知的任务状态：{to}")
    to_label = CampaignStatus(to).label

    def check(locked: Campaign, move: Move) -> None:
        if move.opinion_required and not opinion.strip():
            raise AssessmentError(f"转回“{to_label}”须说明理由")
        _guard(locked, to)

    return transition(
        obj=campaign,
        table=CAMPAIGN_TRANSITIONS,
        action=to,
        user=user,
        step_model=CampaignTransition,
        link="campaign",
        holds=None if user is None else has_role,
        check=check,
        opinion=opinion.strip(),
        actor=actor,
        error=AssessmentError,
        refused=lambda status, _to: (
            f"任务当前为“{CampaignStatus(status).label}”，不能转为“{to_label}”"
        ),
        denied=lambda move: (
            f"只有{'、'.join(role_label(r) for r in sorted(move.roles))}可以将任务转为“{to_label}”"
        ),
        note=opinion.strip(),
        now=now,
    )


def campaign_entered(campaign: Campaign, status: str) -> CampaignTransition | None:
    """The last time the campaign entered `status`, if it has."""
    return (
        CampaignTransition.objects.filter(campaign=campaign, to_status=status)
        .order_by("-at", "-id")
        .first()
    )
