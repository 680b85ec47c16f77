"""五抽五查五看 ③ (seed 004: 抽取省级评估检查数据和调查问卷，查实地调查工作质量和问卷完成质量): a
recorded simple random draw of the province's own questionnaires of a county — seed, frame size
and drawn positions kept, replayable from the seed (numpy default_rng(seed) and
fupin.stats.selection.srs) — and, per drawn questionnaire, agree / disagree per field group, with
the agreement rate per group and overall. Recorded by the campaign's working group and the
county's lead expert (check_access); append-only, audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Campaign, RecheckDraw, RecheckGroup, RecheckResult
from fupin.assessments.services.check_access import refuse_unless_may_record
from fupin.assessments.services.common import AssessmentError, User
from fupin.assessments.services.draws import _seed
from fupin.policy.text import text_problem
from fupin.regions.models import Region
from fupin.stats.selection import srs

DEFAULT_RECHECK_SIZE = 10
MAX_FRAME = 1_000_000


def recheck_draw_current(campaign: Campaign, county: Region) -> RecheckDraw | None:
    """The county's re-check draw in force: the latest one no later draw replaced."""
    return (
        RecheckDraw.objects.filter(campaign=campaign, county=county, superseded_by__isnull=True)
        .order_by("-at", "-id")
        .first()
    )


def recheck_positions(frame_size: int, size: int, seed: int) -> list[int]:
    """The questionnaires (numbered from 1) a draw of `size` of `frame_size` with `seed` takes:
    numpy default_rng(seed), fupin.stats.selection.srs, sorted."""
    sample = srs(frame_size, size, np.random.default_rng(seed))
    return [int(i) + 1 for i in sample.index]


def recheck_replay(draw: RecheckDraw) -> bool:
    """Whether the recorded seed, frame size and size give exactly the recorded positions."""
    return recheck_positions(draw.frame_size, draw.size, int(draw.seed)) == list(draw.numbers)


@transaction.atomic
def recheck_draw(
    *,
    campaign: Campaign,
    county: Region,
    user: User,
    frame_size: int,
    size: int = DEFAULT_RECHECK_SIZE,
    seed: int | str | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> RecheckDraw:
    """Draw `size` of the `frame_size` questionnaires the province holds for the county by simple
    random sampling and record seed, frame and positions; a redraw needs a reason and keeps the
    earlier draw (and its results) on record. Audited."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    refuse_unless_may_record(user, campaign, county)
    if not isinstance(frame_size, int) or isinstance(frame_size, bool) or frame_size < 1:
        raise AssessmentError("“省级问卷份数”须为正整数")
    if frame_size > MAX_FRAME:
        raise AssessmentError(f"“省级问卷份数”不能超过 {MAX_FRAME}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise AssessmentError("“抽查份数”须为正整数")
    if size > frame_size:
        raise AssessmentError(f"“抽查份数”（{size}）不能多于“省级问卷份数”（{frame_size}）")
    current = recheck_draw_current(campaign, county)
    if current is not None and not reason.strip():
        raise AssessmentError("已抽过省级问卷；重抽须填写“重抽原因”")
    value = _seed(seed)
    now = now or timezone.now()
    draw = RecheckDraw.objects.create(
        campaign=campaign,
        county=county,
        frame_size=frame_size,
        size=size,
        seed=str(value),
        method="srs",
        numbers=recheck_positions(frame_size, size, value),
        frame_description=f"省级评估检查在{county.name}的全部 {frame_size} 份调查问卷，按省级问卷"
        f"编号顺序记为第 1 至第 {frame_size} 份，简单随机抽取 {size} 份",
        reason=reason.strip() if current is not None else "",
        supersedes=current,
        user=real_user(user),
        actor=actor_name(user),
        at=now,
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=draw,
        after={
            "county": county.code,
            "frame_size": frame_size,
            "size": size,
            "seed": draw.seed,
            "positions": draw.numbers,
        },
        reason=f"抽查省级评估问卷：{county.name}" + (f"（重抽：{draw.reason}）" if current else ""),
        now=now,
    )
    return draw


@dataclass(frozen=True)
class RecheckInput:
    """One field group of one drawn questionnaire as re-checked."""

    position: int
    group: str
    agree: bool
    note: str = ""


@transaction.atomic
def recheck_results_record(
    *,
    campaign: Campaign,
    county: Region,
    user: User,
    results: list[RecheckInput],
    now: dt.datetime | None = None,
) -> list[RecheckResult]:
    """Record agree / disagree per field group of drawn questionnaires of the draw in force (each
    supersedes the earlier record of that questionnaire's group). A disagreement needs a note.
    One transaction, audited."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    refuse_unless_may_record(user, campaign, county)
    draw = recheck_draw_current(campaign, county)
    if draw is None:
        raise AssessmentError("请先抽取省级问卷")
    if not results:
        raise AssessmentError("请至少记录一份问卷的一项复查结果")
    drawn = set(draw.numbers)
    errors = []
    seen: set[tuple[int, str]] = set()
    for r in results:
        if r.position not in drawn:
            errors.append(f"第 {r.position} 份问卷不在本次抽查之列")
            continue
        if r.group not in RecheckGroup.values:
            errors.append(f"第 {r.position} 份：未知的字段组 {r.group}")
            continue
        label = f"第 {r.position} 份“{RecheckGroup(r.group).label}”"
        if (r.position, r.group) in seen:
            errors.append(f"{label}重复")
        seen.add((r.position, r.group))
        if not r.agree and not r.note.strip():
            errors.append(f"{label}：不一致时须填写说明")
        problem = text_problem(r.note, max_length=2000, multiline=True, field="说明")
        if problem:
            errors.append(f"{label}：{problem}")
    if errors:
        raise AssessmentError("；".join(errors))
    now = now or timezone.now()
    written = [
        RecheckResult.objects.create(
            draw=draw,
            number=r.position,
            group=r.group,
            agree=r.agree,
            note=r.note.strip(),
            user=real_user(user),
            actor=actor_name(user),
            at=now,
        )
        for r in results
    ]
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=draw,
        after={
            "county": county.code,
            "results": {
                f"第{r.number}份{r.get_group_display()}": "一致" if r.agree else "不一致"
                for r in written
            },
        },
        reason=f"复查省级评估问卷：{county.name}",
        now=now,
    )
    return written


@dataclass(frozen=True)
class Agreement:
    """The share of re-checked (questionnaire, field group) pairs that agree: per group or overall."""

    group: str  # "" for overall
    label: str
    agreed: int
    checked: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.checked if self.checked else None

    @property
    def percent(self) -> str:
        """`90.0%`, or `—` when nothing is checked yet."""
        rate = self.rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


def agreement_rates(pairs: list[tuple[str, bool]]) -> list[Agreement]:
    """Per field group (in their fixed order) and overall: (group, agree) pairs → agreements."""
    rows = []
    for g in RecheckGroup:
        flags = [agree for group, agree in pairs if group == g.value]
        rows.append(Agreement(g.value, str(g.label), sum(flags), len(flags)))
    rows.append(Agreement("", "合计", sum(a for _, a in pairs), len(pairs)))
    return rows


@dataclass
class Recheck:
    """The re-check in force for a county: the draw, its results in force, and the rates."""

    draw: RecheckDraw
    results: dict[tuple[int, str], RecheckResult]

    @property
    def agreements(self) -> list[Agreement]:
        return agreement_rates([(g, r.agree) for (_, g), r in self.results.items()])

    @property
    def overall(self) -> Agreement:
        return self.agreements[-1]

    @property
    def disagreements(self) -> list[RecheckResult]:
        return [r for r in self.results.values() if not r.agree]

    def rows(self) -> list[tuple[int, list[tuple[str, str, RecheckResult | None]]]]:
        """Per drawn questionnaire: (group, label, result in force) for each field group."""
        return [
            (p, [(g.value, str(g.label), self.results.get((p, g.value))) for g in RecheckGroup])
            for p in self.draw.numbers
        ]


def recheck_of(campaign: Campaign, county: Region) -> Recheck | None:
    """The county's re-check in force (None before a draw)."""
    draw = recheck_draw_current(campaign, county)
    if draw is None:
        return None
    latest: dict[tuple[int, str], RecheckResult] = {}
    for r in draw.results.order_by("-at", "-id"):
        latest.setdefault((r.number, r.group), r)
    ordered = dict(sorted(latest.items()))
    return Recheck(draw, ordered)
