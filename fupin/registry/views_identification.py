"""Identification pages: the cases the user may see, opening one (on an existing household or a
new one), a case with its steps and the forms of the steps the user may take. Thin: writes
through `fupin.registry.identification`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fupin.paging import page_of
from fupin.regions.models import Level
from fupin.registry.editing import household_create
from fupin.registry.forms import IdentificationOpenForm, IdentificationStepForm
from fupin.registry.identification import (
    allowed_moves,
    identification_cases_for,
    identification_open,
    identification_transition,
)
from fupin.registry.models import Household, IdentificationCase
from fupin.registry.selectors import households_for, regions_for
from fupin.registry.services import RegistryDenied, RegistryError
from fupin.registry.workflows import APPRAISAL, NOTICE, NOTICE_DAYS, IdentificationStatus


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    qs = identification_cases_for(request.user).select_related("household__village")
    status = request.GET.get("status", "")
    if status in IdentificationStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "registry/identification_list.html",
        {
            "page": page_of(request, qs.order_by("-opened_on", "-id")),
            "status": status,
            "statuses": IdentificationStatus.choices,
        },
    )


class _Refused(Exception):
    pass


@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """Open a case; a household number not yet on record creates the household in the village."""
    initial = {"household_no": request.GET.get("household", "")}
    form = IdentificationOpenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                case = _open(request, d, form)
        except RegistryDenied as e:
            raise PermissionDenied(str(e)) from e
        except RegistryError as e:
            form.add_error(None, str(e))
        except _Refused:
            pass
        else:
            messages.success(request, _("已提出识别申请，请依次办理一核二看三比四评议五公示"))
            return redirect("registry:identification", pk=case.pk)
    return render(
        request,
        "registry/identification_open.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _open(request: HttpRequest, d: dict[str, Any], form: IdentificationOpenForm) -> Any:
    household = households_for(request.user).filter(household_no=d["household_no"]).first()
    if household is None:
        if Household.objects.filter(household_no=d["household_no"]).exists():
            # Someone else's household: say no more than that the number is taken.
            form.add_error("household_no", _("户编号已被使用，或无权查看该户"))
            raise _Refused
        if not d["village"]:
            form.add_error("village", _("新农户须填写所在村的区划代码"))
            raise _Refused
        village = regions_for(request.user).filter(code=d["village"]).first()
        if village is None or village.level != Level.VILLAGE:
            form.add_error("village", _("没有这个村，或不在您的管辖范围内"))
            raise _Refused
        household = household_create(
            household_no=d["household_no"],
            village=village,
            user=request.user,
            note=_("新农户申请识别"),
        )
    return identification_open(
        household=household, reason=d["reason"], user=request.user, date=d["date"]
    )


def _case(request: HttpRequest, pk: int) -> IdentificationCase:
    return get_object_or_404(
        identification_cases_for(request.user).select_related("household__village__parent"),
        pk=pk,
    )


def _context(request: HttpRequest, case: IdentificationCase, form: Any = None) -> dict[str, Any]:
    return {
        "case": case,
        "h": case.household,
        "steps": case.steps.order_by("date", "at", "id"),
        "moves": [
            {
                "to": to,
                "label": m.label,
                "appraisal": m.requires(APPRAISAL),
                "notice": m.requires(NOTICE),
                "reject": to == IdentificationStatus.REJECTED,
            }
            for to, m in allowed_moves(case, request.user)
        ],
        "form": form or IdentificationStepForm(),
        "notice_days": NOTICE_DAYS,
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return render(request, "registry/identification.html", _context(request, case))


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = IdentificationStepForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            step = identification_transition(
                case=case,
                to=d["to"],
                user=request.user,
                date=d["date"],
                opinion=d["opinion"],
                evidence=d["evidence"].splitlines(),
                appraisal_result=d["appraisal_result"],
                notice_start=d["notice_start"],
                notice_end=d["notice_end"],
                objection=d["objection"],
                objection_handling=d["objection_handling"],
                objection_upheld=d["objection_upheld"],
            )
        except RegistryDenied as e:
            raise PermissionDenied(str(e)) from e
        except RegistryError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已办理：%(a)s") % {"a": step.action})
            return redirect("registry:identification", pk=case.pk)
    case.refresh_from_db()
    return render(
        request, "registry/identification.html", _context(request, case, form), status=400
    )
