"""Recording draws (三随机): the engine computes them, these functions keep them, immutable, with their frame."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Campaign, Draw, DrawItem, DrawLevel, frame_checksum
from fupin.assessments.services.common import AssessmentError, User
from fupin.assessments.workflows import CampaignStatus
from fupin.regions.models import Level, Region


@dataclass(frozen=True)
class DrawItemSpec:
    """One drawn unit as the engine hands it over."""

    unit_key: str
    inclusion_probability: float
    stratum: str = ""
    certainty: bool = False


def _spec(item: DrawItemSpec | Mapping[str, Any]) -> DrawItemSpec:
    if isinstance(item, DrawItemSpec):
        return item
    return DrawItemSpec(
        unit_key=str(item["unit_key"]),
        inclusion_probability=float(item["inclusion_probability"]),
        stratum=str(item.get("stratum", "") or ""),
        certainty=bool(item.get("certainty", False)),
    )


def _county(county: Region | str | None) -> Region | None:
    if county is None or isinstance(county, Region):
        return county
    found = Region.objects.filter(code=county).first()
    if found is None:
        raise AssessmentError(f"区划代码 {county} 不存在")
    return found


@transaction.atomic
def draw_record(
    *,
    campaign: Campaign,
    level: str,
    seed: int | str,
    method: str,
    frame_keys: Sequence[str],
    items: Iterable[DrawItemSpec | Mapping[str, Any]],
    reason: str = "",
    supersedes: Draw | None = None,
    county: Region | str | None = None,
    parent: Draw | None = None,
    frame_description: str = "",
    parameters: Mapping[str, Any] | None = None,
    actor: str = "",
    user: User | None = None,
    now: dt.datetime | None = None,
) -> Draw:
    """Store a draw made elsewhere: its seed, method, ordered frame (as a checksum) and the units drawn.

    A redraw names the draw it `supersedes` and gives a `reason`; the old draw stays on record.
    `now`: the time recorded (default: the clock; the simulated run passes its own).
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    region = _county(county)
    if level not in DrawLevel.values:
        raise AssessmentError(f"未知的抽样层级：{level}")
    allowed = {CampaignStatus.SAMPLING} | ({CampaignStatus.FIELDWORK} if supersedes else set())
    if campaign.status not in allowed:
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，"
            + ("只能在抽样或实地调查阶段重抽" if supersedes else "只能在抽样阶段抽样")
        )
    if level == DrawLevel.COUNTY and region is not None:
        raise AssessmentError("抽县时不应指定所在县")
    if level != DrawLevel.COUNTY:
        if region is None:
            raise AssessmentError("抽村、抽户须指定所在县")
        if region.level != Level.COUNTY:
            raise AssessmentError(f"{region.name}不是县")
    seed_text = str(seed).strip()
    if not seed_text:
        raise AssessmentError("须记录随机种子")
    if not method.strip():
        raise AssessmentError("须记录抽样方法")
    keys = [str(k) for k in frame_keys]
    if not keys:
        raise AssessmentError("抽样框为空")
    if len(set(keys)) != len(keys):
        raise AssessmentError("抽样框中有重复单位")
    specs = [_spec(i) for i in items]
    if not specs:
        raise AssessmentError("未抽中任何单位")
    in_frame = set(keys)
    seen: set[str] = set()
    for s in specs:
        if s.unit_key not in in_frame:
            raise AssessmentError(f"抽中单位 {s.unit_key} 不在抽样框中")
        if s.unit_key in seen:
            raise AssessmentError(f"单位 {s.unit_key} 被重复抽中")
        seen.add(s.unit_key)
        if not 0 < s.inclusion_probability <= 1:
            raise AssessmentError(f"单位 {s.unit_key} 的入样概率须在 (0, 1] 之内")
        if s.certainty and s.inclusion_probability != 1:
            raise AssessmentError(f"必选单位 {s.unit_key} 的入样概率须为 1")
    current = draw_current(campaign, level, region)
    if supersedes is None:
        if current is not None:
            raise AssessmentError(
                f"已有抽样记录 #{current.pk}；重抽须说明原因并指明被替换的抽样记录"
            )
    else:
        if not reason.strip():
            raise AssessmentError("重抽须说明原因")
        if (
            supersedes.campaign_id != campaign.pk
            or supersedes.level != level
            or supersedes.county_id != (region.pk if region else None)
        ):
            raise AssessmentError("被替换的抽样记录不属于同一任务、同一层级和同一县")
        if current is None or current.pk != supersedes.pk:
            raise AssessmentError(f"抽样记录 #{supersedes.pk} 已被替换，只能替换现行的抽样记录")
    if parent is not None:
        if parent.campaign_id != campaign.pk:
            raise AssessmentError("上一级抽样不属于本任务")
        if not parent.is_current:
            raise AssessmentError(f"上一级抽样 #{parent.pk} 已被替换")
    draw = Draw.objects.create(
        campaign=campaign,
        level=level,
        county=region,
        parent=parent,
        seed=seed_text,
        method=method.strip(),
        parameters=dict(parameters or {}),
        frame_description=frame_description.strip() or f"{len(keys)} 个单位",
        frame_size=len(keys),
        frame_checksum=frame_checksum(keys),
        reason=reason.strip(),
        supersedes=supersedes,
        created_by=real_user(user),
        actor=actor_name(user, actor),
        created_at=now or timezone.now(),
    )
    DrawItem.objects.bulk_create(
        DrawItem(
            draw=draw,
            unit_key=s.unit_key,
            stratum=s.stratum,
            inclusion_probability=s.inclusion_probability,
            certainty=s.certainty,
            order=i,
        )
        for i, s in enumerate(specs)
    )
    audit_record(
        actor=user,
        actor_label=draw.actor,
        action=AuditEntry.Action.CREATE,
        obj=draw,
        after={
            "level": level,
            "county": region.code if region else None,
            "seed": seed_text,
            "method": draw.method,
            "frame_size": draw.frame_size,
            "items": len(specs),
            "supersedes": supersedes.pk if supersedes else None,
        },
        reason=reason.strip(),
        now=now,
    )
    return draw


def draws_current(campaign: Campaign) -> QuerySet[Draw]:
    """Every draw of the campaign that no redraw has replaced."""
    return Draw.objects.filter(campaign=campaign, superseded_by__isnull=True)


def draw_current(campaign: Campaign, level: str, county: Region | str | None = None) -> Draw | None:
    """The draw in force at a level (and county, below the county level): the latest not replaced."""
    qs = draws_current(campaign).filter(level=level)
    if county is None:
        qs = qs.filter(county__isnull=True)
    elif isinstance(county, Region):
        qs = qs.filter(county=county)
    else:
        qs = qs.filter(county__code=county)
    return qs.order_by("-created_at", "-id").first()


def drawn_keys(campaign: Campaign, level: str, county: Region | str | None = None) -> list[str]:
    """The units of the draws in force at a level (for households: all sampled counties if no county)."""
    qs = draws_current(campaign).filter(level=level)
    if county is not None:
        qs = (
            qs.filter(county=county)
            if isinstance(county, Region)
            else qs.filter(county__code=county)
        )
    return list(
        DrawItem.objects.filter(draw__in=qs)
        .order_by("draw_id", "order")
        .values_list("unit_key", flat=True)
    )
