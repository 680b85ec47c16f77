"""Campaign operations: create one with a snapshot of the thresholds, and move it through its statuses."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import audit_record, real_user
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.roles import has_role
from fupin.accounts.scoping import office_regions
from fupin.accounts.services import working_group_add
from fupin.accounts.workflow import Move, Workflow, transition
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

# What separates the names or codes of a scope typed by hand.
SCOPE_SEPARATORS = re.compile(r"[、，,；;/\s]+")


def scope_parse(text: str) -> list[Region]:
    """The provinces and counties named in `text` by name (甘肃省, 甘肃, 岷县) or code (62,
    621126, 621126000000), separated by 、，,；;/ or spaces; a refusal names every token not found
    or ambiguous."""
    found: list[Region] = []
    problems: list[str] = []
    for token in [t for t in SCOPE_SEPARATORS.split(text.strip()) if t]:
        levels = (Level.PROVINCE, Level.COUNTY)
        if token.isdigit():
            code = {2: token + "0" * 10, 6: token + "0" * 6}.get(len(token), token)
            matches = list(Region.objects.filter(code=code, level__in=levels))
        else:
            matches = list(Region.objects.filter(name=token, level__in=levels))
            if not matches:  # 甘肃 for 甘肃省, 广西 for 广西壮族自治区
                matches = list(Region.objects.filter(name__startswith=token, level=Level.PROVINCE))
        if not matches:
            problems.append(f"“{token}”不是已登记的省或县")
        elif len(matches) > 1:
            names = "、".join(f"{m.name}（{m.code[:6]}）" for m in matches)
            problems.append(f"“{token}”对应多个区划：{names}，请改用区划代码")
        elif matches[0] not in found:
            found.append(matches[0])
    if problems:
        raise AssessmentError("评估范围：" + "；".join(problems))
    return found


def _may_create(user: User | None, regions: list[Region]) -> None:
    """The working group creates campaigns; a province office creates one over its own province
    (a province's own 专项评估检查), even once it sits on the working group of the campaigns it
    created. `user=None` is a trusted command."""
    if user is None:
        return
    offices = [r.prefix for r in office_regions(user) if r.level == Level.PROVINCE]
    unbound = Membership.objects.filter(
        user_id=user.pk, role=Role.WORKING_GROUP, campaign__isnull=True
    ).exists()
    if unbound or (not offices and has_role(user, Role.WORKING_GROUP)):
        return
    if not offices:
        raise AssessmentError("只有评估工作组成员或省扶贫办可以创建评估任务")
    if not regions:
        raise AssessmentError("评估范围：省扶贫办创建任务须列出本省或本省的县")
    outside = [r.name for r in regions if not any(r.code.startswith(p) for p in offices)]
    if outside:
        raise AssessmentError(f"评估范围：{'、'.join(outside)}不在本省之内")


def _regions(scope: Iterable[Region | str]) -> list[Region]:
    out: list[Region] = []
    for item in scope:
        code = str(item).strip()
        code = {2: code + "0" * 10, 6: code + "0" * 6}.get(len(code), code)  # 62, 621126
        region = item if isinstance(item, Region) else Region.objects.filter(code=code).first()
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

    Created by the working group, or by a province office over its own province; the creator
    becomes a member of the campaign's working group in the same transaction.

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
    _may_create(user, regions)
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
            "sampling": settings,
            "starts_on": starts_on.isoformat() if starts_on else None,
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
        now=now,
    )
    if user is not None:  # the creator works on it: its working group (audited as a grant)
        working_group_add(campaign=campaign, user=user, actor=user, now=now)
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


def _to_label(to: str) -> str:
    return str(CampaignStatus(to).label)


# The campaign's workflow (its table: workflows.CAMPAIGN_TRANSITIONS); no user: a trusted command.
CAMPAIGN_WORKFLOW: Workflow[Campaign, CampaignTransition] = Workflow(
    table=CAMPAIGN_TRANSITIONS,
    step_model=CampaignTransition,
    link="campaign",
    holds=lambda user, role, _campaign, _for: user is None or has_role(user, role),
    refused=lambda _campaign, status, to: (
        f"任务当前为“{CampaignStatus(status).label}”，不能转为“{_to_label(to)}”"
    ),
    denied=lambda _campaign, to, move, _user: (
        f"只有{'、'.join(role_label(r) for r in sorted(move.roles))}可以将任务转为“{_to_label(to)}”"
    ),
    error=AssessmentError,
)


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

    def check(locked: Campaign, move: Move) -> None:
        if move.opinion_required and not opinion.strip():
            raise AssessmentError(f"转回“{_to_label(to)}”须说明理由")
        _guard(locked, to)

    return transition(
        CAMPAIGN_WORKFLOW,
        obj=campaign,
        action=to,
        user=user,
        check=check,
        opinion=opinion.strip(),
        actor=actor,
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
