"""A county exit's 专项评估检查: the county result of an assessment campaign it rests on.

A county's four figures (三率一度: 错退率, 漏评率, 综合贫困发生率, 群众认可度) are read from the
campaign's current county results, each with its 95% interval, its threshold and whether the
interval clears the threshold or straddles it; no office of the county enters them. A result
counts only when its campaign is an exit assessment that has decided (已出结果 or later), and the
decision was made on the figures now current (the checksum the decision recorded).

Whose result it is (DOMAIN §6, seed 004): the working group's 综合研判 goes to the leading group,
and the county's result is what the leading group approved (审定). So:

- Where the campaign county has a 综合研判, the exit rests on the **approved** one — its outcome,
  reasons, who approved and when — and waits while it is judged, before the leading group or sent
  back. The judgement too must have been made on the figures now current.
- A **中央抽查** (the centre's spot check of exited counties) always ends with the leading group's
  审定 (seed 004: "综合研判提出最终的贫困县抽查结果，报扶贫领导小组审定"): without an approved
  综合研判 its county result cannot be rested on; the exit waits for 审定.
- A province's own **贫困县退出专项评估检查** (from 2018 the provinces run it and answer for it, seed
  004) may end with the working group's county decision: without any 综合研判 (older campaigns,
  the demo's simulated run) its `CountyDecision` still counts, as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.audit import sha256_json
from fupin.assessments.models import (
    AssessedFigure,
    Campaign,
    Clarity,
    CountyDecision,
    CountyResult,
    Verdict,
)
from fupin.assessments.services.common import in_working_group
from fupin.assessments.services.judgement import in_leading_group
from fupin.assessments.services.judgement_read import (
    CountyStanding,
    county_standing,
    figures_changed_since,
)
from fupin.assessments.workflows import CampaignKind, CampaignStatus
from fupin.exits.models import ExitCase
from fupin.policy._text import percent
from fupin.regions.models import Region

# The campaigns whose county results a county exit may rest on: the province's special assessment
# and the centre's spot check of exiting counties.
EXIT_CAMPAIGN_KINDS: tuple[str, ...] = (
    CampaignKind.COUNTY_EXIT_ASSESSMENT.value,
    CampaignKind.CENTRAL_SPOT_CHECK.value,
)
# A campaign has decided from 已出结果 on; its figures no longer change.
DECIDED_STATUSES: tuple[str, ...] = (
    CampaignStatus.DECIDED.value,
    CampaignStatus.FEEDBACK.value,
    CampaignStatus.CLOSED.value,
)
# The campaigns whose county result is the leading group's 审定 and nothing less (seed 004).
APPROVAL_REQUIRED_KINDS: tuple[str, ...] = (CampaignKind.CENTRAL_SPOT_CHECK.value,)
# The order the figures are shown and signed in.
FIGURE_ORDER: tuple[str, ...] = (
    AssessedFigure.WRONG_EXIT_RATE.value,
    AssessedFigure.MISSED_RATE.value,
    AssessedFigure.INCIDENCE.value,
    AssessedFigure.RECOGNITION.value,
)
COMPARISON_LABELS = {"below": "低于", "at_least": "不低于"}


@dataclass(frozen=True)
class FigureRow:
    """One assessed figure of the county as a signer reads it."""

    figure: str
    label: str
    estimate: float
    ci_low: float
    ci_high: float
    threshold: float
    comparison: str
    verdict: str
    clarity: str

    @property
    def passed(self) -> bool:
        return self.verdict == Verdict.PASS

    @property
    def straddles(self) -> bool:
        """The interval does not clear the threshold (or the sample is too thin for one)."""
        return self.clarity != Clarity.CLEAR

    @property
    def verdict_label(self) -> str:
        return str(Verdict(self.verdict).label)

    @property
    def clarity_label(self) -> str:
        return str(Clarity(self.clarity).label)

    @property
    def standard(self) -> str:
        return (
            f"{COMPARISON_LABELS.get(self.comparison, self.comparison)} {percent(self.threshold)}"
        )

    @property
    def estimate_text(self) -> str:
        return percent(self.estimate)

    @property
    def interval(self) -> str:
        return f"{percent(self.ci_low)}–{percent(self.ci_high)}"

    def text(self) -> str:
        """As one line: 错退率 0.4%（95%置信区间 0.1%–0.9%，标准为低于 2%）：达标，置信区间在阈值一侧."""
        return (
            f"{self.label} {percent(self.estimate)}（95%置信区间 {self.interval}，"
            f"标准为{self.standard}）：{self.verdict_label}，{self.clarity_label}"
        )


@dataclass(frozen=True)
class LinkedResult:
    """A county decision with its current figures, the county's 综合研判 and its 审定 where there
    is one (`standing`), and why it cannot be used ("" when it can)."""

    decision: CountyDecision
    figures: list[FigureRow]
    problem: str
    standing: CountyStanding = CountyStanding(None, None)

    @property
    def campaign_label(self) -> str:
        c = self.decision.campaign
        return f"{c.year}年度 {c.name}（{c.get_kind_display()}）"

    @property
    def approved(self) -> bool:
        """The result is the leading group's approved 综合研判 (not the working group's decision)."""
        return self.standing.is_approved

    @property
    def outcome(self) -> str:
        """What counts: the approved judgement's outcome, else the county decision's."""
        step = self.standing.approved
        return step.judgement.outcome if step is not None else self.decision.outcome

    @property
    def passed(self) -> bool:
        return self.outcome == Verdict.PASS

    @property
    def outcome_label(self) -> str:
        return str(Verdict(self.outcome).label)

    @property
    def basis_label(self) -> str:
        if self.approved:
            return "领导小组审定的综合研判"
        if self.standing.judged:
            return f"综合研判{self.standing.status_label}"
        return "评估工作组作出的县级结果（该任务未作综合研判）"

    @property
    def decided_at(self) -> dt.datetime:
        """When the result was made: the 审定 when approved, else the county decision."""
        step = self.standing.approved
        return step.at if step is not None else self.decision.decided_at

    @property
    def decided_by(self) -> str:
        step = self.standing.approved
        return step.actor if step is not None else self.decision.actor

    @property
    def reasons(self) -> str:
        """The reasons the result gives: the approved judgement's, else the decision's note."""
        step = self.standing.approved
        return step.judgement.reasons if step is not None else self.decision.note

    @property
    def explanation(self) -> str:
        """The reasons as the criteria quote them ("" when there are none)."""
        if not self.reasons.strip():
            return ""
        who = "领导小组审定的综合研判理由" if self.approved else "评估工作组说明"
        return f"（{who}：{self.reasons}）"

    @property
    def judgement_url(self) -> str:
        """The county's 综合研判 page (seen by the campaign's working and leading groups)."""
        return reverse(
            "assessments:judgement", args=[self.decision.campaign_id, self.decision.county.code]
        )

    @property
    def approval_text(self) -> str:
        """The 审定 in one line, "" when the result does not rest on one."""
        step = self.standing.approved
        if step is None:
            return ""
        j = step.judgement
        return (
            f"{j.get_outcome_display()}（第{j.version}版综合研判，{j.actor} "
            f"{timezone.localtime(j.at):%Y-%m-%d} 研判；{step.actor} "
            f"{timezone.localtime(step.at):%Y-%m-%d %H:%M} 审定通过）"
        )

    @property
    def straddling_labels(self) -> list[str]:
        return [f.label for f in self.figures if f.straddles]


def _rows(decision: CountyDecision) -> list[CountyResult]:
    return list(
        CountyResult.objects.filter(
            campaign_id=decision.campaign_id, county_id=decision.county_id, current=True
        )
    )


def _figure(r: CountyResult) -> FigureRow:
    return FigureRow(
        figure=r.figure,
        label=str(AssessedFigure(r.figure).label),
        estimate=r.estimate,
        ci_low=r.ci_low,
        ci_high=r.ci_high,
        threshold=r.threshold,
        comparison=r.comparison,
        verdict=r.verdict,
        clarity=r.clarity,
    )


def decision_problem(
    decision: CountyDecision,
    county: Region,
    rows: list[CountyResult] | None = None,
    standing: CountyStanding | None = None,
) -> str:
    """Why a county exit cannot rest on `decision` (Chinese), or "" when it can."""
    campaign = decision.campaign
    if decision.county_id != county.pk:
        return f"所选县级结果是{decision.county.name}的，不是{county.name}的"
    if campaign.kind not in EXIT_CAMPAIGN_KINDS:
        return (
            f"评估任务“{campaign.name}”是{campaign.get_kind_display()}，"
            "不是贫困县退出专项评估检查或中央抽查"
        )
    if campaign.status not in DECIDED_STATUSES:
        return f"评估任务“{campaign.name}”当前为“{campaign.get_status_display()}”，尚未出结果"
    rows = _rows(decision) if rows is None else rows
    missing = [
        str(AssessedFigure(f).label) for f in FIGURE_ORDER if f not in {r.figure for r in rows}
    ]
    if missing:
        return f"评估任务“{campaign.name}”对{county.name}的指标不全，尚缺{'、'.join(missing)}"
    checksum = sha256_json(sorted((r.figure, r.inputs_checksum) for r in rows))
    if checksum != decision.inputs_checksum:
        return (
            f"评估任务“{campaign.name}”对{county.name}作出县级结果后指标又经重新计算，"
            "该结果已不是现行结果，须由评估工作组依据现行指标重新作出"
        )
    return _approval_problem(decision, county, rows, standing)


def _approval_problem(
    decision: CountyDecision,
    county: Region,
    rows: list[CountyResult],
    standing: CountyStanding | None,
) -> str:
    """Why the county's 综合研判 and 审定 do not (yet) let the exit rest on the result, or ""."""
    campaign = decision.campaign
    if standing is None:
        standing = county_standing(campaign_id=campaign.pk, county_id=county.pk)
    if standing.approval is None:
        if campaign.kind in APPROVAL_REQUIRED_KINDS:
            return (
                f"评估任务“{campaign.name}”是{campaign.get_kind_display()}，县级结果须经综合研判"
                f"并报领导小组审定；{county.name}尚未作综合研判"
            )
        return ""
    if standing.approved is None:
        return (
            f"评估任务“{campaign.name}”对{county.name}的综合研判当前为“{standing.status_label}”，"
            "须经领导小组审定后才能作为退出依据"
        )
    changed = figures_changed_since(standing.approved.judgement, rows)
    if changed:
        return (
            f"评估任务“{campaign.name}”对{county.name}作出综合研判后{'、'.join(changed)}"
            "又经重新计算，审定的结果已不是依据现行指标作出的，须重新研判并报领导小组审定"
        )
    return ""


def linked_result(decision: CountyDecision, county: Region) -> LinkedResult:
    rows = _rows(decision)
    by_figure = {r.figure: r for r in rows}
    figures = [_figure(by_figure[f]) for f in FIGURE_ORDER if f in by_figure]
    standing = county_standing(campaign_id=decision.campaign_id, county_id=decision.county_id)
    problem = decision_problem(decision, county, rows, standing)
    return LinkedResult(decision, figures, problem, standing)


def case_result(case: ExitCase) -> LinkedResult | None:
    """The result a county exit case rests on, read as it stands now; None before it is linked."""
    pk = ExitCase.objects.filter(pk=case.pk).values_list("assessment_result_id", flat=True).first()
    if pk is None:
        return None
    decision = CountyDecision.objects.select_related("campaign", "county").get(pk=pk)
    return linked_result(decision, case.region)


def may_open_judgement(user: Any, campaign: Campaign) -> bool:
    """Whether `user` may open the campaign's 综合研判 pages (its working and leading groups)."""
    return in_working_group(user, campaign) or in_leading_group(user, campaign)


def result_candidates(county: Region) -> QuerySet[CountyDecision]:
    """The decided results of exit assessments for `county`, newest first (each still checked
    by `decision_problem` when linked)."""
    return (
        CountyDecision.objects.filter(
            county=county,
            campaign__kind__in=EXIT_CAMPAIGN_KINDS,
            campaign__status__in=DECIDED_STATUSES,
        )
        .select_related("campaign", "county")
        .order_by("-decided_at", "-id")
    )


def county_decision(county: Region, pk: int) -> CountyDecision | None:
    """A county result of `county` by id (any campaign: the step checks it), or None."""
    return CountyDecision.objects.filter(pk=pk, county=county).first()


def candidate_label(decision: CountyDecision) -> str:
    c = decision.campaign
    result = linked_result(decision, decision.county)
    if result.approved:
        return f"{c.year}年度 {c.name} · 领导小组审定：{result.outcome_label}"
    if result.standing.judged:
        return f"{c.year}年度 {c.name} · 综合研判{result.standing.status_label}"
    return f"{c.year}年度 {c.name} · 县级结果：{decision.get_outcome_display()}"


def link_problem(decision: CountyDecision, county: Region, date: dt.date) -> str:
    """Why the 专项评估检查 step cannot link `decision` on `date`, or ""."""
    result = linked_result(decision, county)
    if result.problem:
        return result.problem
    decided_on = timezone.localdate(result.decided_at)
    if decided_on > date:
        what = "领导小组审定" if result.approved else "县级结果作出"
        return (
            f"{what}于 {decided_on.isoformat()}，晚于办理日期 {date.isoformat()}，"
            "专项评估检查环节不能早于结果作出"
        )
    if not result.passed:
        what = "领导小组审定的综合研判结果" if result.approved else "县级结果"
        return (
            f"评估任务“{decision.campaign.name}”对{county.name}的{what}为"
            f"“{result.outcome_label}”，专项评估检查未通过，不能退出"
        )
    return ""


def result_facts(result: LinkedResult | None) -> dict[str, Any]:
    """The assessment as a county exit's criteria data (what the 3342 chain signs)."""
    if result is None:
        return {"assessment": None}
    # The 审定 only where there is one, so that what was signed on a county decision alone (no
    # 综合研判) reads as it did.
    approval = {"assessment_approval": result.approval_text} if result.approved else {}
    return {
        "assessment": result.campaign_label,
        "assessment_outcome": result.outcome_label,
        **approval,
        **{f.figure: f.text() for f in result.figures},
        "straddling": "、".join(result.straddling_labels) or "无",
    }


FIGURE_HEADER = ["指标", "估计值", "95%置信区间", "标准", "判定", "区间与阈值"]


def figure_rows(result: LinkedResult) -> list[list[str]]:
    """The figures as table rows (the printed sign-off sheet)."""
    return [
        [f.label, f.estimate_text, f.interval, f.standard, f.verdict_label, f.clarity_label]
        for f in result.figures
    ]


FACT_LABELS: dict[str, str] = {
    "assessment": "专项评估检查",
    "assessment_outcome": "县级结果",
    "assessment_approval": "领导小组审定",
    **{f: str(AssessedFigure(f).label) for f in FIGURE_ORDER},
    "straddling": "置信区间跨越阈值的指标",
}
