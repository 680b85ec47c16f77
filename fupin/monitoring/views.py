"""Monitoring pages: a region's overview with candidates, an object with its history and steps
(the years after exit are in views_after_exit). Thin: reads via selectors, writes via services."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Max, Value, When
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.monitoring import selectors as sel
from fupin.monitoring.candidates import MonitoringDataError
from fupin.monitoring.forms import OpenForm, ReportForm, TransitionForm
from fupin.monitoring.services import (
    MonitoringDenied,
    MonitoringError,
    allowed_moves,
    monitoring_candidates_find,
    monitoring_object_open,
    monitoring_object_transition,
    monitoring_report_add,
    risk_conditions,
)
from fupin.monitoring.workflows import (
    APPROVAL_DAYS,
    ELIMINATES,
    NOTICE,
    MonitoringStatus,
    ObjectKind,
)
from fupin.paging import page_of, search, search_text
from fupin.policy import DEFAULT_MONITORING
from fupin.regions.models import Level, Region

FIRST_YEAR = DEFAULT_MONITORING.first_year


def default_year(region: Region) -> int:
    """The latest income year recorded in the region, at least the first monitoring year."""
    latest = sel.Household.objects.filter(village__code__startswith=region.prefix).aggregate(
        y=Max("income_year")
    )["y"]
    return max(FIRST_YEAR, min(latest or FIRST_YEAR, timezone.localdate().year))


def _year(request: HttpRequest, region: Region) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2010 <= int(raw) <= 2100:
        return int(raw)
    return default_year(region)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The counties (or, below county level, the villages) the user may monitor: those with
    registry data first, searchable by name or code, fifty to a page."""
    q = search_text(request)
    counties = sel.counties_for(request.user)
    if counties.exists():
        with_data = (
            sel.households_for(request.user)
            .annotate(prefix=Substr("village__code", 1, 6))
            .values_list("prefix", flat=True)
            .distinct()
        )
        rows = (
            search(counties, q, "name", "code")
            .annotate(
                no_data=Case(
                    When(code__in=[p + "000000" for p in with_data], then=Value(0)),
                    default=Value(1),
                )
            )
            .order_by("no_data", "code")
        )
        kind = "counties"
    else:
        rows = search(
            sel.regions_for(request.user).filter(level=Level.VILLAGE), q, "name", "code"
        ).order_by("code")
        kind = "villages"
    return render(
        request, "monitoring/index.html", {"page": page_of(request, rows), "kind": kind, "q": q}
    )


def _region(request: HttpRequest, code: str) -> Region:
    return get_object_or_404(sel.regions_for(request.user), code=code)


@login_required
def region_overview(
    request: HttpRequest, code: str, report_form: ReportForm | None = None, status: int = 200
) -> HttpResponse:
    region = _region(request, code)
    year = _year(request, region)
    objects = sel.monitoring_objects_for(request.user).filter(
        household__village__code__startswith=region.prefix
    )
    counts = Counter(
        {
            (r["kind"], r["status"]): r["n"]
            for r in objects.values("kind", "status").annotate(n=Count("id"))
        }
    )
    table = [
        {
            "kind": label,
            "cells": [counts.get((kind, s), 0) for s in MonitoringStatus.values],
            "total": sum(counts.get((kind, s), 0) for s in MonitoringStatus.values),
        }
        for kind, label in ObjectKind.choices
    ]
    try:
        found = monitoring_candidates_find(
            region=region, year=year, households=sel.households_for(request.user)
        )
        error = ""
    except MonitoringDataError as e:
        found, error = None, str(e)
    reports = (
        sel.monitoring_reports_for(request.user)
        .filter(household__village__code__startswith=region.prefix)
        .select_related("household")
        .order_by("-date", "-id")[:50]
    )
    return render(
        request,
        "monitoring/region.html",
        {
            "region": region,
            "year": year,
            "table": table,
            "statuses": MonitoringStatus.choices,
            "objects": (
                page := page_of(
                    request,
                    objects.select_related("household__village").order_by("-opened_at", "-id"),
                )
            ),
            "page": page,
            "object_count": page.paginator.count,
            "found": found,
            "error": error,
            "candidates": found.candidates[:500] if found else [],
            "reports": reports,
            "kinds": ObjectKind.choices,
            "report_form": report_form or ReportForm(initial={"year": year}),
            "is_county": region.level == Level.COUNTY,
        },
        status=status,
    )


@login_required
@require_POST
def object_open(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request, code)
    form = OpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求内容有误"))
        return redirect("monitoring:region", code=region.code)
    d = form.cleaned_data
    household = (
        sel.households_for(request.user)
        .filter(household_no=d["household_no"], village__code__startswith=region.prefix)
        .first()
    )
    if household is None:
        raise Http404(_("没有这户，或无权查看"))
    report = None
    if d["report"]:
        report = (
            sel.monitoring_reports_for(request.user)
            .filter(pk=d["report"], household=household)
            .first()
        )
        if report is None:
            raise Http404(_("没有这条上报，或无权查看"))
    try:
        obj = monitoring_object_open(
            household=household,
            kind=d["kind"],
            year=d["year"],
            report=report,
            opinion=d["opinion"],
            user=request.user,
        )
    except MonitoringDenied as e:
        raise PermissionDenied(str(e)) from e
    except MonitoringError as e:
        messages.error(request, str(e))
        return redirect(f"{region_url(region)}?year={d['year']}")
    messages.success(request, _("已纳入监测发现，待村级评议"))
    return redirect("monitoring:object", pk=obj.pk)


def region_url(region: Region) -> str:
    return reverse("monitoring:region", args=[region.code])


@login_required
@require_POST
def report_add(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request, code)
    form = ReportForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        household = (
            sel.households_for(request.user)
            .filter(household_no=d["household_no"], village__code__startswith=region.prefix)
            .first()
        )
        if household is None:
            form.add_error("household_no", _("本区划内没有这户，或无权查看"))
        else:
            try:
                monitoring_report_add(
                    household=household,
                    year=d["year"],
                    source=d["source"],
                    income_per_capita=d["income_per_capita"],
                    rigid_spending=d["rigid_spending"],
                    spending_kind=d["spending_kind"],
                    description=d["description"],
                    date=d["date"],
                    user=request.user,
                )
            except MonitoringError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("已记录上报"))
                return redirect(f"{region_url(region)}?year={d['year']}")
    return region_overview(request, code, report_form=form, status=400)


def _object_context(
    request: HttpRequest,
    obj: Any,
    form: TransitionForm | None = None,
) -> dict[str, Any]:
    moves = allowed_moves(obj, request.user)
    today = timezone.localdate()
    overdue = (
        not obj.is_closed
        and obj.status != MonitoringStatus.APPROVED
        and (today - obj.opened_on).days > APPROVAL_DAYS
    )
    return {
        "obj": obj,
        "h": obj.household,
        "steps": obj.steps.order_by("at", "id"),
        "moves": [
            {
                "to": to,
                "label": m.label,
                "notice": m.requires(NOTICE),
                "eliminates": m.requires(ELIMINATES),
                "opinion_required": m.opinion_required,
            }
            for to, m in moves
        ],
        "conditions": risk_conditions(obj) if obj.status == MonitoringStatus.APPROVED else [],
        "reports": obj.household.monitoring_reports.order_by("-year", "-date", "-id"),
        "form": form or TransitionForm(),
        "overdue": overdue,
        "approval_days": APPROVAL_DAYS,
    }


def _object(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(
        sel.monitoring_objects_for(request.user).select_related(
            "household__village__parent", "report"
        ),
        pk=pk,
    )


@login_required
def object_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _object(request, pk)
    return render(request, "monitoring/object.html", _object_context(request, obj))


@login_required
@require_POST
def object_transition(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _object(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            monitoring_object_transition(
                obj=obj,
                to=d["to"],
                user=request.user,
                opinion=d["opinion"],
                evidence=d["evidence"].splitlines(),
                date=d["date"],
                notice_start=d["notice_start"],
                notice_end=d["notice_end"],
            )
        except MonitoringDenied as e:
            raise PermissionDenied(str(e)) from e
        except MonitoringError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已办理"))
            return redirect("monitoring:object", pk=obj.pk)
    obj.refresh_from_db()
    return render(
        request, "monitoring/object.html", _object_context(request, obj, form), status=400
    )
