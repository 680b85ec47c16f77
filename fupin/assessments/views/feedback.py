"""Feedback and rectification (反馈整改): the fed-back problems per county and their rectification.

County officers submit what was rectified, the working group accepts or sends it back; every move
goes through `rectification_transition` (lists and rectification orders through their services).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from fupin.accounts.models import Role
from fupin.accounts.roles import has_role, roles_held
from fupin.assessments.models import Campaign, FeedbackItem, Rectification
from fupin.assessments.services import (
    AssessmentError,
    feedback_list_build,
    rectification_open,
    rectification_transition,
)
from fupin.assessments.views.common import (
    campaign_or_404,
    problems_for,
    refusal_status,
    visible_counties,
)
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
        .order_by("problem__county__code", "id")
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
    rect = get_object_or_404(
        Rectification.objects.filter(
            item__feedback_list__campaign=campaign,
            item__problem__in=problems_for(request.user, campaign),
        ),
        pk=rect_pk,
    )
    action = request.POST.get("action", "")
    move = RECTIFICATION_TRANSITIONS.get((rect.status, action))
    proof = request.POST.get("proof_text") if action == RectificationAction.SUBMIT else None
    try:
        rectification_transition(
            rectification=rect,
            action=action,
            user=request.user,
            opinion=request.POST.get("opinion", ""),
            proof_text=proof,
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
