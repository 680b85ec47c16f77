"""部门提供情况 pages: the campaign's department staff enter a problem by form or upload an XLSX list
(template, dry-run row report, confirm); its working group and leading group read them."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.assessments.models import Campaign, DepartmentKind
from fupin.assessments.services import AssessmentError, assessed_counties
from fupin.assessments.services.department_reports import (
    MAX_LIST_BYTES,
    department_list_import,
    department_list_template,
    department_report_file,
    department_reports_for,
    may_file,
    may_read,
)
from fupin.assessments.views.common import campaign_or_404
from fupin.registry.models import Person

SESSION_KEY = "department_list_upload"
UPLOADS = "department-lists"


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


class ListForm(forms.Form):
    file = forms.FileField(label=_("清单文件（.xlsx）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _labelled(self)
        self.fields["file"].error_messages["required"] = "请选择要上传的清单文件"


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
    list_form: ListForm | None = None,
    report: Any = None,
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
            "list_form": (list_form or ListForm()) if filer else None,
            "report": report,
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


def _upload_dir() -> Path:
    return Path(settings.DATA_DIR) / UPLOADS


@login_required
@require_POST
def department_list_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Check an uploaded list (dry run): the row report, and 确认导入 when every row is good."""
    campaign = _access(request, pk)
    form = ListForm(request.POST, request.FILES)
    if not may_file(request.user, campaign):
        return _page(request, campaign, error="只有本任务的部门人员可以上传清单", status=403)
    if not form.is_valid():
        return _page(request, campaign, list_form=form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_LIST_BYTES:
        return _page(
            request,
            campaign,
            list_form=form,
            error=f"清单文件超过 {MAX_LIST_BYTES // (1024 * 1024)} MB",
            status=400,
        )
    data = upload.read()
    report = department_list_import(
        data, campaign=campaign, user=request.user, dry_run=True, filename=upload.name
    )
    if report.ok:
        token = secrets.token_urlsafe(16)
        _upload_dir().mkdir(parents=True, exist_ok=True)
        (_upload_dir() / f"{token}.xlsx").write_bytes(data)
        request.session[SESSION_KEY] = {
            "token": token,
            "campaign": campaign.pk,
            "sha256": hashlib.sha256(data).hexdigest(),
            "filename": upload.name,
        }
    return _page(request, campaign, report=report, status=200 if report.ok else 400)


@login_required
@require_POST
def department_list_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """File the checked list: the very file checked (kept since the dry run), all rows or none."""
    campaign = _access(request, pk)
    held = request.session.get(SESSION_KEY) or {}
    path = _upload_dir() / f"{held.get('token', '')}.xlsx"
    if held.get("campaign") != campaign.pk or not held.get("token") or not path.exists():
        return _page(request, campaign, error="没有待确认的清单，请重新上传", status=409)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != held.get("sha256"):
        return _page(request, campaign, error="清单文件已变化，请重新上传", status=409)
    try:
        report = department_list_import(
            data, campaign=campaign, user=request.user, dry_run=False, filename=held["filename"]
        )
    except AssessmentError as refused:
        return _page(request, campaign, error=str(refused), status=403)
    if not report.filed:
        return _page(request, campaign, report=report, status=400)
    path.unlink(missing_ok=True)
    request.session.pop(SESSION_KEY, None)
    messages.success(
        request,
        f"已导入 {len(report.filed)} 条部门提供情况；其中 {report.raised} 条为抽样户，已进入五核",
    )
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
