"""暗访 pages: the working group draws (and redraws, with a reason) the unannounced-visit counties;
the campaign's department staff enter what they found; the working group and leading group read
all findings, department staff their own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.assessments.models import Campaign, Draw, DrawLevel
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.unannounced import (
    MAX_PER_PROVINCE,
    may_draw,
    may_enter,
    may_see,
    unannounced_counties,
    unannounced_counties_draw,
    unannounced_draw_current,
    unannounced_finding_enter,
    unannounced_findings_for,
)
from fupin.assessments.views.common import campaign_or_404
from fupin.assessments.views.department_reports import _labelled
from fupin.registry.models import Person

FORBIDDEN = "只有本任务的评估工作组、领导小组和部门人员可以查看暗访"


class DrawForm(forms.Form):
    per_province = forms.TypedChoiceField(
        label=_("每省暗访县数"),
        coerce=int,
        choices=[(n, f"{n} 个") for n in range(1, MAX_PER_PROVINCE + 1)],
        initial=1,
    )
    seed = forms.CharField(
        label=_("随机种子"),
        required=False,
        max_length=40,
        help_text=_("可空：不填则自动生成并记录，可据此复核抽样"),
    )
    reason = forms.CharField(
        label=_("重抽原因"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("已有暗访抽样时必填；原抽样记录保留"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _labelled(self)


class FindingForm(forms.Form):
    county = forms.ChoiceField(label=_("暗访县"))
    visited_on = forms.DateField(
        label=_("暗访日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    household_key = forms.CharField(
        label=_("户编号或身份证号"),
        required=False,
        max_length=20,
        help_text=_("可空：发现涉及具体农户时填写；抽样户的问题作为疑点问题进入五核"),
    )
    finding = forms.CharField(
        label=_("发现问题"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", "——请选择——")] + [
            (c.code, c.name) for c in unannounced_counties(campaign)
        ]
        _labelled(self)
        self.fields["visited_on"].error_messages["invalid"] = "“暗访日期”须为日期，如 2020-06-01"


def _access(request: HttpRequest, pk: int) -> Campaign:
    campaign = campaign_or_404(request, pk)
    if not may_see(request.user, campaign):
        raise PermissionDenied(FORBIDDEN)
    return campaign


def _page(
    request: HttpRequest,
    campaign: Campaign,
    *,
    draw_form: DrawForm | None = None,
    form: FindingForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    current = unannounced_draw_current(campaign)
    findings = list(unannounced_findings_for(user, campaign))
    heads = {
        p.household_id: p
        for p in Person.objects.filter(
            household_id__in=[f.household_id for f in findings if f.household_id],
            relation="head",
        )
    }
    names = {c.code: c.name for c in unannounced_counties(campaign)}
    enter = may_enter(user, campaign) and bool(names)
    return render(
        request,
        "assessments/unannounced.html",
        {
            "campaign": campaign,
            "current": current,
            "items": [
                {"item": i, "name": names.get(i.unit_key, i.unit_key)}
                for i in (current.items.order_by("order") if current else [])
            ],
            "history": list(
                Draw.objects.filter(campaign=campaign, level=DrawLevel.UNANNOUNCED)
                .annotate(size=Count("items"))
                .order_by("created_at", "id")
            ),
            "draw_form": (draw_form or DrawForm()) if may_draw(user, campaign) else None,
            "form": (form or FindingForm(campaign=campaign)) if enter else None,
            "rows": [
                {"f": f, "head": heads.get(f.household_id), "problems": list(f.problems.all())}
                for f in findings
            ],
            "error": error,
        },
        status=status,
    )


@login_required
def unannounced_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The draw in force and its history; the findings form (department staff); the findings."""
    campaign = _access(request, pk)
    if request.method != "POST":
        return _page(request, campaign)
    if not may_enter(request.user, campaign):
        return _page(request, campaign, error="只有本任务的部门人员可以录入暗访发现", status=403)
    form = FindingForm(request.POST, campaign=campaign)
    if not form.is_valid():
        return _page(request, campaign, form=form, status=400)
    d = form.cleaned_data
    try:
        entered = unannounced_finding_enter(
            campaign=campaign,
            user=request.user,
            county=d["county"],
            finding=d["finding"],
            visited_on=d["visited_on"],
            household_key=d["household_key"],
        )
    except AssessmentError as refused:
        return _page(request, campaign, form=form, error=str(refused), status=400)
    text = f"已登记{entered.finding.county.name}的暗访发现"
    if entered.problem is not None:
        text += f"；该户为抽样户，已作为疑点问题 #{entered.problem.pk} 进入五核（待初核）"
    elif entered.note:
        text += f"；{entered.note}"
    messages.success(request, text)
    return redirect(reverse("assessments:unannounced", args=[pk]))


@login_required
@require_POST
def unannounced_draw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The working group draws the counties; a redraw needs a reason and supersedes the old draw."""
    campaign = _access(request, pk)
    if not may_draw(request.user, campaign):
        return _page(
            request, campaign, error="只有本任务的评估工作组成员可以抽取暗访县", status=403
        )
    form = DrawForm(request.POST)
    if not form.is_valid():
        return _page(request, campaign, draw_form=form, status=400)
    d = form.cleaned_data
    try:
        draw = unannounced_counties_draw(
            campaign=campaign,
            user=request.user,
            per_province=d["per_province"],
            seed=d["seed"],
            reason=d["reason"],
        )
    except AssessmentError as refused:
        return _page(request, campaign, draw_form=form, error=str(refused), status=400)
    messages.success(
        request,
        f"已抽取暗访县 {draw.items.count()} 个（随机种子 {draw.seed}，"
        f"{timezone.localtime(draw.created_at):%Y-%m-%d %H:%M} 记录）",
    )
    return redirect(reverse("assessments:unannounced", args=[pk]))
