"""Computing, storing and deciding per-county figures, with what they were computed from.

`results_compute` computes a county's four figures from the records alone — the county's frame
from the registry, its household draw replayed from the recorded seeds and checked item by item,
the stored submissions of the sampled households and the problems confirmed at 终核 — through
the engine (`engine.figures.county_figures`), the same function the pure pipeline and the
simulation use, and stores them with `county_results_record`. It refuses, with the lists, while
a sampled household has no submission or a problem of the county is not closed. This module
judges the estimates against the campaign's own thresholds, says whether the interval clears the
threshold or straddles it, and refuses figures computed from anything but the draws in force and
the problems confirmed at 终核. A recomputation appends new rows; the earlier ones stay on record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user, sha256_json
from fupin.accounts.models import AuditEntry
from fupin.assessments.engine.fieldwork import SurveyAnswers
from fupin.assessments.engine.figures import CountyFigures, county_figures
from fupin.assessments.engine.frames import CountyFrame, FrameError
from fupin.assessments.engine.sampling import (
    HouseholdDraw,
    SamplingSettings,
    SeedRecord,
    draw_households,
    draw_villages,
)
from fupin.assessments.engine.verification import ConfirmedProblems
from fupin.assessments.models import (
    AssessedFigure,
    Campaign,
    Clarity,
    CountyDecision,
    CountyResult,
    Draw,
    DrawLevel,
    Problem,
    Submission,
    Verdict,
)
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.assessments.services.draws import (
    DrawItemSpec,
    county_frame,
    draw_current,
    draws_current,
    household_items,
    village_items,
)
from fupin.assessments.services.verification import problems_confirmed
from fupin.assessments.workflows import PROBLEM_CLOSED, CampaignStatus
from fupin.policy import PolicyError, Threshold
from fupin.regions.models import Region
from fupin.registry.models import Household


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
    draws = draws_current(campaign).filter(
        county__isnull=True, level=DrawLevel.COUNTY
    ) | draws_current(campaign).filter(county=county)
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
    """Store a county's figures: {figure: {estimate, se, df, ci_low, ci_high}}; the rows they
    replace stay on record, no longer current.

    An optional `sparse: True` says the sample cannot support a reliable interval for the
    figure (样本不足以给出可靠区间); it is then recorded with that clarity, for the 综合研判.

    `draw_ids` and `problem_ids` say what the engine used; they must be exactly the draws in
    force and the problems confirmed at 终核 for this county, or nothing is stored. `now`: the
    time recorded (default: the clock; the simulated run passes its own).
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.VERIFICATION:
        raise AssessmentError("只能在问题核实阶段计算指标；出结果后指标不再改变")
    if user is not None and not in_working_group(user, campaign):
        raise AssessmentError("只有本任务的评估工作组成员可以记录指标")
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
    replaced = CountyResult.objects.filter(
        campaign=campaign, county=county, figure__in=list(figures), current=True
    ).update(current=False)
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
            "replaced_rows": replaced,
        },
        reason="重新计算县级指标" if replaced else "记录县级指标",
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
    outcome: str | None = None,
    now: dt.datetime | None = None,
) -> CountyDecision:
    """The county's overall result, pass or fail (never a score or a rank), with its reasons.

    By default the result of the four figures: pass only if every one passes (一票否决). The
    working group may decide otherwise (`outcome`) only after the 综合研判 — when a figure's
    interval straddles its threshold, the sample is too thin for one, or recognition (a
    threshold 原则上) falls short — and only with its reasons in `note`.
    `now`: the time recorded (default: the clock; the simulated run passes its own)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.VERIFICATION:
        raise AssessmentError("只能在问题核实阶段作出县级结果")
    if user is not None and not in_working_group(user, campaign):
        raise AssessmentError("只有本任务的评估工作组成员可以作出县级结果")
    if outcome is not None and outcome not in Verdict.values:
        raise AssessmentError("县级结果只能是“达标”或“未达标”")
    results = list(CountyResult.objects.filter(campaign=campaign, county=county, current=True))
    missing = sorted(set(AssessedFigure.values) - {r.figure for r in results})
    if missing:
        raise AssessmentError(f"{county.name}尚缺指标：{', '.join(missing)}")
    if figure_inputs(campaign, county)["problems"] != results[0].inputs["problems"]:
        raise AssessmentError("指标计算后又有问题经终核认定，请重新计算指标")
    by_figures = Verdict.PASS if all(r.verdict == Verdict.PASS for r in results) else Verdict.FAIL
    # For the 综合研判: intervals across the threshold, and figures the sample cannot support.
    straddling = sorted(r.figure for r in results if r.clarity != Clarity.CLEAR)
    judged = set(straddling) | {
        r.figure
        for r in results
        if r.figure == AssessedFigure.RECOGNITION and r.verdict == Verdict.FAIL
    }
    outcome = outcome or by_figures
    if outcome != by_figures:
        if not judged:
            raise AssessmentError(
                f"{county.name}各项指标的置信区间均在阈值一侧，县级结果须与逐项判定"
                f"（{Verdict(by_figures).label}）一致"
            )
        if not note.strip():
            raise AssessmentError(
                f"县级结果与逐项判定（{Verdict(by_figures).label}）不同，须在“理由”中写明综合研判的依据"
            )
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
        after={
            "county": county.code,
            "outcome": outcome,
            "by_figures": by_figures,
            "straddling": straddling,
            "note": note,
        },
        now=now,
    )
    return decision


def counties_straddling(campaign: Campaign) -> list[tuple[Region, list[str]]]:
    """Counties with a figure whose interval straddles its threshold: candidates for a re-check."""
    out: dict[int, tuple[Region, list[str]]] = {}
    for r in (
        CountyResult.objects.filter(
            campaign=campaign, current=True, clarity__in=[Clarity.STRADDLES, Clarity.SPARSE]
        )
        .select_related("county")
        .order_by("county__code", "figure")
    ):
        out.setdefault(r.county_id, (r.county, []))[1].append(r.figure)
    return list(out.values())


# --- computing the figures from the records ---------------------------------------------------

# The recognition choices of every questionnaire version (v1's, then v2's new ones; rec_exit,
# rec_infrastructure and rec_public_services are in both) and the answers that count as
# recognising the work. v2's reasons (`*_reason`) and help_received are never counted.
RECOGNITION_QUESTIONS = (
    "rec_policy",
    "rec_measures",
    "rec_results",
    "rec_cadres",
    "rec_exit",
    "rec_infrastructure",
    "rec_public_services",
    "rec_fairness",
    "rec_delivered",
    "rec_effective",
    "rec_satisfied",
)
RECOGNISING = frozenset({"satisfied", "basically"})
# The 两不愁三保障 answers, in the engine's GUARANTEES order.
GUARANTEE_ANSWERS = (
    "food_ok",
    "clothing_ok",
    "education_ok",
    "medical_ok",
    "housing_ok",
    "water_ok",
)
# How many items a refusal's message names (the page and the API give the whole lists).
_NAMED = 10


@dataclass(frozen=True)
class UnsurveyedHousehold:
    household_no: str
    village: str


@dataclass(frozen=True)
class OpenProblem:
    number: int
    kind: str
    status: str
    household_no: str


@dataclass(frozen=True)
class CountyGaps:
    """What stands between a county and its figures: sampled households without a questionnaire,
    and problems not yet closed at 终核 (认定 or 不予认定)."""

    county: Region
    unsurveyed: tuple[UnsurveyedHousehold, ...]
    open_problems: tuple[OpenProblem, ...]

    def __bool__(self) -> bool:
        return bool(self.unsurveyed or self.open_problems)

    def message(self) -> str:
        parts = []
        if self.unsurveyed:
            named = "、".join(h.household_no for h in self.unsurveyed[:_NAMED])
            more = "等" if len(self.unsurveyed) > _NAMED else ""
            parts.append(f"{len(self.unsurveyed)} 个样本户尚未调查（户编号 {named}{more}）")
        if self.open_problems:
            named = "、".join(f"#{p.number} {p.status}" for p in self.open_problems[:_NAMED])
            more = "等" if len(self.open_problems) > _NAMED else ""
            parts.append(f"{len(self.open_problems)} 个问题尚未终核（{named}{more}）")
        return f"{self.county.name}：" + "；".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "county": self.county.code,
            "name": self.county.name,
            "unsurveyed": [dataclasses.asdict(h) for h in self.unsurveyed],
            "open_problems": [dataclasses.asdict(p) for p in self.open_problems],
        }


class ResultsRefused(AssessmentError):
    """The figures cannot be computed yet; `gaps` lists, per county, what is missing."""

    def __init__(self, gaps: list[CountyGaps]) -> None:
        self.gaps = gaps
        super().__init__("不能计算结果：" + "。".join(g.message() for g in gaps))


def county_gaps(campaign: Campaign, county: Region) -> CountyGaps:
    """The county's sampled households (current household draw) without a submission, and its
    problems still open."""
    draw = draw_current(campaign, DrawLevel.HOUSEHOLD, county)
    unsurveyed: list[UnsurveyedHousehold] = []
    if draw is not None:
        sampled = list(draw.items.order_by("order").values_list("unit_key", flat=True))
        # By the households' ids (the submissions' (campaign, household) index), not by a join on
        # the number, which reads every submission of the campaign for each county.
        surveyed = set(
            Submission.objects.filter(
                campaign=campaign,
                household__in=Household.objects.filter(household_no__in=sampled),
            ).values_list("household__household_no", flat=True)
        )
        missing = [k for k in sampled if k not in surveyed]
        villages = dict(
            Household.objects.filter(household_no__in=missing).values_list(
                "household_no", "village__name"
            )
        )
        unsurveyed = [UnsurveyedHousehold(k, villages.get(k, "")) for k in missing]
    problems = (
        Problem.objects.filter(campaign=campaign, county=county)
        .exclude(status__in=PROBLEM_CLOSED)
        .select_related("household")
        .order_by("id")
    )
    return CountyGaps(
        county=county,
        unsurveyed=tuple(unsurveyed),
        open_problems=tuple(
            OpenProblem(
                number=p.pk,
                kind=str(p.get_kind_display()),
                status=str(p.get_status_display()),
                household_no=p.household.household_no if p.household else "",
            )
            for p in problems
        ),
    )


def _seed_record(raw: Mapping[str, Any]) -> SeedRecord:
    entropy = raw["entropy"]
    return SeedRecord(
        entropy=tuple(int(e) for e in entropy) if isinstance(entropy, list) else int(entropy),
        spawn_key=tuple(int(k) for k in raw["spawn_key"]),
        fresh=bool(raw["fresh"]),
    )


def _same_items(draw: Draw, specs: list[DrawItemSpec]) -> bool:
    stored = list(
        draw.items.order_by("order").values_list(
            "unit_key", "inclusion_probability", "stratum", "certainty"
        )
    )
    return stored == [(s.unit_key, s.inclusion_probability, s.stratum, s.certainty) for s in specs]


def draws_replay(
    campaign: Campaign, county: Region, frame: CountyFrame
) -> tuple[HouseholdDraw, list[int]]:
    """The county's household draw, replayed from the recorded seeds on today's frame and checked.

    Refuses when the frame is not the one recorded (checksum), or the replay does not give
    exactly the recorded units, strata and inclusion probabilities.
    """
    vdraw = draw_current(campaign, DrawLevel.VILLAGE, county)
    hdraw = draw_current(campaign, DrawLevel.HOUSEHOLD, county)
    if vdraw is None or hdraw is None:
        raise AssessmentError(f"{county.name}没有现行的抽村、抽户记录")
    if hdraw.parent_id != vdraw.pk:
        raise AssessmentError(f"{county.name}的抽户记录不是依据现行的抽村记录")
    if not vdraw.frame_matches(frame.village_code.tolist()):
        raise AssessmentError(f"{county.name}的村级抽样框与记录不符（登记库在抽样后有变动）")
    if not hdraw.frame_matches(frame.household_no.tolist()):
        raise AssessmentError(f"{county.name}的户级抽样框与记录不符（登记库在抽样后有变动）")
    try:
        settings = SamplingSettings(**vdraw.parameters["settings"])
        villages = draw_villages(
            frame, settings, _seed_record(vdraw.parameters["seed_record"]).generator()
        )
        households = draw_households(
            frame, villages, settings, _seed_record(hdraw.parameters["seed_record"]).generator()
        )
    except (KeyError, TypeError, ValueError) as e:
        raise AssessmentError(f"{county.name}的抽样记录缺少复现所需的设置或种子：{e}") from None
    if not _same_items(vdraw, village_items(frame, villages)):
        raise AssessmentError(f"{county.name}的抽村记录不能由其种子复现")
    if not _same_items(hdraw, household_items(frame, households)):
        raise AssessmentError(f"{county.name}的抽户记录不能由其种子复现")
    return households, [vdraw.pk, hdraw.pk]


def recognises(answers: Mapping[str, Any]) -> tuple[bool, bool]:
    """(asked, recognises): asked when any recognition question applied; recognises when every
    recognition answer is 满意 or 基本满意. The same rule for v1 and v2 (each on its own codes;
    see migrations/_questionnaire_v2.py)."""
    given = [answers[q] for q in RECOGNITION_QUESTIONS if q in answers]
    return bool(given), bool(given) and all(a in RECOGNISING for a in given)


def answers_stored(
    campaign: Campaign, county: Region, frame: CountyFrame, draw: HouseholdDraw
) -> SurveyAnswers:
    """The survey answers of the sampled households from their stored submissions (the latest
    each), aligned with the draw."""
    keys = frame.household_no[draw.index].tolist()
    latest: dict[str, dict[str, Any]] = {}
    for no, answers in (
        Submission.objects.filter(
            campaign=campaign, household__in=Household.objects.filter(household_no__in=keys)
        )
        .order_by("received_at", "id")
        .values_list("household__household_no", "answers")
    ):
        latest[no] = answers
    missing = [k for k in keys if k not in latest]
    if missing:
        raise AssessmentError(f"{county.name}有 {len(missing)} 个样本户没有问卷（如 {missing[0]}）")
    rows = [latest[k] for k in keys]
    size, income, guarantees = [], [], []
    for no, a in zip(keys, rows, strict=True):
        try:
            size.append(int(a["size"]))
            income.append(float(a["income_per_capita"]))
            guarantees.append([bool(a[g]) for g in GUARANTEE_ANSWERS])
        except (KeyError, TypeError, ValueError) as e:
            raise AssessmentError(f"户 {no} 的问卷缺少或填错了“{e}”，不能计算指标") from None
    asked_rec = [recognises(a) for a in rows]
    return SurveyAnswers.from_arrays(
        size=size,
        income_per_capita=income,
        guarantees=np.asarray(guarantees, dtype=bool).reshape(len(rows), len(GUARANTEE_ANSWERS)),
        recognises=[r for _, r in asked_rec],
        recognition_asked=[q for q, _ in asked_rec],
    )


def confirmed_positions(
    campaign: Campaign, county: Region, frame: CountyFrame, draw: HouseholdDraw
) -> tuple[dict[str, list[int]], list[int]]:
    """Sample positions of the problems confirmed at 终核, by kind, and the problems' ids."""
    position = {no: i for i, no in enumerate(frame.household_no[draw.index].tolist())}
    out: dict[str, list[int]] = {"wrong_exit": [], "missed": []}
    ids = []
    for pk, kind, no in problems_confirmed(campaign, county).values_list(
        "pk", "kind", "household__household_no"
    ):
        ids.append(pk)
        if kind in out:
            if no not in position:
                raise AssessmentError(f"已认定的问题 #{pk}（农户 {no}）不在现行样本中")
            out[kind].append(position[no])
    return out, ids


@dataclass(frozen=True)
class RecordedFigures:
    """A county's four figures computed from the records, and the records they come from."""

    frame: CountyFrame
    draw: HouseholdDraw
    answers: SurveyAnswers
    figures: CountyFigures
    draw_ids: list[int]
    problem_ids: list[int]

    def as_record(self) -> dict[str, dict[str, float]]:
        """The `figures` argument of county_results_record."""
        return {
            f.name: {
                "estimate": f.estimate.value,
                "se": f.estimate.se,
                "df": f.estimate.df,
                "ci_low": f.ci[0],
                "ci_high": f.ci[1],
                "sparse": f.sparse,
            }
            for f in self.figures.figures
        }


def county_figures_recorded(campaign: Campaign, county: Region) -> RecordedFigures:
    """The four figures of a county from the database alone: frame, replayed draw, stored answers,
    problems confirmed at 终核 — what `results_compute` stores, reproducible at any time. Reads
    only; it neither checks the gaps nor stores anything."""
    try:
        frame = county_frame(county, year=None)
    except FrameError as e:
        raise AssessmentError(f"抽样框为空：{e}") from None
    draw, draw_ids = draws_replay(campaign, county, frame)
    answers = answers_stored(campaign, county, frame, draw)
    positions, problem_ids = confirmed_positions(campaign, county, frame, draw)
    confirmed = ConfirmedProblems.from_positions(len(draw), **positions)
    try:
        figures = county_figures(
            frame, draw, answers, confirmed, thresholds=campaign.threshold_table()
        )
    except ValueError as e:
        raise AssessmentError(f"{county.name}的指标无法计算：{e}") from e
    return RecordedFigures(frame, draw, answers, figures, draw_ids, problem_ids)


def campaign_counties_sampled(campaign: Campaign) -> list[Region]:
    """The counties with a household draw in force, by code."""
    ids = draws_current(campaign).filter(level=DrawLevel.HOUSEHOLD).values("county_id")
    return list(Region.objects.filter(pk__in=ids).order_by("code"))


def _may_compute(campaign: Campaign, user: User | None) -> None:
    if user is not None and not in_working_group(user, campaign):
        raise AssessmentError("只有本任务的评估工作组成员可以计算结果")
    if campaign.status != CampaignStatus.VERIFICATION:
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，"
            f"只能在“{CampaignStatus.VERIFICATION.label}”阶段计算结果"
        )


@dataclass(frozen=True)
class CountyComputed:
    """A county's stored figure rows and the computation they come from."""

    county: Region
    rows: list[CountyResult]
    recorded: RecordedFigures


@transaction.atomic
def results_compute(
    campaign: Campaign,
    county: Region,
    *,
    user: User | None,
    actor: str = "",
    now: dt.datetime | None = None,
) -> CountyComputed:
    """Compute a county's four figures from the records and store them (a new row per figure;
    the earlier rows stay on record). Refused (`ResultsRefused`, with the lists) while a sampled
    household has no questionnaire or a problem of the county is still open."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _may_compute(campaign, user)
    if draw_current(campaign, DrawLevel.HOUSEHOLD, county) is None:
        raise AssessmentError(f"{county.name}没有现行的抽户记录，不能计算结果")
    gaps = county_gaps(campaign, county)
    if gaps:
        raise ResultsRefused([gaps])
    return _county_compute(campaign, county, user=user, actor=actor, now=now)


def _county_compute(
    campaign: Campaign,
    county: Region,
    *,
    user: User | None,
    actor: str,
    now: dt.datetime | None,
) -> CountyComputed:
    """The figures of a county whose gaps were checked, stored (the locked campaign)."""
    recorded = county_figures_recorded(campaign, county)
    rows = county_results_record(
        campaign=campaign,
        county=county,
        figures=recorded.as_record(),
        draw_ids=recorded.draw_ids,
        problem_ids=recorded.problem_ids,
        actor=actor,
        user=user,
        now=now,
    )
    return CountyComputed(county, rows, recorded)


@transaction.atomic
def campaign_results_compute(
    campaign: Campaign,
    *,
    user: User | None,
    actor: str = "",
    now: dt.datetime | None = None,
) -> list[CountyComputed]:
    """Compute every sampled county's figures (by code), all or none: refused with every
    county's lists when any county has unsurveyed households or open problems."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    _may_compute(campaign, user)
    counties = campaign_counties_sampled(campaign)
    if not counties:
        raise AssessmentError("本任务尚无抽户记录，不能计算结果")
    gaps = [g for g in (county_gaps(campaign, c) for c in counties) if g]
    if gaps:
        raise ResultsRefused(gaps)
    # Every county's draw and gaps were checked above, in this transaction: computed directly.
    return [_county_compute(campaign, c, user=user, actor=actor, now=now) for c in counties]
