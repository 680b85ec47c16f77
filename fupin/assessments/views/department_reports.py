"""部门提供情况 pages: the campaign's department staff enter a problem by form, or upload an XLSX
list through the one web upload (its kind in fupin/assessments/uploads.py: template here, dry-run
row report and confirmation on the upload pages); its working group and leading group read what
was filed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models import Campaign, DepartmentKind
from fupin.assessments.services import AssessmentError, assessed_counties
from fupin.assessments.services.department_reports import (
    department_list_template,
    department_report_file,
    department_reports_for,
    may_file,
    may_read,
)
from fupin.assessments.uploads import DEPARTMENT_LIST_KIND
from fupin.assessments.views.common import campaign_or_404
from fupin.registry.models import Person
from fupin.registry.uploads import uploads_for


def _labelled(form: forms.Form) -> None:
    """Chinese messages naming the field."""
    for f in form.fields.values():
        f.error_messages.update(
            {
                "required": f"请填写“{f.label}”",
                "invalid_choice": f"“{f.label}”的选项无效",
                "max_length": f"“{f.label}”不能超过 %(limit_value)s 个字",
            }
        )


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("问题类别"), choices=[("", "——请选择——"), *DepartmentKind.choices]
    )
    county = forms.ChoiceField(label=_("县"))
    household_key = forms.CharField(
        label=_("户编号或身份证号"),
        required=False,
        max_length=20,
        help_text=_("可空：问题涉及具体农户时填写；在本任务评估的县内查找"),
    )
    description = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    department = forms.CharField(
        label=_("提供部门"), required=False, max_length=64, help_text=_("可空：默认按问题类别")
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", "——请选择——")] + [
            (c.code, c.name) for c in assessed_counties(campaign)
        ]
        _labelled(self)


def _access(request: HttpRequest, pk: int) -> Campaign:
    campaign = campaign_or_404(request, pk)
    if not may_read(request.user, campaign):
        raise PermissionDenied("只有本任务的部门人员、评估工作组和领导小组可以查看部门提供情况")
    return campaign


def _rows(request: HttpRequest, campaign: Campaign) -> list[dict[str, Any]]:
    reports = list(department_reports_for(request.user, campaign))
    heads = {
        p.household_id: p
        for p in Person.objects.filter(
            household_id__in=[r.household_id for r in reports if r.household_id], relation="head"
        )
    }
    return [
        {"r": r, "head": heads.get(r.household_id), "problems": list(r.problems.all())}
        for r in reports
    ]


def _page(
    request: HttpRequest,
    campaign: Campaign,
    *,
    form: ReportForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    filer = may_file(request.user, campaign)
    return render(
        request,
        "assessments/department_reports.html",
        {
            "campaign": campaign,
            "rows": _rows(request, campaign),
            "may_file": filer,
            "form": (form or ReportForm(campaign=campaign)) if filer else None,
            "uploads": list(
                uploads_for(request.user).filter(
                    kind=DEPARTMENT_LIST_KIND, options__campaign=str(campaign.pk)
                )[:20]
            )
            if filer
            else [],
            "upload_url": reverse("registry:imports")
            + "?"
            + urlencode({"kind": DEPARTMENT_LIST_KIND, "campaign": campaign.pk}),
            "error": error,
        },
        status=status,
    )


@login_required
def department_reports(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _access(request, pk)
    if request.method != "POST":
        return _page(request, campaign)
    form = ReportForm(request.POST, campaign=campaign)
    if not may_file(request.user, campaign):
        return _page(request, campaign, error="只有本任务的部门人员可以填报", status=403)
    if not form.is_valid():
        return _page(request, campaign, form=form, status=400)
    d = form.cleaned_data
    try:
        filed = department_report_file(
            campaign=campaign,
            user=request.user,
            kind=d["kind"],
            county=d["county"],
            description=d["description"],
            household_key=d["household_key"],
            department=d["department"],
        )
    except AssessmentError as refused:
        return _page(request, campaign, form=form, error=str(refused), status=400)
    text = f"已登记：{filed.report.get_kind_display()}，{filed.report.county.name}"
    if filed.problem is not None:
        text += f"；该户为抽样户，已作为疑点问题 #{filed.problem.pk} 进入五核（待初核）"
    elif filed.note:
        text += f"；{filed.note}"
    messages.success(request, text)
    return redirect(reverse("assessments:department_reports", args=[pk]))


@login_required
def department_list_template_download(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _access(request, pk)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''department-list-template.xlsx"
    department_list_template(response, assessed_counties(campaign))
    return response
