"""综合研判 and 审定 pages: the campaign's overview, one page per county bringing every source
together with the working group's judgement, and the leading group's approve / send back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.assessments.models import ApprovalAction, ApprovalStatus, Campaign, Verdict
from fupin.assessments.services import AssessmentError, in_working_group
from fupin.assessments.services.judgement import (
    approval_decide,
    approval_status_counts,
    approval_submit,
    campaign_judgements,
    county_dossier,
    in_leading_group,
    judgement_record,
)
from fupin.assessments.services.other_checks import other_checks_of
from fupin.assessments.views.common import campaign_or_404, county_or_404
from fupin.regions.models import Region
from fupin.registry.models import Person


class JudgementForm(forms.Form):
    """The working group's judgement: pass or fail (never a score), with its reasons."""

    outcome = forms.ChoiceField(
        label=_("研判结果"),
        choices=[(Verdict.PASS, _("达标（通过）")), (Verdict.FAIL, _("未达标（不通过）"))],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择“研判结果”：达标或未达标"},
    )
    reasons = forms.CharField(
        label=_("研判理由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": "请填写“研判理由”（定量与定性相结合的依据）"},
    )


class DecideForm(forms.Form):
    action = forms.ChoiceField(
        label=_("审定"),
        choices=[(ApprovalAction.APPROVE, _("审定通过")), (ApprovalAction.SEND_BACK, _("退回"))],
        error_messages={
            "required": "请选择审定通过或退回",
            "invalid_choice": "请选择审定通过或退回",
        },
    )
    opinion = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


def _access(request: HttpRequest, pk: int) -> tuple[Campaign, bool, bool]:
    campaign = campaign_or_404(request, pk)
    wg = in_working_group(request.user, campaign)
    lg = in_leading_group(request.user, campaign)
    if not (wg or lg):
        raise PermissionDenied("只有本任务的评估工作组和领导小组可以查看综合研判")
    return campaign, wg, lg


@login_required
def judgements_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, wg, lg = _access(request, pk)
    lines = campaign_judgements(campaign)
    due = [
        line
        for line in lines
        if line.approval
        and line.approval.status in (ApprovalStatus.JUDGED, ApprovalStatus.SENT_BACK)
    ]
    return render(
        request,
        "assessments/judgements.html",
        {
            "campaign": campaign,
            "lines": lines,
            "counts": approval_status_counts(campaign),
            "wg": wg,
            "lg": lg,
            "may_submit": wg and bool(due),
        },
    )


@login_required
@require_POST
def approval_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign, _wg, _lg = _access(request, pk)
    try:
        steps = approval_submit(campaign=campaign, user=request.user)
    except AssessmentError as refused:
        messages.error(request, f"未能报送：{refused}")
        return redirect(reverse("assessments:judgements", args=[pk]))
    messages.success(request, f"已将 {len(steps)} 个县的综合研判报送领导小组审定")
    return redirect(reverse("assessments:judgements", args=[pk]))


def _county_page(
    request: HttpRequest,
    campaign: Campaign,
    county: Region,
    wg: bool,
    lg: bool,
    *,
    form: JudgementForm | None = None,
    decide_form: DecideForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    dossier = county_dossier(campaign, county)
    households = [r.household_id for r in dossier.reports + dossier.findings if r.household_id]
    heads = {
        p.household_id: p
        for p in Person.objects.filter(household_id__in=households, relation="head")
    }
    submitted = dossier.approval is not None and dossier.approval.status == ApprovalStatus.SUBMITTED
    context: dict[str, Any] = {
        "campaign": campaign,
        "county": county,
        "d": dossier,
        "heads": heads,
        "reports": [(r, heads.get(r.household_id)) for r in dossier.reports],
        "findings": [(f, heads.get(f.household_id)) for f in dossier.findings],
        "form": (form or JudgementForm())
        if wg and dossier.may_judge and dossier.complete
        else None,
        "decide_form": (decide_form or DecideForm()) if lg and submitted else None,
        "wg": wg,
        "lg": lg,
        "error": error,
        "checks": other_checks_of(campaign, county),
    }
    return render(request, "assessments/judgement_county.html", context, status=status)


@login_required
def county_judgement(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign, wg, lg = _access(request, pk)
    county = county_or_404(request.user, campaign, code)
    if request.method != "POST":
        return _county_page(request, campaign, county, wg, lg)
    form = JudgementForm(request.POST)
    if not wg:
        return _county_page(
            request, campaign, county, wg, lg, error="只有评估工作组可以作出综合研判", status=403
        )
    if not form.is_valid():
        return _county_page(request, campaign, county, wg, lg, form=form, status=400)
    try:
        j = judgement_record(
            campaign=campaign,
            county=county,
            user=request.user,
            outcome=form.cleaned_data["outcome"],
            reasons=form.cleaned_data["reasons"],
        )
    except AssessmentError as refused:
        return _county_page(
            request, campaign, county, wg, lg, form=form, error=str(refused), status=409
        )
    messages.success(
        request, f"已记录{county.name}的综合研判（第{j.version}版）：{j.get_outcome_display()}"
    )
    return redirect(reverse("assessments:judgement", args=[pk, county.code]))


@login_required
@require_POST
def approval_decide_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign, wg, lg = _access(request, pk)
    county = county_or_404(request.user, campaign, code)
    form = DecideForm(request.POST)
    if not lg:
        return _county_page(
            request, campaign, county, wg, lg, error="只有领导小组成员可以审定", status=403
        )
    if not form.is_valid():
        return _county_page(request, campaign, county, wg, lg, decide_form=form, status=400)
    try:
        step = approval_decide(
            campaign=campaign,
            county=county,
            user=request.user,
            action=form.cleaned_data["action"],
            opinion=form.cleaned_data["opinion"],
        )
    except AssessmentError as refused:
        return _county_page(
            request, campaign, county, wg, lg, decide_form=form, error=str(refused), status=409
        )
    messages.success(request, f"{county.name}：{step.get_action_display()}")
    return redirect(reverse("assessments:judgement", args=[pk, county.code]))
