"""The cadres' and deputies' satisfaction survey of a county (干部群众满意度) on a page: the county's
responses with the share satisfied per category, the entry form for the county's enumerators and
lead expert, and the withdrawal of a mistaken response (asked for confirmation, with a reason)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models import CadreAnswer, CadreCategory, CadreResponse, Campaign
from fupin.assessments.services import AssessmentError, assessed_counties
from fupin.assessments.services.cadre_survey import (
    ENTER_FORBIDDEN,
    NOT_THIS_KIND,
    READ_FORBIDDEN,
    cadre_response_record,
    cadre_response_withdraw,
    cadre_responses_of,
    cadre_shares,
    may_enter,
    may_read,
    survey_applies,
)
from fupin.assessments.views.common import campaign_or_404
from fupin.regions.models import Region


def _chinese_errors(form: forms.Form) -> None:
    for f in form.fields.values():
        f.error_messages.update(
            {
                "required": f"请填写“{f.label}”",
                "invalid_choice": f"请选择“{f.label}”",
                "max_length": f"“{f.label}”不能超过 %(limit_value)s 个字",
            }
        )


class CadreResponseForm(forms.Form):
    category = forms.ChoiceField(
        label=_("受访者类别"), choices=CadreCategory.choices, widget=forms.RadioSelect
    )
    answer = forms.ChoiceField(
        label=_("满意程度"), choices=CadreAnswer.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("不满意的原因"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("选择“不满意”时必填"),
    )
    note = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _chinese_errors(self)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _chinese_errors(self)


def county_of(campaign: Campaign, code: str) -> Region | None:
    """A county the campaign assesses, by its 6- or 12-digit code."""
    if len(code) == 6 and code.isdigit():
        code += "000000"
    return next((c for c in assessed_counties(campaign) if c.code == code), None)


def _access(request: HttpRequest, pk: int, code: str) -> tuple[Campaign, Region]:
    campaign = campaign_or_404(request, pk)
    county = county_of(campaign, code)
    if county is None:
        raise Http404
    if not survey_applies(campaign):
        raise PermissionDenied(NOT_THIS_KIND)
    if not may_read(request.user, campaign, county):
        raise PermissionDenied(READ_FORBIDDEN)
    return campaign, county


def _page(
    request: HttpRequest,
    campaign: Campaign,
    county: Region,
    *,
    form: CadreResponseForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    enter = may_enter(request.user, campaign, county)
    return render(
        request,
        "assessments/cadre_survey.html",
        {
            "campaign": campaign,
            "county": county,
            "shares": cadre_shares(campaign, county),
            "responses": cadre_responses_of(campaign, county),
            "may_enter": enter,
            "form": (form or CadreResponseForm()) if enter else None,
            "error": error,
        },
        status=status,
    )


@login_required
def cadre_survey(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign, county = _access(request, pk, code)
    if request.method != "POST":
        return _page(request, campaign, county)
    form = CadreResponseForm(request.POST)
    if not may_enter(request.user, campaign, county):
        return _page(request, campaign, county, error=ENTER_FORBIDDEN, status=403)
    if not form.is_valid():
        return _page(request, campaign, county, form=form, status=400)
    try:
        response = cadre_response_record(
            campaign=campaign, county=county, user=request.user, **form.cleaned_data
        )
    except AssessmentError as refused:
        return _page(request, campaign, county, form=form, error=str(refused), status=400)
    messages.success(
        request,
        f"已录入{county.name}一份{response.get_category_display()}答卷："
        f"{response.get_answer_display()}",
    )
    return redirect(reverse("assessments:cadre_survey", args=[pk, county.code]))


@login_required
def cadre_response_withdraw_view(
    request: HttpRequest, pk: int, code: str, response_pk: int
) -> HttpResponse:
    """GET asks for confirmation and the reason; POST withdraws."""
    campaign, county = _access(request, pk, code)
    response = get_object_or_404(CadreResponse, pk=response_pk, campaign=campaign, county=county)
    if not may_enter(request.user, campaign, county):
        raise PermissionDenied(ENTER_FORBIDDEN)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            cadre_response_withdraw(
                response=response, user=request.user, reason=form.cleaned_data["reason"]
            )
        except AssessmentError as refused:
            error = str(refused)
        else:
            messages.success(request, "已撤回该答卷（原记录保留）")
            return redirect(reverse("assessments:cadre_survey", args=[pk, county.code]))
    return render(
        request,
        "assessments/cadre_survey_withdraw.html",
        {"campaign": campaign, "county": county, "r": response, "form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )
