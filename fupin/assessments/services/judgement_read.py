"""Reading where a county's 综合研判 stands with the leading group (审定), for what rests on it:
a county exit reads the approved judgement of its campaign county (exits.assessment); and the
cadres' and deputies' satisfaction the 综合研判 weighs beside the households' recognition, as its
page, its API and the Word report show it.

Read-only; the writes are in `services.judgement`. A county's 审定 is final once approved (no move
leads out of 已审定), so the approved judgement is the county's result of the campaign.
"""

from __future__ import annotations

from dataclasses import dataclass

from fupin.assessments.models import (
    ApprovalAction,
    ApprovalStatus,
    ApprovalStep,
    AssessedFigure,
    Campaign,
    CountyApproval,
    CountyResult,
    Judgement,
    Verdict,
)
from fupin.assessments.models.cadre_survey import CadreShare, cadre_shares
from fupin.assessments.workflows import CampaignKind
from fupin.regions.models import Region

# The campaigns that assess a county's exit, where cadres and deputies are asked too (seed 004).
CADRE_SURVEY_KINDS = (CampaignKind.COUNTY_EXIT_ASSESSMENT, CampaignKind.CENTRAL_SPOT_CHECK)


@dataclass(frozen=True)
class CountyStanding:
    """A campaign county's 综合研判 on its way to the leading group: `approval` is None when no
    judgement was recorded; `approved` is the leading group's 审定通过 step once approved."""

    approval: CountyApproval | None
    approved: ApprovalStep | None

    @property
    def judged(self) -> bool:
        return self.approval is not None

    @property
    def is_approved(self) -> bool:
        return self.approved is not None

    @property
    def judgement(self) -> Judgement | None:
        """The version before (or approved by) the leading group; None without a judgement."""
        return self.approval.judgement if self.approval is not None else None

    @property
    def status_label(self) -> str:
        return self.approval.get_status_display() if self.approval is not None else "未作综合研判"

    @property
    def passed(self) -> bool:
        return self.approved is not None and self.approved.judgement.outcome == Verdict.PASS


def county_standing(*, campaign_id: int, county_id: int) -> CountyStanding:
    """Where the county's 综合研判 of the campaign stands, with the 审定 step when approved."""
    approval = (
        CountyApproval.objects.filter(campaign_id=campaign_id, county_id=county_id)
        .select_related("judgement__user", "county")
        .first()
    )
    if approval is None or approval.status != ApprovalStatus.APPROVED:
        return CountyStanding(approval, None)
    step = (
        ApprovalStep.objects.filter(
            approval=approval, action=ApprovalAction.APPROVE, judgement_id=approval.judgement_id
        )
        .select_related("judgement", "user")
        .order_by("-at", "-id")
        .first()
    )
    return CountyStanding(approval, step)


def county_cadre_shares(campaign: Campaign, county: Region) -> list[CadreShare]:
    """干部群众满意度 per category of the county's responses in force, every category in order;
    empty where the campaign's kind asks no cadres (only county exit assessments and central spot
    checks do)."""
    return cadre_shares(campaign, county) if campaign.kind in CADRE_SURVEY_KINDS else []


def figures_changed_since(judgement: Judgement, rows: list[CountyResult]) -> list[str]:
    """The figures (Chinese labels) whose current value, interval, threshold or verdict differ
    from what the judgement saw (its recorded sources): empty when it was made on the current
    figures."""
    seen = (judgement.sources or {}).get("figures", {})
    current = {r.figure: r for r in rows}
    changed = []
    for figure in AssessedFigure:
        r, s = current.get(figure.value), seen.get(figure.value)
        if r is None and s is None:
            continue
        if (
            r is None
            or s is None
            or s.get("estimate") != r.estimate
            or list(s.get("ci") or []) != [r.ci_low, r.ci_high]
            or s.get("threshold") != r.threshold
            or s.get("verdict") != r.verdict
        ):
            changed.append(str(figure.label))
    return changed


__all__ = [
    "CADRE_SURVEY_KINDS",
    "CountyStanding",
    "county_cadre_shares",
    "county_standing",
    "figures_changed_since",
]
