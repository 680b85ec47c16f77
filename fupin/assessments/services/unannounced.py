"""暗访 (unannounced visits): a recorded random draw of 1–2 exited counties per province of a
campaign by its working group, and the findings the campaign's department staff enter for them.

The draw is a `Draw` of level `unannounced` (services/draws.py records it: seed, ordered frame,
probabilities, immutable; a redraw is a new draw with a reason). A finding is attached to a drawn
county and, where given, a household (by 户编号 or a member's ID number); a finding at a household
of the campaign's sample enters 五核 through `problem_raise` (the one path), linked back to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

import numpy as np
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fupin.accounts.audit import audit_record, real_user
from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Campaign, Draw, DrawLevel, Problem, UnannouncedFinding
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.assessments.services.department_reports import (
    household_of,
    may_file,
    may_read,
    problem_kind,
    sampled,
)
from fupin.assessments.services.draws import (
    DrawItemSpec,
    _seed,
    draw_current,
    draw_record,
)
from fupin.assessments.services.verification import OPEN_CAMPAIGN, problem_raise
from fupin.assessments.workflows import CampaignStatus
from fupin.regions.models import Level, Region

METHOD = "srs"
MAX_PER_PROVINCE = 2


def may_draw(user: User | None, campaign: Campaign) -> bool:
    return in_working_group(user, campaign)


def may_enter(user: User | None, campaign: Campaign) -> bool:
    """The campaign's department staff enter findings (the departments make the visits)."""
    return may_file(user, campaign)


def may_see(user: User | None, campaign: Campaign) -> bool:
    """Department staff (their own findings), the working group and the leading group (all)."""
    return may_read(user, campaign)


def unannounced_frame(campaign: Campaign) -> list[Region]:
    """The exited counties of the campaign's scope (摘帽 by the campaign's year), by code."""
    return list(
        campaign.scope_counties()
        .filter(exit_year__isnull=False, exit_year__lte=campaign.year)
        .order_by("code")
    )


def unannounced_draw_current(campaign: Campaign) -> Draw | None:
    return draw_current(campaign, DrawLevel.UNANNOUNCED)


def unannounced_counties(campaign: Campaign) -> list[Region]:
    """The counties of the unannounced-visit draw in force, in draw order (none before a draw)."""
    draw = unannounced_draw_current(campaign)
    if draw is None:
        return []
    keys = list(draw.items.order_by("order").values_list("unit_key", flat=True))
    by_code = {r.code: r for r in Region.objects.filter(code__in=keys)}
    return [by_code[k] for k in keys if k in by_code]


@transaction.atomic
def unannounced_counties_draw(
    *,
    campaign: Campaign,
    user: User | None,
    per_province: int = 1,
    seed: int | str | None = None,
    reason: str = "",
    actor: str = "",
    now: dt.datetime | None = None,
) -> Draw:
    """Draw `per_province` (1 or 2) exited counties of each province of the campaign's scope by
    simple random sampling and record the draw; a second draw supersedes the one in force and
    needs a reason. `user=None` is a trusted command named by its actor."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if user is not None and not may_draw(user, campaign):
        raise AssessmentError("只有本任务的评估工作组成员可以抽取暗访县")
    if per_province not in range(1, MAX_PER_PROVINCE + 1):
        raise AssessmentError("“每省暗访县数”须为 1 或 2")
    current = unannounced_draw_current(campaign)
    if current is not None and not reason.strip():
        raise AssessmentError("已抽过暗访县；重抽须填写“重抽原因”")
    frame = unannounced_frame(campaign)
    if not frame:
        raise AssessmentError(f"抽样框为空：评估范围内没有{campaign.year}年及以前摘帽的县")
    value = _seed(seed)
    rng = np.random.default_rng(value)
    provinces = dict(
        Region.objects.filter(
            level=Level.PROVINCE, code__in={c.code[:2] + "0" * 10 for c in frame}
        ).values_list("code", "name")
    )
    items: list[DrawItemSpec] = []
    allocation = []
    for prefix, group in groupby(frame, key=lambda c: c.code[:2]):
        counties = list(group)
        name = provinces.get(prefix + "0" * 10, prefix)
        n = min(per_province, len(counties))
        chosen = sorted(rng.choice(len(counties), size=n, replace=False).tolist())
        allocation.append({"province": name, "frame": len(counties), "drawn": n})
        items.extend(
            DrawItemSpec(
                unit_key=counties[i].code,
                inclusion_probability=n / len(counties),
                stratum=name,
                certainty=n == len(counties),
            )
            for i in chosen
        )
    return draw_record(
        campaign=campaign,
        level=DrawLevel.UNANNOUNCED,
        seed=value,
        method=METHOD,
        frame_keys=[c.code for c in frame],
        items=items,
        frame_description=f"评估范围内{campaign.year}年及以前摘帽的全部 {len(frame)} 个县"
        "（按区划代码排序），按省分层，每省简单随机抽取",
        parameters={
            "purpose": "暗访",
            "per_province": per_province,
            "allocation": allocation,
            "generator": "numpy default_rng(seed); per province in code order: "
            "choice(N, n, replace=False)",
        },
        reason=reason if current is not None else "",
        supersedes=current,
        actor=actor,
        user=user,
        now=now,
    )


def unannounced_findings_for(user: User | None, campaign: Campaign) -> QuerySet[UnannouncedFinding]:
    """The findings the user may read: all for the working group and the leading group, their
    own for department staff, none for anyone else."""
    if not may_see(user, campaign):
        return UnannouncedFinding.objects.none()
    qs = (
        UnannouncedFinding.objects.filter(campaign=campaign)
        .select_related("county", "household", "recorded_by")
        .prefetch_related("problems")
        .order_by("county__code", "id")
    )
    # Whoever may read and is not department staff is the working group or the leading group.
    sees_all = in_working_group(user, campaign) or not may_enter(user, campaign)
    if not sees_all:
        assert user is not None
        qs = qs.filter(recorded_by_id=user.pk)
    return qs


@dataclass(frozen=True)
class Entered:
    """A finding written, and the suspected problem it raised (None when not in the sample)."""

    finding: UnannouncedFinding
    problem: Problem | None
    note: str = ""


@transaction.atomic
def unannounced_finding_enter(
    *,
    campaign: Campaign,
    user: User,
    county: Region | str,
    finding: str,
    visited_on: dt.date,
    household_key: str = "",
    now: dt.datetime | None = None,
) -> Entered:
    """A department user records what an unannounced visit found in a drawn county (and at a
    household, by 户编号 or ID number); a sampled household's finding enters 五核. Audited."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not may_enter(user, campaign):
        raise AssessmentError("只有本任务的部门人员可以录入暗访发现")
    if campaign.status in (CampaignStatus.FEEDBACK, CampaignStatus.CLOSED):
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，不能再录入暗访发现"
        )
    drawn = unannounced_counties(campaign)
    if not drawn:
        raise AssessmentError("尚未抽取暗访县，请评估工作组先抽取")
    code = county.code if isinstance(county, Region) else county.strip()
    if code.isdigit() and len(code) == 6:
        code += "000000"
    place = next((c for c in drawn if code in (c.code, c.name)), None)
    if place is None:
        raise AssessmentError("“县”须为抽中的暗访县：" + "、".join(c.name for c in drawn))
    if not finding.strip():
        raise AssessmentError("请填写“发现问题”")
    now = now or timezone.now()
    if visited_on > timezone.localdate(now):
        raise AssessmentError("“暗访日期”不能晚于今天")
    household, why = household_of(place, household_key)
    if why:
        raise AssessmentError(f"“户编号或身份证号”：{why}")
    row = UnannouncedFinding.objects.create(
        campaign=campaign,
        county=place,
        household=household,
        finding=finding.strip(),
        visited_on=visited_on,
        recorded_by=real_user(user),
        recorded_at=now,
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=row,
        household=household,
        after={"county": place.code, "visited_on": visited_on.isoformat()},
        reason="暗访发现",
        now=now,
    )
    if household is None or not sampled(campaign, household):
        return Entered(row, None)
    if campaign.status not in OPEN_CAMPAIGN:
        return Entered(row, None, "该户为抽样户，但任务不在实地调查或问题核实阶段，未进入五核")
    problem = problem_raise(
        campaign=campaign,
        county=place,
        kind=problem_kind(household),
        description=f"【暗访】{row.finding}",
        user=user,
        household=household,
        finding=row,
        now=now,
    )
    return Entered(row, problem)
