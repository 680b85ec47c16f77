"""Feedback and rectification (反馈整改): the fed-back problems per county and their rectification.

County officers submit what was rectified, with proof files (photos, PDF, DOCX, XLSX), the working
group accepts or sends it back; every move goes through `rectification_transition` (lists,
rectification orders and proof files through their services). The proof files are listed and
served to whoever may see the rectification, each download audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST, require_safe

from fupin.accounts.models import Role
from fupin.accounts.roles import has_role, roles_held
from fupin.assessments.models import Campaign, Evidence, FeedbackItem, Rectification
from fupin.assessments.services import (
    AssessmentError,
    feedback_list_build,
    rectification_open,
    rectification_transition,
)
from fupin.assessments.services.evidence_access import evidence_open
from fupin.assessments.services.followup import (
    PROOF_MAX_BYTES,
    PROOF_OPEN,
    PROOF_TYPES,
    rectification_proof_attach,
)
from fupin.assessments.views.common import (
    campaign_or_404,
    problems_for,
    refusal_status,
    visible_counties,
)
from fupin.assessments.views.evidence import evidence_response
from fupin.assessments.workflows import (
    RECTIFICATION_TRANSITIONS,
    CampaignStatus,
    RectificationAction,
    RectificationStatus,
)
from fupin.regions.models import Level, Region

WORKING_GROUP = Role.WORKING_GROUP.value
LIST_STATUSES = (CampaignStatus.DECIDED, CampaignStatus.FEEDBACK)


def _items(request: HttpRequest, campaign: Campaign) -> list[FeedbackItem]:
    return list(
        FeedbackItem.objects.filter(
            feedback_list__campaign=campaign, problem__in=problems_for(request.user, campaign)
        )
        .select_related(
            "problem__county", "problem__household", "rectification", "feedback_list__province"
        )
        .prefetch_related("rectification__proof_files")
        .order_by("problem__county__code", "id")
    )


def _rectification(request: HttpRequest, campaign: Campaign, rect_pk: int) -> Rectification:
    """A rectification of the campaign the user may see (the feedback page's scoping), or 404."""
    return get_object_or_404(
        Rectification.objects.filter(
            item__feedback_list__campaign=campaign,
            item__problem__in=problems_for(request.user, campaign),
        ).select_related("item__problem__county", "item__problem__household"),
        pk=rect_pk,
    )


def _actions(rect: Rectification, held: set[str]) -> list[dict[str, Any]]:
    return [
        {
            "action": action,
            "label": RectificationAction(action).label,
            "proof": action == RectificationAction.SUBMIT,
            "opinion_required": action == RectificationAction.REOPEN,
        }
        for (frm, action), move in RECTIFICATION_TRANSITIONS.items()
        if frm == rect.status and move.role in held
    ]


def _page(
    request: HttpRequest,
    campaign: Campaign,
    *,
    error: str = "",
    failed: int | None = None,
    status: int = 200,
) -> HttpResponse:
    held = roles_held(request.user)
    by_county: dict[Region, list[dict[str, Any]]] = defaultdict(list)
    for item in _items(request, campaign):
        rect = getattr(item, "rectification", None)
        by_county[item.problem.county].append(
            {
                "item": item,
                "problem": item.problem,
                "rect": rect,
                "steps": list(rect.steps.select_related("user").order_by("at", "id"))
                if rect
                else [],
                "actions": _actions(rect, held) if rect else [],
                "files": sorted(rect.proof_files.all(), key=lambda e: (e.received_at, e.pk))
                if rect
                else [],
                "can_attach": rect is not None
                and rect.status in PROOF_OPEN
                and Role.COUNTY_OFFICER.value in held,
                "error": error if rect is not None and rect.pk == failed else "",
            }
        )
    counties = visible_counties(request.user, campaign)
    wg = has_role(request.user, WORKING_GROUP)
    provinces = sorted({c.code[:2] for c in counties})
    return render(
        request,
        "assessments/feedback.html",
        {
            "campaign": campaign,
            "groups": [(c, by_county[c]) for c in counties if c in by_county],
            "can_build": wg and campaign.status in LIST_STATUSES,
            "can_open": wg,
            "provinces": Region.objects.filter(
                level=Level.PROVINCE, code__in=[p + "0000000000" for p in provinces]
            ),
            "statuses": RectificationStatus,
            "today": dt.date.today(),
            "error": error,
            "proof_accept": ",".join(PROOF_TYPES),
            "proof_max_mb": PROOF_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@login_required
def feedback_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, campaign_or_404(request, pk))


@login_required
@require_POST
def feedback_build(request: HttpRequest, pk: int) -> HttpResponse:
    """The working group makes (or completes) a province's list of confirmed problems."""
    campaign = campaign_or_404(request, pk)
    province = get_object_or_404(
        Region, code=request.POST.get("province", ""), level=Level.PROVINCE
    )
    try:
        fl = feedback_list_build(campaign=campaign, province=province, user=request.user)
    except AssessmentError as refused:
        return _page(
            request,
            campaign,
            error=str(refused),
            status=refusal_status(request.user, WORKING_GROUP),
        )
    messages.success(
        request,
        _t("%(province)s问题反馈清单共 %(n)s 项")
        % {"province": province.name, "n": fl.items.count()},
    )
    return redirect("assessments:feedback", pk=campaign.pk)


@login_required
@require_POST
def rectification_order(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The working group orders the rectification of one fed-back problem (owner and deadline)."""
    campaign = campaign_or_404(request, pk)
    item = get_object_or_404(
        FeedbackItem.objects.filter(
            feedback_list__campaign=campaign, problem__in=problems_for(request.user, campaign)
        ),
        pk=item_pk,
    )
    try:
        deadline = dt.date.fromisoformat(request.POST.get("deadline", ""))
    except ValueError:
        return _page(request, campaign, error=_t("请填写整改时限（日期）"), status=400)
    try:
        rectification_open(
            item=item, owner=request.POST.get("owner", ""), deadline=deadline, user=request.user
        )
    except AssessmentError as refused:
        return _page(
            request,
            campaign,
            error=str(refused),
            status=refusal_status(request.user, WORKING_GROUP),
        )
    messages.success(request, _t("已下达整改"))
    return redirect("assessments:feedback", pk=campaign.pk)


@login_required
@require_POST
def rectification_act(request: HttpRequest, pk: int, rect_pk: int) -> HttpResponse:
    """Submit, accept or reopen a rectification through `rectification_transition`."""
    campaign = campaign_or_404(request, pk)
    rect = _rectification(request, campaign, rect_pk)
    action = request.POST.get("action", "")
    move = RECTIFICATION_TRANSITIONS.get((rect.status, action))
    submit = action == RectificationAction.SUBMIT
    proof = request.POST.get("proof_text") if submit else None
    try:
        rectification_transition(
            rectification=rect,
            action=action,
            user=request.user,
            opinion=request.POST.get("opinion", ""),
            proof_text=proof,
            files=request.FILES.getlist("files") if submit else (),
        )
    except AssessmentError as refused:
        return _page(
            request,
            campaign,
            error=str(refused),
            failed=rect.pk,
            status=refusal_status(request.user, move.role if move else None),
        )
    rect.refresh_from_db()
    messages.success(
        request,
        _t("整改事项已“%(action)s”，现为“%(status)s”")
        % {"action": RectificationAction(action).label, "status": rect.get_status_display()},
    )
    return redirect("assessments:feedback", pk=campaign.pk)


def _attach_refusal_status(request: HttpRequest, rect: Rectification) -> int:
    """403 without the county officer's role, 409 when the rectification takes no more proof,
    400 for a file refused (its type, size or content)."""
    if not has_role(request.user, Role.COUNTY_OFFICER):
        return 403
    return 409 if rect.status not in PROOF_OPEN else 400


@login_required
@require_POST
def rectification_files(request: HttpRequest, pk: int, rect_pk: int) -> HttpResponse:
    """The county officer uploads proof files to a rectification without submitting it yet."""
    campaign = campaign_or_404(request, pk)
    rect = _rectification(request, campaign, rect_pk)
    try:
        stored = rectification_proof_attach(
            rectification=rect, user=request.user, files=request.FILES.getlist("files")
        )
    except AssessmentError as refused:
        return _page(
            request,
            campaign,
            error=str(refused),
            failed=rect.pk,
            status=_attach_refusal_status(request, rect),
        )
    messages.success(
        request, _t("已上传证明材料 %(n)s 个（尚未提交整改情况）") % {"n": len(stored)}
    )
    return redirect("assessments:feedback", pk=campaign.pk)


@login_required
@require_safe
def rectification_file(
    request: HttpRequest, pk: int, rect_pk: int, evidence_pk: int
) -> FileResponse:
    """One proof file, to whoever may see the rectification; the download is audited."""
    campaign = campaign_or_404(request, pk)
    rect = _rectification(request, campaign, rect_pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, rectification=rect)
    try:
        handle = evidence_open(evidence=evidence, problem=rect.item.problem, user=request.user)
    except FileNotFoundError:
        raise Http404 from None
    return evidence_response(evidence, handle)
