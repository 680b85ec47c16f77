"""One county's results (the four figures with their intervals, the decision, the confirmed
problems); the working group's 计算结果 and 县级结果; the report as DOCX, HTML and XLSX lists."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.assessments.models import AssessedFigure, Campaign, CountyDecision, CountyResult
from fupin.assessments.report import (
    FIGURE_ORDER,
    ReportError,
    chart_data,
    county_rows,
    problems_workbook,
    report_html,
    samples_workbook,
)
from fupin.assessments.report_docx import report_docx
from fupin.assessments.services import (
    AssessmentError,
    ResultsRefused,
    campaign_results_compute,
    county_decision_record,
    in_working_group,
    problems_confirmed,
    results_compute,
)
from fupin.assessments.views.common import campaign_or_404, county_or_404, problems_for
from fupin.assessments.views.review import household_head
from fupin.assessments.workflows import CampaignStatus
from fupin.regions.models import Region

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DecisionForm(forms.Form):
    """The working group's county result: pass or fail (never a score), with its reasons."""

    outcome = forms.ChoiceField(
        label=_("县级结果"),
        choices=[("pass", _("通过（达标）")), ("fail", _("不通过（未达标）"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择县级结果：通过或不通过")},
    )
    note = forms.CharField(
        label=_("理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("请填写理由（综合研判的依据）")},
    )


def _history(campaign: Campaign, county: Region) -> list[dict[str, Any]]:
    """Every computation of the county's figures, the rows in force first, then earlier ones."""
    rows = CountyResult.objects.filter(campaign=campaign, county=county).order_by(
        "-current", "-computed_at", "-id"
    )
    out: dict[tuple[bool, str], dict[str, Any]] = {}
    for r in rows:
        key = (r.current, r.computed_at.isoformat())
        entry = out.setdefault(
            key, {"current": r.current, "computed_at": r.computed_at, "figures": {}}
        )
        entry["figures"][r.figure] = r
    return [
        e | {"ordered": [e["figures"][f] for f in FIGURE_ORDER if f in e["figures"]]}
        for e in out.values()
    ]


def _county_page(
    request: HttpRequest,
    campaign: Campaign,
    county: Region,
    *,
    form: DecisionForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    row = next((r for r in county_rows(campaign) if r["county"].pk == county.pk), None)
    rows = [row] if row else []
    confirmed = (
        problems_for(request.user, campaign)
        .filter(pk__in=problems_confirmed(campaign, county).values("pk"))
        .select_related("household__village", "feedback_item__rectification")
        .prefetch_related("household__members")
        .order_by("id")
    )
    problems = []
    for p in confirmed:
        head = household_head(p)
        item = getattr(p, "feedback_item", None)
        problems.append(
            {
                "problem": p,
                "head_name": head.name if head else "",
                "head_id": head.masked_id if head else "",
                "rectification": getattr(item, "rectification", None) if item else None,
            }
        )
    wg = in_working_group(request.user, campaign)
    verifying = campaign.status == CampaignStatus.VERIFICATION
    complete = bool(row) and len(row["figures"]) == len(AssessedFigure.values)
    return render(
        request,
        "assessments/county_results.html",
        {
            "campaign": campaign,
            "county": county,
            "row": row,
            "decision": CountyDecision.objects.filter(campaign=campaign, county=county).first(),
            "problems": problems,
            "charts_json": json.dumps(chart_data(rows), ensure_ascii=False),
            "chart_names": [f for f in FIGURE_ORDER if row and f in row["figures"]],
            "can_compute": wg and verifying,
            "decision_form": (form or DecisionForm()) if wg and verifying and complete else None,
            "history": _history(campaign, county) if wg else [],
            "error": error,
        },
        status=status,
    )


@login_required
def county_results(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign = campaign_or_404(request, pk)
    return _county_page(request, campaign, county_or_404(request.user, campaign, code))


def _refusal(request: HttpRequest, campaign: Campaign) -> int:
    """403 for anyone outside the campaign's working group, 409 when the state refuses."""
    return 409 if in_working_group(request.user, campaign) else 403


@login_required
@require_POST
def results_compute_view(request: HttpRequest, pk: int) -> HttpResponse:
    """计算结果: the working group computes every county's figures (or one county's, `county`)."""
    campaign = campaign_or_404(request, pk)
    code = request.POST.get("county", "")
    county = county_or_404(request.user, campaign, code) if code else None
    try:
        if county is not None:
            computed = [results_compute(campaign, county, user=request.user)]
        else:
            computed = campaign_results_compute(campaign, user=request.user)
    except ResultsRefused as refused:
        return render(
            request,
            "assessments/results_refused.html",
            {"campaign": campaign, "gaps": refused.gaps, "county": county},
            status=409,
        )
    except AssessmentError as refused:
        return render(
            request,
            "assessments/results_refused.html",
            {"campaign": campaign, "error": str(refused), "county": county},
            status=_refusal(request, campaign),
        )
    messages.success(
        request,
        _t("已由抽样记录、问卷和终核认定的问题计算 %(n)s 个县的三率一度：%(names)s")
        % {"n": len(computed), "names": "、".join(c.county.name for c in computed)},
    )
    if county is not None:
        return redirect("assessments:county", pk=campaign.pk, code=county.code)
    return redirect(f"/assessments/{campaign.pk}/#results")


@login_required
@require_POST
def county_decide(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """县级结果: the working group records the county's result with its reasons."""
    campaign = campaign_or_404(request, pk)
    county = county_or_404(request.user, campaign, code)
    form = DecisionForm(request.POST)
    if not in_working_group(request.user, campaign):
        return _county_page(
            request,
            campaign,
            county,
            error=_t("只有本任务的评估工作组成员可以作出县级结果"),
            status=403,
        )
    if not form.is_valid():
        return _county_page(request, campaign, county, form=form, status=400)
    try:
        decision = county_decision_record(
            campaign=campaign,
            county=county,
            user=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except AssessmentError as refused:
        return _county_page(request, campaign, county, form=form, error=str(refused), status=409)
    messages.success(
        request,
        _t("已记录%(county)s的县级结果：%(outcome)s")
        % {"county": county.name, "outcome": decision.get_outcome_display()},
    )
    return redirect("assessments:county", pk=campaign.pk, code=county.code)


def _report_campaign(request: HttpRequest, pk: int) -> Campaign | HttpResponse:
    campaign = campaign_or_404(request, pk)
    if not in_working_group(request.user, campaign):
        return render(
            request,
            "assessments/results_refused.html",
            {"campaign": campaign, "error": _t("评估报告和名单只提供给本任务的评估工作组")},
            status=403,
        )
    return campaign


def _download(content: bytes | None, kind: str, filename: str) -> HttpResponse:
    response = HttpResponse(content or b"", content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def report_docx_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _report_campaign(request, pk)
    if isinstance(campaign, HttpResponse):
        return campaign
    return _download(report_docx(campaign), DOCX, f"report-{campaign.pk}.docx")


@login_required
def report_html_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _report_campaign(request, pk)
    if isinstance(campaign, HttpResponse):
        return campaign
    try:
        html = report_html(campaign)
    except ReportError as e:
        return render(
            request,
            "assessments/results_refused.html",
            {"campaign": campaign, "error": str(e)},
            status=503,
        )
    return HttpResponse(html, content_type="text/html; charset=utf-8")


@login_required
def samples_xlsx_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _report_campaign(request, pk)
    if isinstance(campaign, HttpResponse):
        return campaign
    response = _download(None, XLSX, f"samples-{campaign.pk}.xlsx")
    samples_workbook(campaign, response)
    return response


@login_required
def problems_xlsx_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _report_campaign(request, pk)
    if isinstance(campaign, HttpResponse):
        return campaign
    response = _download(None, XLSX, f"problems-{campaign.pk}.xlsx")
    problems_workbook(campaign, response)
    return response
