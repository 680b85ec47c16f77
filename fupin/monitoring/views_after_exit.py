"""Pages of the years after exit: a county's four slackening signs and 四个不摘, the list of exited
counties for a city or province office, and the records behind them (cadre trainings, yearly
reduction targets) entered and undone by the offices. Thin: selectors read, services write."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fupin.monitoring import selectors as sel
from fupin.monitoring.after_exit import county_after_exit
from fupin.monitoring.forms import ReasonForm, TargetForm, TrainingForm
from fupin.monitoring.keeps import KEEP_RULES
from fupin.monitoring.services import MonitoringDenied, MonitoringError
from fupin.monitoring.services_after_exit import (
    may_set_target,
    reduction_target_remove,
    reduction_target_set,
    training_levels_for,
    training_record,
    training_withdraw,
)
from fupin.monitoring.slackening import RULES, CountyRecords
from fupin.paging import page_of, search, search_text
from fupin.regions.models import Region

LIST_PER_PAGE = 20


def _county(request: HttpRequest, code: str) -> Region:
    return get_object_or_404(sel.counties_for(request.user), code=code)


@login_required
def county_signals(request: HttpRequest, code: str) -> HttpResponse:
    county = _county(request, code)
    result = county_after_exit(county=county)
    chart = {
        "years": result.years,
        "remaining": result.remaining,
        "exit_year": result.exit_year,
        "text": {
            "title": _("年末剩余贫困人口"),
            "actual": _("剩余贫困人口（人）"),
            "year": _("年度"),
            "people": _("人数"),
            "exit_year": _("摘帽"),
        },
    }
    return render(
        request,
        "monitoring/signals.html",
        {"county": county, "result": result, "chart": chart},
    )


@login_required
def after_exit_list(request: HttpRequest) -> HttpResponse:
    """Exited counties of the user's region with which signs are raised and which of 四个不摘
    lapsed, by county code (never by a score)."""
    q = search_text(request)
    counties = search(sel.exited_counties_for(request.user), q, "name", "code")
    page = page_of(request, counties, LIST_PER_PAGE)
    rows = [county_after_exit(county=c) for c in page]
    heads = next((r for r in rows if r.signs), None)
    return render(
        request,
        "monitoring/after_exit_list.html",
        {
            "page": page,
            "q": q,
            "rows": rows,
            "sign_labels": [s.label for s in heads.signs] if heads else [],
            "keep_labels": [k.label for k in heads.keeps] if heads else [],
            "rules": RULES,
            "keep_rules": KEEP_RULES,
        },
    )


def _training_context(
    request: HttpRequest, county: Region, form: TrainingForm | None = None
) -> dict[str, Any]:
    levels = training_levels_for(request.user, county)
    trainings = sel.trainings_for(request.user).filter(county=county).order_by("-date", "-id")
    by_year: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for t in trainings:
        if t.withdrawn_at is None:
            by_year[t.date.year][0] += 1
            by_year[t.date.year][1] += t.participants
    return {
        "county": county,
        "trainings": trainings,
        "by_year": sorted(by_year.items()),
        "form": form or (TrainingForm(levels=levels) if levels else None),
        "my_levels": [level for level, _label in levels],
        "rule": RULES["training_far_below"],
    }


@login_required
def trainings(request: HttpRequest, code: str) -> HttpResponse:
    county = _county(request, code)
    if request.method != "POST":
        return render(request, "monitoring/trainings.html", _training_context(request, county))
    levels = training_levels_for(request.user, county)
    if not levels:
        raise PermissionDenied(_("只有本县、所属市(州)或省扶贫办可以记录本县的干部培训"))
    form = TrainingForm(request.POST, levels=levels)
    if form.is_valid():
        d = form.cleaned_data
        try:
            training_record(
                county=county,
                date=d["date"],
                level=d["level"],
                organiser=d["organiser"],
                topic=d["topic"],
                participants=d["participants"],
                participant_names=d["participant_names"],
                user=request.user,
            )
        except MonitoringDenied as e:
            raise PermissionDenied(str(e)) from e
        except MonitoringError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已记录干部培训"))
            return redirect("monitoring:trainings", code=county.code)
    return render(
        request,
        "monitoring/trainings.html",
        _training_context(request, county, form),
        status=400,
    )


@login_required
def training_withdraw_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then withdraw a training recorded in error (with a reason)."""
    training = get_object_or_404(sel.trainings_for(request.user).select_related("county"), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            training_withdraw(
                training=training, reason=form.cleaned_data["reason"], user=request.user
            )
        except MonitoringDenied as e:
            raise PermissionDenied(str(e)) from e
        except MonitoringError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已撤销这条培训记录"))
            return redirect("monitoring:trainings", code=training.county.code)
    return render(
        request,
        "monitoring/confirm.html",
        {
            "county": training.county,
            "title": _("撤销培训记录"),
            "what": f"{training.date.isoformat()} {training.organiser}：{training.topic}（{training.participants} 人）",
            "form": form,
            "back": "monitoring:trainings",
            "button": _("确认撤销"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _target_context(
    request: HttpRequest, county: Region, form: TargetForm | None = None
) -> dict[str, Any]:
    records = CountyRecords(county)
    targets = sel.reduction_targets_for(request.user).filter(county=county).order_by("-year")
    rows = [{"target": t, "exited_people": records.exited_people(t.year)[1]} for t in targets]
    may = may_set_target(request.user, county)
    return {
        "county": county,
        "rows": rows,
        "form": form or (TargetForm() if may else None),
        "rule": RULES["target_missed"],
    }


@login_required
def targets(request: HttpRequest, code: str) -> HttpResponse:
    county = _county(request, code)
    if request.method != "POST":
        return render(request, "monitoring/targets.html", _target_context(request, county))
    form = TargetForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            reduction_target_set(
                county=county,
                year=d["year"],
                people=d["people"],
                source=d["source"],
                user=request.user,
            )
        except MonitoringDenied as e:
            raise PermissionDenied(str(e)) from e
        except MonitoringError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已记录年度减贫任务"))
            return redirect("monitoring:targets", code=county.code)
    return render(
        request, "monitoring/targets.html", _target_context(request, county, form), status=400
    )


@login_required
def target_remove_page(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(
        sel.reduction_targets_for(request.user).select_related("county"), pk=pk
    )
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        county = target.county
        try:
            reduction_target_remove(
                target=target, reason=form.cleaned_data["reason"], user=request.user
            )
        except MonitoringDenied as e:
            raise PermissionDenied(str(e)) from e
        except MonitoringError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已删除这条年度减贫任务"))
            return redirect("monitoring:targets", code=county.code)
    return render(
        request,
        "monitoring/confirm.html",
        {
            "county": target.county,
            "title": _("删除年度减贫任务"),
            "what": f"{target.year} 年计划减贫 {target.people} 人",
            "form": form,
            "back": "monitoring:targets",
            "button": _("确认删除"),
        },
        status=400 if request.method == "POST" else 200,
    )
