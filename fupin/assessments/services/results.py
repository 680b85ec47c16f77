"""Storing per-county figures and decisions with what they were computed from.

The estimates come from the engine; this module judges them against the campaign's own
thresholds, says whether the interval clears the threshold or straddles it, and refuses figures
computed from anything but the draws in force and the problems confirmed at 终核.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user, sha256_json
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.roles import has_role
from fupin.assessments.models import (
    AssessedFigure,
    Campaign,
    Clarity,
    CountyDecision,
    CountyResult,
    Verdict,
)
from fupin.assessments.services.common import AssessmentError, User
from fupin.assessments.services.draws import draws_current
from fupin.assessments.services.verification import problems_confirmed
from fupin.assessments.workflows import CampaignStatus
from fupin.policy import PolicyError, Threshold
from fupin.regions.models import Region


def judge(
    *, estimate: float, ci_low: float, ci_high: float, threshold: Threshold
) -> tuple[str, str]:
    """(verdict, clarity): pass or fail on the estimate; clear when the whole interval is on one side."""
    holds = threshold.comparison.holds
    verdict = Verdict.PASS if holds(estimate, threshold.limit) else Verdict.FAIL
    low_ok, high_ok = holds(ci_low, threshold.limit), holds(ci_high, threshold.limit)
    clarity = Clarity.CLEAR if low_ok == high_ok else Clarity.STRADDLES
    return verdict.value, clarity.value


def figure_inputs(campaign: Campaign, county: Region) -> dict[str, list[int]]:
    """What a county's figures must be computed from: the draws in force and the confirmed problems."""
    draws = draws_current(campaign).filter(county__isnull=True) | draws_current(campaign).filter(
        county=county
    )
    return {
        "draws": sorted(draws.values_list("pk", flat=True)),
        "problems": sorted(problems_confirmed(campaign, county).values_list("pk", flat=True)),
    }


def _number(
    values: Mapping[str, Any], key: str, figure: str, *, optional: bool = False
) -> float | None:
    value = values.get(key)
    if value is None and optional:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AssessmentError(f"{figure} 的 {key} 不是数值") from None
    if not math.isfinite(out):
        raise AssessmentError(f"{figure} 的 {key} 不是有限数值")
    return out


@transaction.atomic
def county_results_record(
    *,
    campaign: Campaign,
    county: Region,
    figures: Mapping[str, Mapping[str, Any]],
    draw_ids: Iterable[int],
    problem_ids: Iterable[int],
    actor: str = "",
    user: User | None = None,
    now: dt.datetime | None = None,
) -> list[CountyResult]:
    """Store (or replace) a county's figures: {figure: {estimate, se, df, ci_low, ci_high}}.

    An optional `sparse: True` says the sample cannot support a reliable interval for the
    figure (样本不足以给出可靠区间); it is then recorded with that clarity, for the 综合研判.

    `draw_ids` and `problem_ids` say what the engine used; they must be exactly the draws in
    force and the problems confirmed at 终核 for this county, or nothing is stored. `now`: the
    time recorded (default: the clock; the simulated run passes its own).
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.VERIFICATION:
        raise AssessmentError("只能在问题核实阶段计算指标；出结果后指标不再改变")
    if user is not None and not has_role(user, Role.WORKING_GROUP):
        raise AssessmentError("只有评估工作组成员可以记录指标")
    unknown = sorted(set(figures) - set(AssessedFigure.values))
    if unknown:
        raise AssessmentError(f"未知的指标：{', '.join(unknown)}")
    expected = figure_inputs(campaign, county)
    used = {"draws": sorted(set(draw_ids)), "problems": sorted(set(problem_ids))}
    if used["problems"] != expected["problems"]:
        extra = sorted(set(used["problems"]) - set(expected["problems"]))
        missing = sorted(set(expected["problems"]) - set(used["problems"]))
        raise AssessmentError(
            "指标所用问题与终核认定的问题不一致"
            + (f"；未经终核认定：{extra}" if extra else "")
            + (f"；遗漏已认定：{missing}" if missing else "")
        )
    if not set(used["draws"]) <= set(expected["draws"]) or not used["draws"]:
        raise AssessmentError("指标须依据现行的抽样记录计算")
    table = campaign.threshold_table()
    inputs = {**used, "thresholds": campaign.thresholds}
    checksum = sha256_json(inputs)
    CountyResult.objects.filter(campaign=campaign, county=county, figure__in=list(figures)).delete()
    rows = []
    for figure, values in figures.items():
        estimate = _number(values, "estimate", figure)
        ci_low, ci_high = _number(values, "ci_low", figure), _number(values, "ci_high", figure)
        assert estimate is not None and ci_low is not None and ci_high is not None
        if not ci_low <= estimate <= ci_high:
            raise AssessmentError(f"{figure} 的估计值不在其置信区间内")
        try:
            threshold = table.threshold(figure, county.zone or None)
        except PolicyError as e:
            raise AssessmentError(f"{figure} 没有适用的判定标准：{e}") from None
        verdict, clarity = judge(
            estimate=estimate, ci_low=ci_low, ci_high=ci_high, threshold=threshold
        )
        if values.get("sparse"):  # the engine's verdict on the sample: no reliable interval
            clarity = Clarity.SPARSE.value
        rows.append(
            CountyResult(
                campaign=campaign,
                county=county,
                figure=figure,
                estimate=estimate,
                se=_number(values, "se", figure),
                df=_number(values, "df", figure, optional=True),
                ci_low=ci_low,
                ci_high=ci_high,
                threshold=threshold.limit,
                comparison=threshold.comparison.value,
                verdict=verdict,
                clarity=clarity,
                inputs=inputs,
                inputs_checksum=checksum,
                computed_at=now or timezone.now(),
            )
        )
    CountyResult.objects.bulk_create(rows)
    audit_record(
        actor=user,
        actor_label=actor,
        action=AuditEntry.Action.UPDATE,
        obj=campaign,
        after={
            "county": county.code,
            "figures": {r.figure: r.verdict for r in rows},
            "inputs_checksum": checksum,
        },
        reason="记录县级指标",
        now=now,
    )
    return rows


@transaction.atomic
def county_decision_record(
    *,
    campaign: Campaign,
    county: Region,
    actor: str = "",
    user: User | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> CountyDecision:
    """The county's overall result from its four figures: pass only if every one passes (一票否决).

    `now`: the time recorded (default: the clock; the simulated run passes its own)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.VERIFICATION:
        raise AssessmentError("只能在问题核实阶段作出县级结果")
    if user is not None and not has_role(user, Role.WORKING_GROUP):
        raise AssessmentError("只有评估工作组成员可以作出县级结果")
    results = list(CountyResult.objects.filter(campaign=campaign, county=county))
    missing = sorted(set(AssessedFigure.values) - {r.figure for r in results})
    if missing:
        raise AssessmentError(f"{county.name}尚缺指标：{', '.join(missing)}")
    if figure_inputs(campaign, county)["problems"] != results[0].inputs["problems"]:
        raise AssessmentError("指标计算后又有问题经终核认定，请重新计算指标")
    outcome = Verdict.PASS if all(r.verdict == Verdict.PASS for r in results) else Verdict.FAIL
    # For the 综合研判: intervals across the threshold, and figures the sample cannot support.
    straddling = sorted(r.figure for r in results if r.clarity != Clarity.CLEAR)
    checksum = sha256_json(sorted((r.figure, r.inputs_checksum) for r in results))
    values = {
        "outcome": outcome,
        "straddling_figures": straddling,
        "inputs_checksum": checksum,
        "decided_by": real_user(user),
        "actor": actor_name(user, actor),
        "note": note,
    }
    decision, _ = CountyDecision.objects.update_or_create(
        campaign=campaign,
        county=county,
        defaults=values,
        create_defaults={**values, "decided_at": now or timezone.now()},
    )
    audit_record(
        actor=user,
        actor_label=decision.actor,
        action=AuditEntry.Action.CREATE,
        obj=decision,
        after={"county": county.code, "outcome": outcome, "straddling": straddling},
        now=now,
    )
    return decision


def counties_straddling(campaign: Campaign) -> list[tuple[Region, list[str]]]:
    """Counties with a figure whose interval straddles its threshold: candidates for a re-check."""
    out: dict[int, tuple[Region, list[str]]] = {}
    for r in (
        CountyResult.objects.filter(
            campaign=campaign, clarity__in=[Clarity.STRADDLES, Clarity.SPARSE]
        )
        .select_related("county")
        .order_by("county__code", "figure")
    ):
        out.setdefault(r.county_id, (r.county, []))[1].append(r.figure)
    return list(out.values())
