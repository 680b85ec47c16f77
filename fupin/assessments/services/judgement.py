"""综合研判 and 审定 (seed 004): per county, everything the working group weighs — the four figures
with their intervals, the verification outcome, the departments' reports and the unannounced
visits' findings — and its judgement (pass or fail with reasons, recorded in versions); then the
campaign's judgements go to the leading group as one submission, whose members approve each
county (审定) or send it back with a reason, through the one workflow mechanism.

Pass or fail only, never a score or a rank. Recognition below its threshold is 原则上 (in
principle): it is shown for the judgement to weigh, never an automatic fail; the other three
figures are each a veto, so a clear failure of one (its interval wholly on the wrong side) is
never judged a pass.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.workflow import (
    BatchRefused,
    Move,
    Outcome,
    Request,
    Workflow,
    move,
    transition,
    transitions,
)
from fupin.assessments.models import (
    ApprovalAction,
    ApprovalStatus,
    ApprovalStep,
    AssessedFigure,
    Campaign,
    Clarity,
    CountyApproval,
    CountyDecision,
    CountyResult,
    DepartmentReport,
    Judgement,
    Problem,
    UnannouncedFinding,
    Verdict,
)
from fupin.assessments.models.cadre_survey import CadreShare
from fupin.assessments.services.common import AssessmentError, User, in_working_group, role_label
from fupin.assessments.services.evaluators import assessed_counties
from fupin.assessments.services.judgement_read import county_cadre_shares
from fupin.assessments.workflows import CampaignStatus, ProblemStatus
from fupin.regions.models import Region

# The figures in the order the pages show them; recognition is the one judged 原则上.
FIGURES = (
    AssessedFigure.INCIDENCE,
    AssessedFigure.WRONG_EXIT_RATE,
    AssessedFigure.MISSED_RATE,
    AssessedFigure.RECOGNITION,
)
IN_PRINCIPLE = AssessedFigure.RECOGNITION.value
# The working group judges once the figures are computed: under verification or decided.
JUDGING_STATUSES = (CampaignStatus.VERIFICATION, CampaignStatus.DECIDED)

AS, AA = ApprovalStatus, ApprovalAction
_WG, _LG = Role.WORKING_GROUP, Role.LEADING_GROUP

# (from status, action) → the move. The leading group's members approve or send back with a
# reason; a county sent back is judged again (a new version) and submitted again.
APPROVAL_TRANSITIONS: dict[tuple[str, str], Move] = {
    (AS.JUDGED, AA.SUBMIT): move(AS.SUBMITTED, _WG, label="报送领导小组审定"),
    (AS.SENT_BACK, AA.SUBMIT): move(AS.SUBMITTED, _WG, label="重新报送审定"),
    (AS.SUBMITTED, AA.APPROVE): move(AS.APPROVED, _LG, label="审定通过"),
    (AS.SUBMITTED, AA.SEND_BACK): move(AS.SENT_BACK, _LG, label="退回", opinion=True),
}


def in_leading_group(user: User | None, campaign: Campaign) -> bool:
    """Whether the active user is a member of the leading group for the campaign: a row tied to
    it, the national leading group (no campaign, no region), or the leading group of the province
    (granted by its office) that holds every county of the campaign."""
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    rows = Membership.objects.filter(user_id=user.pk, role=Role.LEADING_GROUP)
    if rows.filter(Q(campaign=campaign) | Q(campaign__isnull=True, region__isnull=True)).exists():
        return True
    # A province's leading group (granted by its office) decides the campaigns wholly inside it.
    provinces = {code[:2] for code in campaign.scope_counties().values_list("code", flat=True)}
    if len(provinces) != 1:
        return False
    return rows.filter(campaign__isnull=True, region__code__startswith=provinces.pop()).exists()


def _holds(user: Any, role: str, approval: CountyApproval, _for: str | None) -> bool:
    if role == Role.WORKING_GROUP:
        return in_working_group(user, approval.campaign)
    if role == Role.LEADING_GROUP:  # never the working group that wrote the judgement
        return in_leading_group(user, approval.campaign) and not in_working_group(
            user, approval.campaign
        )
    return False


APPROVAL_WORKFLOW: Workflow[CountyApproval, ApprovalStep] = Workflow(
    table=APPROVAL_TRANSITIONS,
    step_model=ApprovalStep,
    link="approval",
    holds=_holds,
    refused=lambda a, status, action: (
        f"{a.county.name}的综合研判当前为“{ApprovalStatus(status).label}”，"
        f"不能“{ApprovalAction(action).label if action in ApprovalAction.values else action}”"
    ),
    denied=lambda a, action, m, _user: (
        f"只有本任务的{'、'.join(role_label(r) for r in sorted(m.roles))}"
        f"可以“{ApprovalAction(action).label}”"
    ),
    error=AssessmentError,
    queryset=lambda: CountyApproval.objects.select_related("campaign", "county", "judgement"),
)


# ---------------------------------------------------------------------------------------------
# What the working group weighs


@dataclass
class FigureLine:
    """One of the four figures of a county, as the 综合研判 page shows it."""

    figure: str
    label: str
    estimate: float
    ci_low: float
    ci_high: float
    threshold: float
    at_least: bool
    verdict: str
    verdict_label: str
    straddles: bool
    sparse: bool
    in_principle: bool  # recognition: a shortfall is weighed, not a veto


@dataclass
class Dossier:
    """Everything about one county the working group brings together (综合研判)."""

    campaign: Campaign
    county: Region
    figures: list[FigureLine]
    problems: dict[str, int]  # confirmed, rejected, open, and by source
    reports: list[DepartmentReport]
    findings: list[UnannouncedFinding]
    decision: CountyDecision | None
    judgements: list[Judgement]
    approval: CountyApproval | None
    steps: list[ApprovalStep] = field(default_factory=list)
    # 干部群众满意度 per category (county exit assessments and central spot checks only).
    cadres: list[CadreShare] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return {f.figure for f in self.figures} == set(AssessedFigure.values)

    @property
    def vetoes_failed(self) -> list[FigureLine]:
        return [f for f in self.figures if not f.in_principle and f.verdict == Verdict.FAIL]

    @property
    def vetoes_clearly_failed(self) -> list[FigureLine]:
        return [f for f in self.vetoes_failed if not f.straddles]

    @property
    def recognition_short(self) -> bool:
        return any(f.in_principle and f.verdict == Verdict.FAIL for f in self.figures)

    @property
    def by_figures(self) -> str:
        """The three vetoes' result (recognition is weighed, not counted here)."""
        return Verdict.FAIL if self.vetoes_failed else Verdict.PASS

    @property
    def by_figures_label(self) -> str:
        return str(Verdict(self.by_figures).label)

    @property
    def current(self) -> Judgement | None:
        return self.judgements[0] if self.judgements else None

    @property
    def may_judge(self) -> bool:
        """Whether a new version may be recorded now (not while submitted or once approved)."""
        return self.approval is None or self.approval.status in (AS.JUDGED, AS.SENT_BACK)

    def summary(self) -> dict[str, Any]:
        """What the judgement saw, kept with it (Judgement.sources)."""
        return {
            "figures": {
                f.figure: {
                    "estimate": f.estimate,
                    "ci": [f.ci_low, f.ci_high],
                    "threshold": f.threshold,
                    "verdict": f.verdict,
                    "straddles": f.straddles,
                }
                for f in self.figures
            },
            "problems": self.problems,
            "department_reports": [r.pk for r in self.reports],
            "unannounced_findings": [f.pk for f in self.findings],
            "decision": self.decision.outcome if self.decision else None,
            "cadre_survey": {c.category: [c.satisfied, c.responses] for c in self.cadres},
        }


def _figures(campaign: Campaign, county: Region) -> list[FigureLine]:
    rows = {
        r.figure: r
        for r in CountyResult.objects.filter(campaign=campaign, county=county, current=True)
    }
    out = []
    for figure in FIGURES:
        r = rows.get(figure.value)
        if r is None:
            continue
        out.append(
            FigureLine(
                figure=r.figure,
                label=str(figure.label),
                estimate=r.estimate,
                ci_low=r.ci_low,
                ci_high=r.ci_high,
                threshold=r.threshold,
                at_least=r.comparison == "at_least",
                verdict=r.verdict,
                verdict_label=r.get_verdict_display(),
                straddles=r.clarity != Clarity.CLEAR,
                sparse=r.clarity == Clarity.SPARSE,
                in_principle=r.figure == IN_PRINCIPLE,
            )
        )
    return out


def _problem_counts(campaign: Campaign, county: Region) -> dict[str, int]:
    rows = Problem.objects.filter(campaign=campaign, county=county).values_list(
        "status", "department_report_id", "finding_id"
    )
    counts: Counter[str] = Counter()
    for status, report, finding in rows:
        counts["total"] += 1
        if status == ProblemStatus.CONFIRMED:
            counts["confirmed"] += 1
        elif status == ProblemStatus.REJECTED:
            counts["rejected"] += 1
        else:
            counts["open"] += 1
        if report is not None:
            counts["from_departments"] += 1
        if finding is not None:
            counts["from_unannounced"] += 1
    keys = ("total", "confirmed", "rejected", "open", "from_departments", "from_unannounced")
    return {k: counts[k] for k in keys}


def county_dossier(campaign: Campaign, county: Region) -> Dossier:
    """The county's 综合研判 page: every source, the judgements so far and where the 审定 stands."""
    approval = (
        CountyApproval.objects.filter(campaign=campaign, county=county)
        .select_related("judgement")
        .first()
    )
    return Dossier(
        campaign=campaign,
        county=county,
        figures=_figures(campaign, county),
        problems=_problem_counts(campaign, county),
        reports=list(
            DepartmentReport.objects.filter(campaign=campaign, county=county)
            .select_related("household")
            .prefetch_related("problems")
            .order_by("id")
        ),
        findings=list(
            UnannouncedFinding.objects.filter(campaign=campaign, county=county)
            .select_related("household")
            .prefetch_related("problems")
            .order_by("id")
        ),
        decision=CountyDecision.objects.filter(campaign=campaign, county=county).first(),
        judgements=list(
            Judgement.objects.filter(campaign=campaign, county=county)
            .select_related("user")
            .order_by("-version")
        ),
        approval=approval,
        steps=list(
            ApprovalStep.objects.filter(approval=approval)
            .select_related("judgement", "user")
            .order_by("at", "id")
        )
        if approval
        else [],
        cadres=county_cadre_shares(campaign, county),
    )


@dataclass(frozen=True)
class CampaignLine:
    """One county of the campaign's 综合研判 and 审定 overview (ordered by code, never by result)."""

    county: Region
    judgement: Judgement | None
    approval: CountyApproval | None
    last_step: ApprovalStep | None


def campaign_judgements(campaign: Campaign) -> list[CampaignLine]:
    """Every assessed county with its judgement in force and where its 审定 stands."""
    counties = assessed_counties(campaign)
    latest: dict[int, Judgement] = {}
    for j in Judgement.objects.filter(campaign=campaign).order_by("county_id", "-version"):
        latest.setdefault(j.county_id, j)
    approvals = {a.county_id: a for a in CountyApproval.objects.filter(campaign=campaign)}
    last: dict[int, ApprovalStep] = {}
    for s in (
        ApprovalStep.objects.filter(approval__campaign=campaign)
        .select_related("approval", "user")
        .order_by("at", "id")
    ):
        last[s.approval.county_id] = s
    return [
        CampaignLine(c, latest.get(c.pk), approvals.get(c.pk), last.get(c.pk)) for c in counties
    ]


# ---------------------------------------------------------------------------------------------
# Writes


@transaction.atomic
def judgement_record(
    *,
    campaign: Campaign,
    county: Region,
    user: User,
    outcome: str,
    reasons: str,
    now: dt.datetime | None = None,
) -> Judgement:
    """The working group records its 综合研判 of a county as a new version (pass or fail, with
    reasons); never while the county is before the leading group or once approved. Audited."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not in_working_group(user, campaign):
        raise AssessmentError("只有本任务的评估工作组成员可以作出综合研判")
    if campaign.status not in JUDGING_STATUSES:
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，计算出指标后才能综合研判"
        )
    if county.pk not in {c.pk for c in assessed_counties(campaign)}:
        raise AssessmentError(f"{county.name}不是本任务评估的县")
    if outcome not in Verdict.values:
        raise AssessmentError("“研判结果”只能是“达标”或“未达标”")
    if not reasons.strip():
        raise AssessmentError("请填写“研判理由”")
    dossier = county_dossier(campaign, county)
    if not dossier.complete:
        raise AssessmentError(f"{county.name}尚未计算出全部四项指标，不能综合研判")
    if not dossier.may_judge:
        assert dossier.approval is not None
        raise AssessmentError(
            f"{county.name}的综合研判{dossier.approval.get_status_display()}，"
            "不能修改；领导小组退回后可重新研判"
        )
    clear = dossier.vetoes_clearly_failed
    if outcome == Verdict.PASS and clear:
        names = "、".join(f.label for f in clear)
        raise AssessmentError(
            f"{names}的置信区间完全在阈值不达标一侧（一票否决），研判结果不能为“达标”"
        )
    now = now or timezone.now()
    last = Judgement.objects.filter(campaign=campaign, county=county).aggregate(v=Max("version"))
    judgement = Judgement.objects.create(
        campaign=campaign,
        county=county,
        version=(last["v"] or 0) + 1,
        outcome=outcome,
        by_figures=dossier.by_figures,
        reasons=reasons.strip(),
        recognition_short=dossier.recognition_short,
        sources=dossier.summary(),
        user=real_user(user),
        actor=actor_name(user),
        at=now,
    )
    if dossier.approval is None:
        CountyApproval.objects.create(campaign=campaign, county=county, judgement=judgement)
    else:
        approval = dossier.approval
        approval.judgement = judgement
        approval.save(update_fields=["judgement"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=judgement,
        after={
            "county": county.code,
            "version": judgement.version,
            "outcome": outcome,
            "by_figures": judgement.by_figures,
            "recognition_short": judgement.recognition_short,
        },
        reason=f"综合研判：{county.name} 第{judgement.version}版",
        now=now,
    )
    return judgement


def _resubmittable(approval: CountyApproval) -> bool:
    """A county sent back goes again only once judged again after the send-back."""
    if approval.status != AS.SENT_BACK:
        return True
    back = (
        ApprovalStep.objects.filter(approval=approval, action=AA.SEND_BACK)
        .order_by("-at", "-id")
        .first()
    )
    return back is None or approval.judgement_id != back.judgement_id


def approval_submit(
    *, campaign: Campaign, user: User, now: dt.datetime | None = None
) -> list[ApprovalStep]:
    """The working group sends the campaign's judgements to the leading group as one submission:
    every county judged and not yet before it (every county with figures must be judged first; a
    county sent back goes again once judged again). All or nothing."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not in_working_group(user, campaign):
            raise AssessmentError("只有本任务的评估工作组成员可以报送审定")
        approvals = {a.county_id: a for a in CountyApproval.objects.filter(campaign=campaign)}
        with_figures = set(
            CountyResult.objects.filter(campaign=campaign, current=True).values_list(
                "county_id", flat=True
            )
        )
        missing = [
            c.name
            for c in assessed_counties(campaign)
            if c.pk in with_figures and c.pk not in approvals
        ]
        if missing:
            raise AssessmentError(f"尚有县未作综合研判：{'、'.join(missing)}")
        waiting = [a for a in approvals.values() if a.status == AS.SENT_BACK]
        stale = [a.county.name for a in waiting if not _resubmittable(a)]
        if stale:
            raise AssessmentError(f"退回的县须重新研判后才能再报送：{'、'.join(stale)}")
        due = sorted(
            (a for a in approvals.values() if a.status in (AS.JUDGED, AS.SENT_BACK)),
            key=lambda a: a.county.code,
        )
        if not due:
            raise AssessmentError("没有待报送的综合研判")
        at = now or timezone.now()
        try:
            return transitions(
                APPROVAL_WORKFLOW,
                [
                    Request(
                        obj=a,
                        action=AA.SUBMIT,
                        user=user,
                        check=lambda locked, _m: Outcome(
                            step={"action": AA.SUBMIT, "judgement": locked.judgement},
                            after={"judgement_version": locked.judgement.version},
                        ),
                        note=f"报送审定：{a.county.name}",
                        now=at,
                    )
                    for a in due
                ],
            )
        except BatchRefused as refused:
            raise AssessmentError(str(refused.error)) from None


def approval_decide(
    *,
    campaign: Campaign,
    county: Region,
    user: User,
    action: str,
    opinion: str = "",
    now: dt.datetime | None = None,
) -> ApprovalStep:
    """A leading-group member approves (审定) a submitted county's judgement or sends it back with
    a reason; recorded (who, when, the version) and audited."""
    approval = CountyApproval.objects.filter(campaign=campaign, county=county).first()
    if approval is None:
        raise AssessmentError(f"{county.name}尚未报送审定")
    if action not in (AA.APPROVE, AA.SEND_BACK):
        raise AssessmentError(f"未知的审定操作：{action}")

    def check(locked: CountyApproval, found: Move) -> Outcome:
        if found.opinion_required and not opinion.strip():
            raise AssessmentError("退回须填写理由")
        return Outcome(
            step={"action": action, "judgement": locked.judgement},
            after={"judgement_version": locked.judgement.version},
        )

    return transition(
        APPROVAL_WORKFLOW,
        obj=approval,
        action=action,
        user=user,
        check=check,
        opinion=opinion.strip(),
        note=f"{ApprovalAction(action).label}：{county.name}"
        + (f"（{opinion.strip()}）" if opinion.strip() else ""),
        now=now,
    )


def approval_status_counts(campaign: Campaign) -> dict[str, int]:
    """How many counties stand at each step of the 审定 (labels for the pages)."""
    counts = Counter(
        CountyApproval.objects.filter(campaign=campaign).values_list("status", flat=True)
    )
    return {str(ApprovalStatus(s).label): counts.get(s, 0) for s in ApprovalStatus.values}


__all__ = [
    "APPROVAL_TRANSITIONS",
    "APPROVAL_WORKFLOW",
    "CampaignLine",
    "Dossier",
    "approval_decide",
    "approval_status_counts",
    "approval_submit",
    "campaign_judgements",
    "county_dossier",
    "in_leading_group",
    "judgement_record",
]
