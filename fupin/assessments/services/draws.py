"""The draws (三随机): counties, then villages and households of a county from the registry, made
by the engine and recorded here, immutable, with their seeds and frames."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import AuditEntry
from fupin.assessments.engine.frames import STATUS_STRATUM, CountyFrame, FrameError
from fupin.assessments.engine.pipeline import county_rng
from fupin.assessments.engine.sampling import (
    AT_RISK,
    DESIGN_STRATA,
    VILLAGE_STRATA,
    DrawError,
    HouseholdDraw,
    SamplingSettings,
    VillageDraw,
    draw_households,
    draw_villages,
    sample_counties,
)
from fupin.assessments.models import (
    Campaign,
    Draw,
    DrawItem,
    DrawLevel,
    Submission,
    frame_checksum,
)
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.assessments.workflows import NON_OVERLAPPING_KINDS, CampaignKind, CampaignStatus
from fupin.policy.text import text_problem
from fupin.regions.counties import CountyRow
from fupin.regions.models import Level, Region
from fupin.registry.models import Household
from fupin.rows import rows_insert


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
    overlap_reason: str = "",
) -> Draw:
    """Store a draw made elsewhere: its seed, method, ordered frame (as a checksum) and the units drawn.

    A redraw names the draw it `supersedes` and gives a `reason`; the old draw stays on record.
    `now`: the time recorded (default: the clock; the simulated run passes its own).
    A county draw of a cross-assessment, third-party assessment or fiscal-fund evaluation that
    holds a county another of these kinds drew the same year is refused without an
    `overlap_reason`; with one, the overlap and its reason are stored with the draw and audited.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    region = _county(county)
    if level not in DrawLevel.values:
        raise AssessmentError(f"未知的抽样层级：{level}")
    # The unannounced-visit counties (暗访) are drawn alongside the fieldwork, not before it.
    unannounced = level == DrawLevel.UNANNOUNCED
    allowed = (
        {CampaignStatus.SAMPLING, CampaignStatus.FIELDWORK, CampaignStatus.VERIFICATION}
        if unannounced
        else {CampaignStatus.SAMPLING} | ({CampaignStatus.FIELDWORK} if supersedes else set())
    )
    if campaign.status not in allowed:
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，"
            + (
                "只能在抽样、实地调查或问题核实阶段抽取暗访县"
                if unannounced
                else "只能在抽样或实地调查阶段重抽"
                if supersedes
                else "只能在抽样阶段抽样"
            )
        )
    if level in (DrawLevel.COUNTY, DrawLevel.UNANNOUNCED) and region is not None:
        raise AssessmentError("抽县时不应指定所在县")
    if level not in (DrawLevel.COUNTY, DrawLevel.UNANNOUNCED):
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
    params = dict(parameters or {})
    problem = text_problem(overlap_reason, max_length=2000, multiline=True, field="允许重叠的原因")
    if problem:
        raise AssessmentError(problem)
    if level == DrawLevel.COUNTY:
        elsewhere = counties_sampled_elsewhere(campaign)
        overlap = {s.unit_key: elsewhere[s.unit_key] for s in specs if s.unit_key in elsewhere}
        if overlap and not overlap_reason.strip():
            code, names = next(iter(overlap.items()))
            name = Region.objects.filter(code=code).values_list("name", flat=True).first()
            raise AssessmentError(
                f"{name or code}已被同年“{'、'.join(names)}”抽中；"
                f"原则上不重叠，如确需重叠，须填写允许重叠的原因"
            )
        if overlap_reason.strip():
            params["overlap"] = {"reason": overlap_reason.strip(), "counties": overlap}
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
        parameters=params,
        frame_description=frame_description.strip() or f"{len(keys)} 个单位",
        frame_size=len(keys),
        frame_checksum=frame_checksum(keys),
        reason=reason.strip(),
        supersedes=supersedes,
        created_by=real_user(user),
        actor=actor_name(user, actor),
        created_at=now or timezone.now(),
    )
    rows_insert(
        [
            DrawItem(
                draw=draw,
                unit_key=s.unit_key,
                stratum=s.stratum,
                inclusion_probability=s.inclusion_probability,
                certainty=s.certainty,
                order=i,
            )
            for i, s in enumerate(specs)
        ]
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
            **({"overlap": params["overlap"]} if "overlap" in params else {}),
        },
        reason="；".join(
            r
            for r in (
                reason.strip(),
                f"允许与同年其他抽样重叠：{overlap_reason.strip()}"
                if overlap_reason.strip()
                else "",
            )
            if r
        ),
        now=now,
    )
    return draw


def counties_sampled_by(
    year: int, kinds: Iterable[str], *, exclude: Campaign | None = None
) -> dict[str, list[str]]:
    """The counties (12-digit codes) the county draws in force of the year's campaigns of `kinds`
    hold, each with the names of the campaigns that drew it."""
    campaigns = Campaign.objects.filter(year=year, kind__in=list(kinds))
    if exclude is not None:
        campaigns = campaigns.exclude(pk=exclude.pk)
    found: dict[str, list[str]] = {}
    rows = (
        DrawItem.objects.filter(
            draw__campaign__in=campaigns,
            draw__level=DrawLevel.COUNTY,
            draw__superseded_by__isnull=True,
        )
        .order_by("draw__campaign_id", "order")
        .values_list("unit_key", "draw__campaign__name")
    )
    for code, name in rows:
        names = found.setdefault(code, [])
        if name not in names:
            names.append(name)
    return found


def counties_sampled_elsewhere(campaign: Campaign) -> dict[str, list[str]]:
    """For a campaign of the kinds that should not overlap: the counties another of those kinds
    drew in the same year (code → campaign names); for other kinds nothing."""
    if campaign.kind not in NON_OVERLAPPING_KINDS:
        return {}
    return counties_sampled_by(
        campaign.year, NON_OVERLAPPING_KINDS - {campaign.kind}, exclude=campaign
    )


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


# --- frames from the registry -------------------------------------------------------------------

# Draw.method holds 32 characters; the full description goes into the draw's parameters.
COUNTY_METHOD = "stratified-srs"
COUNTY_METHOD_TEXT = (
    "stratified srs by province, proportional allocation (round half up, >= minimum)"
)
HOUSEHOLD_METHOD = "stratified-srs+at-risk-census"
HOUSEHOLD_METHOD_TEXT = "stratified srs by village and stratum; at-risk households in full"
# Kinds whose county frame is the counties that exited in the campaign's year (DOMAIN.md §6: the
# 2019 spot check drew from the 283 counties that exited in 2018); the others draw from every
# county in scope.
EXIT_KINDS = frozenset({CampaignKind.CENTRAL_SPOT_CHECK, CampaignKind.COUNTY_EXIT_ASSESSMENT})


def county_frame(county: Region, *, year: int | None = None) -> CountyFrame:
    """The county's sampling frame from the registry: villages and households in registry order (id)."""
    prefix = county.prefix
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=prefix)
        .order_by("id")
        .values_list("id", "code", "is_poor_village")
    )
    # Households by their villages' ids (the indexed key), not by a LIKE on the joined village
    # code, which SQLite answers by scanning every household of the registry for each county;
    # each household's village as its id, placed among the villages below (no join).
    households = (
        Household.objects.filter(village__in=Region.objects.filter(code__startswith=prefix))
        .order_by("id")
        .values_list(
            "household_no",
            "village_id",
            "status",
            "size",
            "at_risk_dibao",
            "at_risk_illness",
            "at_risk_housing",
            "income_year",
        )
    )
    # The rows as the database driver gives them, without the ORM's conversion of each value
    # (tens of thousands of rows a county, read at each draw and each computation of results);
    # the flags may come as 0/1, which the frame reads as truth values.
    sql, params = households.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not villages or not rows:
        raise FrameError(f"{county.name}（{county.code}）在登记库中没有村或农户")
    # The columns, each as one tuple (transposed in C rather than a list built value by value).
    numbers, of_village, statuses, sizes, dibao, illness, housing, income_years = zip(
        *rows, strict=True
    )
    unknown = sorted(set(statuses) - set(STATUS_STRATUM))
    if unknown:
        raise FrameError(f"unknown registry status {unknown[0]!r}")
    years = [y for y in income_years if y is not None]
    village_ids = np.array([v[0] for v in villages], dtype=np.int64)
    of_household = np.array(of_village, dtype=np.int64)
    order = np.argsort(village_ids)
    village = order[
        np.searchsorted(village_ids, of_household, sorter=order).clip(0, len(villages) - 1)
    ]
    if not (village_ids[village] == of_household).all():
        raise FrameError(f"{county.name}（{county.code}）有农户所在的村不在村级抽样框中")
    province = Region.objects.filter(code=county.code[:2] + "0" * 10).values_list("name", flat=True)
    return CountyFrame.from_arrays(
        code=county.code[:6],
        name=county.name,
        province=province.first() or county.code[:2],
        year=year if year is not None else (max(years) if years else 2019),
        household_no=numbers,
        village_code=[v[1] for v in villages],
        village_is_poor=[v[2] for v in villages],
        village=village,
        stratum=np.fromiter(map(STATUS_STRATUM.__getitem__, statuses), np.int64, len(rows)),
        size=sizes,
        at_risk=np.array(dibao, dtype=bool)
        | np.array(illness, dtype=bool)
        | np.array(housing, dtype=bool),
        zone=county.zone or None,
    )


def village_items(frame: CountyFrame, v: VillageDraw) -> list[DrawItemSpec]:
    """The recorded units of a village draw: village codes, stratum (poor/nonpoor) and π."""
    return [
        DrawItemSpec(
            unit_key=str(frame.village_code[i]),
            inclusion_probability=float(p),
            stratum=VILLAGE_STRATA[s],
            certainty=float(p) == 1.0,
        )
        for i, s, p in zip(v.index.tolist(), v.stratum.tolist(), v.pi.tolist(), strict=True)
    ]


def household_items(frame: CountyFrame, h: HouseholdDraw) -> list[DrawItemSpec]:
    """The recorded units of a household draw: household numbers, design stratum and π given the village."""
    return [
        DrawItemSpec(
            unit_key=str(frame.household_no[i]),
            inclusion_probability=float(p),
            stratum=DESIGN_STRATA[d],
            certainty=d == AT_RISK and float(p) == 1.0,
        )
        for i, d, p in zip(h.index.tolist(), h.design_stratum.tolist(), h.pi.tolist(), strict=True)
    ]


# --- the campaign's settings in the engine's terms ----------------------------------------------


def sampling_settings(campaign: Campaign) -> SamplingSettings:
    """The within-county design the campaign's settings describe (Campaign.sampling)."""
    s = campaign.sampling
    per = s["households_per_stratum"]
    return SamplingSettings(
        villages=int(s["villages_per_county"]),
        poor_village_share=float(s["poor_village_share"]),
        village_method=s["village_method"],
        exited_per_village=int(per["exited"]),
        poor_per_village=int(per["poor"]),
        nonregistered_per_village=int(per["non_registered"]),
        at_risk_in_full=bool(s["at_risk_in_full"]),
    )


def sampling_dict(
    settings: SamplingSettings, *, county_rate: float = 1.0, min_counties_per_province: int = 1
) -> dict[str, Any]:
    """The campaign's sampling settings (Campaign.sampling) for an engine design."""
    return {
        "county_rate": county_rate,
        "min_counties_per_province": min_counties_per_province,
        "villages_per_county": settings.villages,
        "poor_village_share": settings.poor_village_share,
        "village_method": settings.village_method,
        "households_per_stratum": {
            "exited": settings.exited_per_village,
            "poor": settings.poor_per_village,
            "non_registered": settings.nonregistered_per_village,
        },
        "at_risk_in_full": settings.at_risk_in_full,
    }


def samples_counties(campaign: Campaign) -> bool:
    """Whether the campaign draws its counties (a county rate below 1) rather than taking its scope."""
    return float(campaign.sampling.get("county_rate", 1)) < 1


def new_seed() -> int:
    """A fresh seed for a draw made without one (recorded with the draw, so it replays)."""
    return secrets.randbits(63)


def _seed(seed: int | str | None) -> int:
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return new_seed()
    try:
        value = int(seed)
    except (TypeError, ValueError):
        raise AssessmentError(f"随机种子须为非负整数：{seed}") from None
    if value < 0 or value >= 2**128:
        raise AssessmentError("随机种子须为小于 2^128 的非负整数")
    return value


def _may_draw(campaign: Campaign, user: User | None) -> None:
    """`user=None` is a trusted command named by its actor."""
    if user is not None and not in_working_group(user, campaign):
        raise AssessmentError("只有本任务的评估工作组成员可以抽样")


def _status_allows(campaign: Campaign, statuses: Iterable[str], what: str) -> None:
    if campaign.status not in set(statuses):
        allowed = "或".join(f"“{CampaignStatus(s).label}”" for s in statuses)
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，只能在{allowed}阶段{what}"
        )


# --- the county draw ------------------------------------------------------------------------------


def county_draw_frame(campaign: Campaign, *, allow_overlap: bool = False) -> list[Region]:
    """The counties the county draw chooses from, by code: those in scope, and for spot checks and
    county-exit assessments only those that exited in the campaign's year; for the kinds that
    should not overlap, without the counties another of them drew that year (unless
    `allow_overlap`)."""
    counties = campaign.scope_counties()
    if campaign.kind in EXIT_KINDS:
        counties = counties.filter(exit_year=campaign.year)
    if not allow_overlap:
        counties = counties.exclude(code__in=list(counties_sampled_elsewhere(campaign)))
    return list(counties.order_by("code"))


def county_frame_overlap(campaign: Campaign) -> list[dict[str, Any]]:
    """The scope's counties another non-overlapping campaign of the year drew (what the default
    frame leaves out): name, code and the campaigns, for the draw page."""
    elsewhere = counties_sampled_elsewhere(campaign)
    if not elsewhere:
        return []
    counties = campaign.scope_counties().filter(code__in=list(elsewhere))
    if campaign.kind in EXIT_KINDS:
        counties = counties.filter(exit_year=campaign.year)
    return [
        {"code": c.code[:6], "name": c.name, "campaigns": elsewhere[c.code]}
        for c in counties.order_by("code")
    ]


@transaction.atomic
def counties_draw(
    campaign: Campaign,
    *,
    user: User | None,
    seed: int | str | None = None,
    reason: str = "",
    actor: str = "",
    now: dt.datetime | None = None,
    allow_overlap: bool = False,
    overlap_reason: str = "",
) -> Draw:
    """Draw the campaign's counties and record the draw (`fupin sample-counties`' rule).

    Each province of the frame gets round_half_up(county_rate x its counties), at least
    `min_counties_per_province`; within a province a simple random sample.  The same seed on the
    same frame gives the counties `fupin sample-counties --seed` gives.  A second draw is a
    redraw: it needs a reason, supersedes the draw in force, and is refused once villages or
    households have been drawn.  One transaction, audited.

    For a cross-assessment, third-party assessment or fiscal-fund evaluation the counties another
    of these kinds drew that year are left out of the frame (recorded in the parameters), unless
    the working group allows the overlap with `overlap_reason`, stored with the draw.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _may_draw(campaign, user)
    _status_allows(campaign, [CampaignStatus.SAMPLING], "抽县")
    if not samples_counties(campaign):
        raise AssessmentError("本任务的县抽样比例为 1，评估范围内的县全部评估，不抽县")
    current = draw_current(campaign, DrawLevel.COUNTY)
    if current is not None:
        if not reason.strip():
            raise AssessmentError("已抽过县；重抽须填写重抽原因")
        if (
            draws_current(campaign)
            .filter(level__in=[DrawLevel.VILLAGE, DrawLevel.HOUSEHOLD])
            .exists()
        ):
            raise AssessmentError("已在抽中县内抽取村和户，不能再重抽县")
    problem = text_problem(overlap_reason, max_length=2000, multiline=True, field="允许重叠的原因")
    if problem:
        raise AssessmentError(problem)
    if allow_overlap and not overlap_reason.strip():
        raise AssessmentError("允许与同年其他抽样重叠须填写原因")
    left_out = [] if allow_overlap else county_frame_overlap(campaign)
    frame = county_draw_frame(campaign, allow_overlap=allow_overlap)
    if not frame:
        rule = f"中{campaign.year}年退出的县" if campaign.kind in EXIT_KINDS else "内的县"
        raise AssessmentError(f"抽样框为空：评估范围{rule}为零个")
    provinces = dict(
        Region.objects.filter(
            level=Level.PROVINCE, code__in={c.code[:2] + "0" * 10 for c in frame}
        ).values_list("code", "name")
    )
    rows = [
        CountyRow(
            code=c.code[:6],
            name=c.name,
            province=provinces.get(c.code[:2] + "0" * 10, c.code[:2]),
            city="",
            # For kinds not about exits the whole scope is the frame: one "year" for the engine.
            exit_year=campaign.year,
            zone=c.zone,
        )
        for c in frame
    ]
    value = _seed(seed)
    settings = campaign.sampling
    try:
        drawn = sample_counties(
            rows,
            exit_year=campaign.year,
            rate=float(settings["county_rate"]),
            rng=np.random.default_rng(value),
            minimum=int(settings["min_counties_per_province"]),
        )
    except DrawError as e:
        raise AssessmentError(f"抽县失败：{e}") from None
    rule = f"{campaign.year}年退出的" if campaign.kind in EXIT_KINDS else ""
    return draw_record(
        campaign=campaign,
        level=DrawLevel.COUNTY,
        seed=value,
        method=COUNTY_METHOD,
        frame_keys=[c.code for c in frame],
        items=[
            DrawItemSpec(
                unit_key=r.code + "000000",
                inclusion_probability=r.pi,
                stratum=r.province,
                certainty=r.pi == 1.0,
            )
            for r in drawn.rows
        ],
        frame_description=f"评估范围内{rule}全部 {len(frame)} 个县（按区划代码排序），按省分层"
        + (
            f"；已剔除同年其他考核抽中的 {len(left_out)} 个县："
            + "、".join(f"{c['name']}（{'、'.join(c['campaigns'])}）" for c in left_out)
            if left_out
            else ""
        ),
        parameters={
            "method": COUNTY_METHOD_TEXT,
            "rate": drawn.rate,
            "minimum": drawn.minimum,
            "exit_year": campaign.year if campaign.kind in EXIT_KINDS else None,
            "allocation": [
                {"province": p, "frame": big_n, "drawn": n} for p, big_n, n in drawn.allocation
            ],
            "seed_record": drawn.seed.as_dict(),
            "generator": "numpy default_rng(seed)",
            "overlap_excluded": left_out,
            "overlap_allowed": allow_overlap,
        },
        overlap_reason=overlap_reason if allow_overlap else "",
        reason=reason if current is not None else "",
        supersedes=current,
        actor=actor,
        user=user,
        now=now,
    )


# --- villages and households of one county --------------------------------------------------------


@dataclass(frozen=True)
class CountySample:
    """A county's recorded village and household draws, with the frame and the engine's draw."""

    village_draw: Draw
    household_draw: Draw
    frame: CountyFrame
    households: HouseholdDraw


def county_sample_record(
    *,
    campaign: Campaign,
    county: Region,
    frame: CountyFrame,
    households: HouseholdDraw,
    seed: int,
    user: User | None,
    reason: str = "",
    actor: str = "",
    now: dt.datetime | None = None,
) -> tuple[Draw, Draw]:
    """Record the village and the household draw with their frames, seeds, settings and π; a
    redraw (a village draw in force) supersedes both, with the reason."""
    villages = households.villages
    old_villages = draw_current(campaign, DrawLevel.VILLAGE, county)
    old_households = draw_current(campaign, DrawLevel.HOUSEHOLD, county)
    common = {
        "campaign_seed": seed,
        "settings": households.settings.as_dict(),
        "frame_fingerprint": villages.frame_fingerprint,
        "generator": "numpy default_rng(SeedSequence(entropy, spawn_key=spawn_key))",
    }
    village_draw = draw_record(
        campaign=campaign,
        level=DrawLevel.VILLAGE,
        county=county,
        seed=seed,
        method=villages.method,
        frame_keys=frame.village_code.tolist(),
        items=village_items(frame, villages),
        frame_description=f"{county.name}全部 {frame.n_villages} 个村（登记库顺序），"
        "按贫困村、非贫困村分层",
        parameters={
            **common,
            "seed_record": villages.seed.as_dict(),
            "strata": {
                s: {"population": villages.population[k], "sampled": villages.sampled[k]}
                for k, s in enumerate(VILLAGE_STRATA)
            },
        },
        reason=reason,
        supersedes=old_villages,
        actor=actor,
        user=user,
        now=now,
    )
    household_draw = draw_record(
        campaign=campaign,
        level=DrawLevel.HOUSEHOLD,
        county=county,
        parent=village_draw,
        seed=seed,
        method=HOUSEHOLD_METHOD,
        frame_keys=frame.household_no.tolist(),
        items=household_items(frame, households),
        frame_description=f"{county.name}全部 {frame.n_households} 户（登记库顺序），"
        "在抽中村内按已脱贫、未脱贫、非建档立卡分层，重点户全覆盖",
        parameters={
            **common,
            "seed_record": households.seed.as_dict(),
            "method": HOUSEHOLD_METHOD_TEXT,
        },
        reason=reason,
        supersedes=old_households,
        actor=actor,
        user=user,
        now=now,
    )
    return village_draw, household_draw


@transaction.atomic
def county_sample_draw(
    campaign: Campaign,
    county: Region | str,
    *,
    user: User | None,
    seed: int | str | None = None,
    reason: str = "",
    frame: CountyFrame | None = None,
    actor: str = "",
    now: dt.datetime | None = None,
) -> CountySample:
    """Draw the villages, then the households, of one assessed county from the registry, by the
    campaign's sampling settings, and record both draws (one transaction, audited).

    The generators are the pure pipeline's (`county_rng(seed, county)`: villages from its first
    child, households from its second), so a recorded draw replays from its seed.  A second
    draw of the county is a redraw: it needs a reason and is refused once a questionnaire of the
    county has come in.  `frame`: the county's frame just read with `county_frame` (a caller
    that already holds it saves reading the registry twice).
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _may_draw(campaign, user)
    region = _county(county)
    assert region is not None
    redraw = draw_current(campaign, DrawLevel.VILLAGE, region) is not None
    _status_allows(
        campaign,
        [CampaignStatus.SAMPLING, CampaignStatus.FIELDWORK]
        if redraw
        else [CampaignStatus.SAMPLING],
        "重抽村和户" if redraw else "抽取村和户",
    )
    if samples_counties(campaign) and draw_current(campaign, DrawLevel.COUNTY) is None:
        raise AssessmentError("本任务须先抽县，再在抽中的县内抽村和户")
    if region.level != Level.COUNTY:
        raise AssessmentError(f"{region.name}不是县")
    county_draw = draw_current(campaign, DrawLevel.COUNTY)
    assessed = (
        set(county_draw.items.values_list("unit_key", flat=True))
        if county_draw is not None
        else set(campaign.scope_counties().values_list("code", flat=True))
    )  # evaluators.assessed_counties, which imports this module
    if region.code not in assessed:
        where = "抽中的县" if samples_counties(campaign) else "评估范围"
        raise AssessmentError(f"{region.name}不在本任务{where}之内")
    if redraw:
        if not reason.strip():
            raise AssessmentError(f"{region.name}已抽过村和户；重抽须填写重抽原因")
        if Submission.objects.filter(
            campaign=campaign, household__village__code__startswith=region.prefix
        ).exists():
            raise AssessmentError(f"{region.name}已收到问卷，不能重抽村和户")
    if frame is None:
        try:
            frame = county_frame(region)
        except FrameError as e:
            raise AssessmentError(f"抽样框为空：{e}") from None
    value = _seed(seed)
    settings = sampling_settings(campaign)
    g_villages, g_households = county_rng(value, frame.code).spawn(2)
    try:
        villages = draw_villages(frame, settings, g_villages)
        households = draw_households(frame, villages, settings, g_households)
    except DrawError as e:
        raise AssessmentError(f"{region.name}抽样失败：{e}") from None
    if len(households) == 0:
        raise AssessmentError(f"{region.name}抽中的村内没有可抽的农户")
    village_draw, household_draw = county_sample_record(
        campaign=campaign,
        county=region,
        frame=frame,
        households=households,
        seed=value,
        user=user,
        reason=reason.strip() if redraw else "",
        actor=actor,
        now=now,
    )
    return CountySample(village_draw, household_draw, frame, households)
