"""Assistance pages: my pairings, a region's 双到 overview, a household's three ledgers (and their
DOCX), projects per region and a project's page. Thin: reads via selectors, writes via services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.scoping import sees_whole_region
from fupin.assistance import selectors as sel
from fupin.assistance.forms import ExitPlanForm, MeasureForm, VisitForm
from fupin.assistance.ledger_docx import household_ledgers_docx
from fupin.assistance.models import ExitPlan, HouseholdPairing
from fupin.assistance.services import (
    AssistanceError,
    LedgerDenied,
    assistance_warnings,
    ledger_exit_plan_set,
    ledger_measure_add,
    ledger_visit_add,
)
from fupin.paging import page_of
from fupin.regions.models import Region
from fupin.registry.models import Household
from fupin.registry.selectors import counties_with_data


def _household(request: HttpRequest, household_no: str) -> Household:
    household = (
        sel.households_for(request.user)
        .select_related("village__parent")
        .filter(household_no=household_no)
        .first()
    )
    if household is None:
        raise Http404("没有这户，或无权查看")
    return household


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own pairings: a cadre's households, a unit liaison's villages."""
    pairings = (
        HouseholdPairing.objects.active()
        .filter(cadre=request.user)
        .select_related("household__village")
        .order_by("household__household_no")
    )
    villages = sel.unit_village_pairings(request.user)
    # Offices have no pairings of their own: they see their region's (scoped, by region).
    regions = [
        r for r in counties_with_data(request.user) if sees_whole_region(request.user, r["region"])
    ]
    return render(
        request,
        "assistance/mine.html",
        {"pairings": pairings, "villages": villages, "regions": regions},
    )


@login_required
def region_overview(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(sel.regions_for(request.user), code=code)
    pairings = (
        sel.pairings_for(request.user)
        .active()
        .filter(household__village__code__startswith=region.prefix)
        .select_related("household__village", "cadre", "unit")
        .order_by("household__household_no")
    )
    villages = (
        sel.village_pairings_for(request.user)
        .active()
        .filter(village__code__startswith=region.prefix)
        .select_related("unit", "village")
    )
    teams = (
        sel.work_teams_for(request.user)
        .active()
        .filter(village__code__startswith=region.prefix)
        .select_related("village", "unit")
        .prefetch_related("members")
    )
    return render(
        request,
        "assistance/region.html",
        {
            "region": region,
            "warnings": assistance_warnings(region=region, user=request.user),
            "pairings": (page := page_of(request, pairings)),
            "page": page,
            "pairing_count": page.paginator.count,
            "villages": villages,
            "teams": [
                {"team": t, "members": [m for m in t.members.all() if m.is_active()]} for t in teams
            ],
            "totals": sel.region_project_totals(request.user, region),
        },
    )


def _ledger_context(request: HttpRequest, household: Household, **forms: Any) -> dict[str, Any]:
    editable = sel.may_edit_ledgers(request.user, household)
    projects = sel.projects_for(request.user).filter(
        region__code__in=_ancestor_codes(household.village)
    )
    plan = ExitPlan.objects.filter(household=household).first()
    initial_plan = (
        {
            "target_year": plan.target_year,
            "income_target": plan.income_target,
            "targets": plan.targets,
        }
        if plan
        else None
    )
    return {
        "h": household,
        "head": household.head,
        "plan": plan,
        "pairings": household.pairings.select_related("cadre", "unit").order_by("start", "id"),
        "measures": household.measures.select_related("project").order_by("start_date", "id"),
        "visits": household.visits.order_by("date", "id"),
        "benefits": sel.household_benefits(request.user, household),
        "editable": editable,
        "plan_form": forms.get("plan_form") or ExitPlanForm(initial=initial_plan),
        "measure_form": forms.get("measure_form") or MeasureForm(projects=projects),
        "visit_form": forms.get("visit_form") or VisitForm(),
    }


def _ancestor_codes(region: Region) -> list[str]:
    codes = []
    node: Region | None = region
    while node is not None:
        codes.append(node.code)
        node = node.parent
    return codes


@login_required
def household_ledgers(request: HttpRequest, household_no: str) -> HttpResponse:
    household = _household(request, household_no)
    return render(request, "assistance/household.html", _ledger_context(request, household))


def _post(
    request: HttpRequest, household_no: str, form_name: str, form: Any, write: Any
) -> HttpResponse:
    """Validate, write through the service, redirect back; on refusal show the page with why."""
    household = _household(request, household_no)
    if not sel.may_edit_ledgers(request.user, household):
        raise PermissionDenied(_("只有该户的帮扶责任人和县、乡扶贫部门可以填写三本账"))
    if form.is_valid():
        try:
            write(household, form.cleaned_data)
        except LedgerDenied as e:
            raise PermissionDenied(str(e)) from e
        except AssistanceError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已保存"))
            return redirect("assistance:household", household_no=household.household_no)
    context = _ledger_context(request, household, **{form_name: form})
    return render(request, "assistance/household.html", context, status=400)


@login_required
@require_POST
def exit_plan_edit(request: HttpRequest, household_no: str) -> HttpResponse:
    def write(h: Household, d: dict[str, Any]) -> None:
        ledger_exit_plan_set(
            household=h,
            target_year=d["target_year"],
            targets=d["targets"],
            income_target=d["income_target"],
            actor=request.user.get_username(),
            user=request.user,
        )

    return _post(request, household_no, "plan_form", ExitPlanForm(request.POST), write)


@login_required
@require_POST
def measure_add(request: HttpRequest, household_no: str) -> HttpResponse:
    household = _household(request, household_no)
    projects = sel.projects_for(request.user).filter(
        region__code__in=_ancestor_codes(household.village)
    )

    def write(h: Household, d: dict[str, Any]) -> None:
        ledger_measure_add(
            household=h,
            kind=d["kind"],
            description=d["description"],
            amount=d["amount"],
            start_date=d["start_date"],
            end_date=d["end_date"],
            project=d["project"],
            actor=request.user.get_username(),
            user=request.user,
        )

    form = MeasureForm(request.POST, projects=projects)
    return _post(request, household_no, "measure_form", form, write)


@login_required
@require_POST
def visit_add(request: HttpRequest, household_no: str) -> HttpResponse:
    def write(h: Household, d: dict[str, Any]) -> None:
        ledger_visit_add(
            household=h,
            date=d["date"],
            content=d["content"],
            visitor_name=d["visitor_name"],
            actor=request.user.get_username(),
            user=request.user,
        )

    return _post(request, household_no, "visit_form", VisitForm(request.POST), write)


@login_required
def household_ledgers_download(request: HttpRequest, household_no: str) -> HttpResponse:
    household = _household(request, household_no)
    body = household_ledgers_docx(
        household,
        plan=ExitPlan.objects.filter(household=household).first(),
        measures=list(household.measures.select_related("project").order_by("start_date", "id")),
        visits=list(household.visits.order_by("date", "id")),
        pairings=list(household.pairings.select_related("cadre").order_by("start", "id")),
    )
    response = HttpResponse(
        body,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="ledgers-{household.household_no}.docx"'
    )
    return response


@login_required
def region_projects(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(sel.regions_for(request.user), code=code)
    projects = sel.region_projects(request.user, region).select_related("region", "unit")
    amounts = sel.project_amounts(projects)
    return render(
        request,
        "assistance/projects.html",
        {
            "region": region,
            "totals": sel.region_project_totals(request.user, region),
            "rows": [{"project": p, "amounts": amounts.get(p.pk, {"total": 0})} for p in projects],
            "may_manage": sel.may_manage_help(request.user, region),
        },
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        sel.projects_for(request.user).select_related("region", "unit"), pk=pk
    )
    return render(
        request,
        "assistance/project.html",
        {
            "project": project,
            "funds": project.funds.all(),
            "total": project.total_amount(),
            "beneficiaries": sel.beneficiaries_for(request.user, project),
            "measures": sel.measures_for(request.user)
            .filter(project=project)
            .select_related("household"),
            "may_manage": sel.may_manage_help(request.user, project.region),
        },
    )
