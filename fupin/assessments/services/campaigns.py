"""Campaign operations: create one with a snapshot of the thresholds, and move it through its statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from fupin.assessments.models import Campaign, CampaignTransition, Draw, Problem, sampling_errors
from fupin.assessments.models.campaigns import default_sampling
from fupin.assessments.services.common import (
    AssessmentError,
    User,
    actor_name,
    audit,
    has_role,
    real_user,
    role_label,
)
from fupin.assessments.workflows import (
    CAMPAIGN_TRANSITIONS,
    PROBLEM_CLOSED,
    CampaignKind,
    CampaignStatus,
)
from fupin.policy import DEFAULT_THRESHOLDS, PolicyError, ThresholdTable
from fupin.regions.models import Level, Region
from fupin.registry.models import AuditEntry


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
) -> Campaign:
    """A new campaign in draft, judging by a copy of the thresholds in force today (or those given)."""
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
    )
    campaign.scope.set(regions)
    audit(
        obj=campaign,
        action=AuditEntry.Action.CREATE,
        actor=actor_name(user, actor),
        user=user,
        after={
            "kind": kind,
            "year": year,
            "name": campaign.name,
            "scope": [r.code for r in regions],
        },
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
        audit(
            obj=campaign,
            action=AuditEntry.Action.UPDATE,
            actor=actor_name(user, actor),
            user=user,
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
) -> CampaignTransition:
    """Move the campaign to `to` if the table allows it and the user has the role; record the move.

    `user=None` is for trusted commands (the demo, management commands), named by `actor`.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    current = campaign.status
    if to not in CampaignStatus.values:
        raise AssessmentError(f"未知的任务状态：{to}")
    move = CAMPAIGN_TRANSITIONS.get((current, to))
    if move is None:
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(current).label}”，不能转为“{CampaignStatus(to).label}”"
        )
    if user is not None and not any(has_role(user, r) for r in move.roles):
        who = "、".join(role_label(r) for r in sorted(move.roles))
        raise AssessmentError(f"只有{who}可以将任务转为“{CampaignStatus(to).label}”")
    if move.opinion_required and not opinion.strip():
        raise AssessmentError(f"转回“{CampaignStatus(to).label}”须说明理由")
    _guard(campaign, to)
    row = CampaignTransition.objects.create(
        campaign=campaign,
        from_status=current,
        to_status=to,
        user=real_user(user),
        actor=actor_name(user, actor),
        opinion=opinion.strip(),
    )
    campaign.status = to
    campaign.save(update_fields=["status"])
    audit(
        obj=campaign,
        action=AuditEntry.Action.EVENT,
        actor=row.actor,
        user=user,
        before={"status": current},
        after={"status": to},
        note=opinion.strip(),
    )
    return row


def campaign_entered(campaign: Campaign, status: str) -> CampaignTransition | None:
    """The last time the campaign entered `status`, if it has."""
    return (
        CampaignTransition.objects.filter(campaign=campaign, to_status=status)
        .order_by("-at", "-id")
        .first()
    )
