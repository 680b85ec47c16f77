"""The offices' pages for the help: helping units, a region's pairings and work teams, one
village pairing (its tracking years and return visits), one household pairing, one work team,
and a project's changes. Reads through the selectors; each form posts an `action` that one
service carries out; a refusal shows the page again with the reason and nothing lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from fupin.accounts.models import Membership, Role
from fupin.assistance import forms as f
from fupin.assistance import selectors as sel
from fupin.assistance import services as svc
from fupin.assistance import services_manage as manage
from fupin.assistance.models import (
    HelpingUnit,
    HelpingUnitMember,
    Project,
    TeamRole,
    today,
)
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

# An action: (the form, bound to the POST data or unbound; the write, given the cleaned data,
# returning where to go next or None for the same page).
Action = tuple[Callable[[Any], Any], Callable[[dict[str, Any]], str | None]]


def _page(
    request: HttpRequest,
    template: str,
    context: Callable[[], dict[str, Any]],
    actions: dict[str, Action],
    may_write: bool,
) -> HttpResponse:
    """GET shows the page with empty forms; POST runs one action through its service and
    redirects, or shows the page again (400) with the bound form and the reason."""
    forms = {name: make(None) for name, (make, _w) in actions.items()} if may_write else {}
    status = 200
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(_("只有所在县（市、省）扶贫部门可以管理帮扶"))
        name = request.POST.get("action", "")
        if name not in actions:
            return HttpResponseBadRequest(_("未知的操作"))
        make, write = actions[name]
        form = make(request.POST)
        forms[name] = form
        if form.is_valid():
            try:
                url = write(form.cleaned_data)
            except (svc.HelpDenied, svc.LedgerDenied) as e:
                raise PermissionDenied(str(e)) from e
            except svc.AssistanceError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("已保存"))
                return redirect(url or request.get_full_path())
        status = 400
    return render(
        request, template, {**context(), "forms": forms, "may_write": may_write}, status=status
    )


def _who(request: HttpRequest) -> dict[str, Any]:
    return {"actor": request.user.get_username(), "user": request.user}


def _cadres() -> QuerySet[Any]:
    ids = Membership.objects.filter(role=Role.HELPING_CADRE).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")


def _villages(request: HttpRequest, region: Region) -> QuerySet[Region]:
    return (
        sel.regions_for(request.user)
        .filter(level=Level.VILLAGE, code__startswith=region.prefix)
        .order_by("code")
    )


def _units(request: HttpRequest) -> QuerySet[HelpingUnit]:
    return sel.units_for(request.user).filter(active=True).order_by("name")


def _household(request: HttpRequest, no: str) -> Household:
    household = (
        sel.households_for(request.user).select_related("village").filter(household_no=no).first()
    )
    if household is None:
        raise svc.AssistanceError(_("户编号：%(no)s 不存在，或无权查看") % {"no": no})
    return household


# --- helping units ------------------------------------------------------------------------------


@login_required
def units(request: HttpRequest) -> HttpResponse:
    managed = sel.managed_regions(request.user)
    regions = Region.objects.filter(pk__in=[r.pk for r in managed]).order_by("code")

    def create(d: dict[str, Any]) -> str:
        unit = manage.unit_create(
            name=d["name"], kind=d["kind"], region=d["region"], **_who(request)
        )
        return reverse("assistance:unit", args=[unit.pk])

    return _page(
        request,
        "assistance/units.html",
        lambda: {"units": sel.units_for(request.user).select_related("region").order_by("name")},
        {"create": (lambda data: f.UnitForm(data, regions=regions), create)},
        may_write=bool(managed) or request.user.is_superuser,
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(sel.units_for(request.user).select_related("region"), pk=pk)
    may_write = sel.may_manage_help(request.user, unit.region)
    regions = Region.objects.filter(
        pk__in=[r.pk for r in sel.managed_regions(request.user)]
    ).order_by("code")
    initial = {"name": unit.name, "kind": unit.kind, "region": unit.region}

    def change(d: dict[str, Any]) -> None:
        manage.unit_update(
            unit=unit, name=d["name"], kind=d["kind"], region=d["region"], **_who(request)
        )

    def deactivate(d: dict[str, Any]) -> None:
        manage.unit_deactivate(unit=unit, on=d["on"], reason=d["reason"], **_who(request))

    def reactivate(d: dict[str, Any]) -> None:
        manage.unit_reactivate(unit=unit, **_who(request))

    def liaison_add(d: dict[str, Any]) -> None:
        member = get_user_model().objects.filter(username=d["username"], is_active=True).first()
        if member is None:
            raise svc.AssistanceError(_("联络人用户名：没有用户 %(u)s") % {"u": d["username"]})
        manage.unit_member_add(unit=unit, member=member, **_who(request))

    def liaison_remove(d: dict[str, Any]) -> None:
        row = get_object_or_404(HelpingUnitMember, unit=unit, user__username=d["username"])
        manage.unit_member_remove(member=row, **_who(request))

    def context() -> dict[str, Any]:
        return {
            "unit": unit,
            "liaisons": unit.members.select_related("user").order_by("user__username"),
            "villages": sel.village_pairings_for(request.user)
            .filter(unit=unit)
            .select_related("village")
            .order_by("-start"),
        }

    return _page(
        request,
        "assistance/unit.html",
        context,
        {
            "change": (lambda data: f.UnitForm(data, regions=regions, initial=initial), change),
            "deactivate": (
                lambda data: f.DeactivateForm(data, initial={"on": today()}),
                deactivate,
            ),
            "reactivate": (lambda data: f.forms.Form(data), reactivate),
            "liaison_add": (lambda data: f.LiaisonForm(data), liaison_add),
            "liaison_remove": (lambda data: f.LiaisonRemoveForm(data), liaison_remove),
        },
        may_write=may_write,
    )


# --- a region's pairings and teams --------------------------------------------------------------


@login_required
def region_pairings(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(sel.regions_for(request.user), code=code)
    villages = _villages(request, region)

    def village_pair(d: dict[str, Any]) -> str:
        p = svc.pairing_village_create(
            unit=d["unit"], village=d["village"], start=d["start"], **_who(request)
        )
        return reverse("assistance:village_pairing", args=[p.pk])

    def household_pair(d: dict[str, Any]) -> str:
        p = svc.pairing_household_create(
            household=_household(request, d["household_no"]),
            cadre=d["cadre"],
            start=d["start"],
            unit=d["unit"],
            **_who(request),
        )
        return reverse("assistance:pairing", args=[p.pk])

    def team_create(d: dict[str, Any]) -> str:
        members = [svc.TeamMemberInput(d["leader"], TeamRole.LEADER)]
        if d["first_secretary"]:
            members.append(svc.TeamMemberInput(d["first_secretary"], TeamRole.FIRST_SECRETARY))
        t = svc.pairing_work_team_create(
            village=d["village"], start=d["start"], members=members, unit=d["unit"], **_who(request)
        )
        return reverse("assistance:work_team", args=[t.pk])

    def context() -> dict[str, Any]:
        village_pairings = (
            sel.village_pairings_for(request.user)
            .filter(village__code__startswith=region.prefix)
            .select_related("unit", "village")
            .order_by("village__code", "-start")
        )
        rows = []
        for p in village_pairings:
            years = sel.tracking_years(p)
            rows.append(
                {
                    "p": p,
                    "active": p.is_active(),
                    "window": p.tracking_window(),
                    "flagged": [y for y in years if y["flagged"]],
                }
            )
        return {
            "region": region,
            "village_pairings": rows,
            "teams": sel.work_teams_for(request.user)
            .filter(village__code__startswith=region.prefix)
            .select_related("village", "unit")
            .order_by("village__code", "-start"),
            "pairings": sel.pairings_for(request.user)
            .filter(household__village__code__startswith=region.prefix)
            .select_related("household__village", "cadre", "unit")
            .order_by("-start", "household__household_no")[:200],
        }

    units_qs = _units(request)
    return _page(
        request,
        "assistance/region_pairings.html",
        context,
        {
            "village_pair": (
                lambda data: f.VillagePairingForm(data, units=units_qs, villages=villages),
                village_pair,
            ),
            "household_pair": (
                lambda data: f.HouseholdPairingForm(data, cadres=_cadres(), units=units_qs),
                household_pair,
            ),
            "team_create": (
                lambda data: f.WorkTeamForm(data, villages=villages, units=units_qs),
                team_create,
            ),
        },
        may_write=sel.may_manage_help(request.user, region),
    )


@login_required
def village_pairing(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_object_or_404(
        sel.village_pairings_for(request.user).select_related("unit", "village"), pk=pk
    )
    manager = sel.may_manage_help(request.user, pairing.village)
    visitor = sel.may_record_return_visit(request.user, pairing)

    def change(d: dict[str, Any]) -> None:
        manage.pairing_village_update(
            pairing=pairing, start=d["start"], end=d["end"], reason=d["reason"], **_who(request)
        )

    def end(d: dict[str, Any]) -> None:
        manage.pairing_village_end(
            pairing=pairing, end=d["end"], reason=d["reason"], **_who(request)
        )

    def visit(d: dict[str, Any]) -> None:
        manage.return_visit_add(
            pairing=pairing,
            date=d["date"],
            visitors=d["visitors"],
            findings=d["findings"],
            **_who(request),
        )

    actions: dict[str, Action] = {"visit": (lambda data: f.ReturnVisitForm(data), visit)}
    if manager:
        initial = {"start": pairing.start, "end": pairing.end}
        actions["change"] = (lambda data: f.VillagePairingChangeForm(data, initial=initial), change)
        actions["end"] = (lambda data: f.EndForm(data, initial={"end": today()}), end)

    def context() -> dict[str, Any]:
        pairing.refresh_from_db()
        return {
            "pairing": pairing,
            "window": pairing.tracking_window(),
            "years": sel.tracking_years(pairing),
            "visits": pairing.return_visits.order_by("date", "id"),
            "manager": manager,
            "may_visit": visitor and pairing.end is not None,
        }

    return _page(
        request, "assistance/village_pairing.html", context, actions, may_write=manager or visitor
    )


@login_required
def household_pairing(request: HttpRequest, pk: int) -> HttpResponse:
    pairing = get_object_or_404(
        sel.pairings_for(request.user).select_related("household__village", "cadre", "unit"),
        pk=pk,
    )

    def end(d: dict[str, Any]) -> None:
        svc.pairing_household_end(
            pairing=pairing, end=d["end"], reason=d["reason"], **_who(request)
        )

    def handover(d: dict[str, Any]) -> str:
        new = svc.pairing_household_handover(
            pairing=pairing, cadre=d["cadre"], on=d["on"], reason=d["reason"], **_who(request)
        )
        return reverse("assistance:pairing", args=[new.pk])

    def context() -> dict[str, Any]:
        pairing.refresh_from_db()
        return {
            "pairing": pairing,
            "h": pairing.household,
            "until": pairing.tracking_until(),
            "history": pairing.household.pairings.select_related("cadre", "unit").order_by(
                "start", "id"
            ),
        }

    return _page(
        request,
        "assistance/pairing.html",
        context,
        {
            "end": (lambda data: f.EndForm(data, initial={"end": today()}), end),
            "handover": (
                lambda data: f.HandoverForm(data, cadres=_cadres(), initial={"on": today()}),
                handover,
            ),
        },
        may_write=sel.may_manage_help(request.user, pairing.household.village),
    )


@login_required
def work_team(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(
        sel.work_teams_for(request.user).select_related("village", "unit"), pk=pk
    )

    def join(d: dict[str, Any]) -> None:
        manage.work_team_member_join(
            team=team, name=d["name"], role=d["role"], start=d["start"], **_who(request)
        )

    def leave(d: dict[str, Any]) -> None:
        member = get_object_or_404(team.members, pk=d["member"])
        manage.work_team_member_leave(member=member, end=d["end"], **_who(request))

    def end(d: dict[str, Any]) -> None:
        manage.work_team_end(team=team, end=d["end"], reason=d["reason"], **_who(request))

    def context() -> dict[str, Any]:
        team.refresh_from_db()
        return {"team": team, "members": team.members.order_by("start", "id")}

    return _page(
        request,
        "assistance/work_team.html",
        context,
        {
            "join": (lambda data: f.JoinForm(data, initial={"start": today()}), join),
            "leave": (lambda data: f.LeaveForm(data, initial={"end": today()}), leave),
            "end": (lambda data: f.TeamEndForm(data, initial={"end": today()}), end),
        },
        may_write=sel.may_manage_help(request.user, team.village),
    )


# --- projects -----------------------------------------------------------------------------------


@login_required
def project_new(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(sel.regions_for(request.user), code=code)
    regions = sel.regions_for(request.user).filter(code__startswith=region.prefix).order_by("code")

    def create(d: dict[str, Any]) -> str:
        funds = {k[5:]: v for k, v in d.items() if k.startswith("fund_") and v is not None}
        p = svc.project_create(
            name=d["name"],
            region=d["region"],
            kind=d["kind"],
            year=d["year"],
            funds=funds,
            unit=d["unit"],
            start_date=d["start_date"],
            description=d["description"],
            **_who(request),
        )
        return reverse("assistance:project_manage", args=[p.pk])

    return _page(
        request,
        "assistance/project_new.html",
        lambda: {"region": region},
        {
            "create": (
                lambda data: f.ProjectCreateForm(
                    data,
                    regions=regions,
                    units=_units(request),
                    initial={"region": region, "year": today().year},
                ),
                create,
            )
        },
        may_write=sel.may_manage_help(request.user, region),
    )


@login_required
def project_manage(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        sel.projects_for(request.user).select_related("region", "unit"), pk=pk
    )
    initial = {
        "name": project.name,
        "kind": project.kind,
        "year": project.year,
        "unit": project.unit,
        "start_date": project.start_date,
        "description": project.description,
    }

    def change(d: dict[str, Any]) -> None:
        manage.project_update(
            project=project,
            name=d["name"],
            kind=d["kind"],
            year=d["year"],
            unit=d["unit"],
            start_date=d["start_date"],
            description=d["description"],
            **_who(request),
        )

    def fund(d: dict[str, Any]) -> None:
        svc.project_fund_set(
            project=project, source=d["source"], amount=d["amount"], **_who(request)
        )

    def beneficiary_add(d: dict[str, Any]) -> None:
        svc.project_beneficiary_add(
            project=project,
            household=_household(request, d["household_no"]),
            amount=d["amount"],
            note=d["note"],
            **_who(request),
        )

    def beneficiary_remove(d: dict[str, Any]) -> None:
        row = project.beneficiaries.filter(household__household_no=d["household_no"]).first()
        if row is None:
            raise svc.AssistanceError(_("户编号：该户不是本项目的受益户"))
        manage.project_beneficiary_remove(beneficiary=row, reason=d["reason"], **_who(request))

    def progress(d: dict[str, Any]) -> None:
        svc.project_progress_update(
            project=project, progress=d["progress"], completed_on=d["completed_on"], **_who(request)
        )

    def context() -> dict[str, Any]:
        fresh = Project.objects.select_related("region", "unit").get(pk=project.pk)
        return {
            "project": fresh,
            "funds": fresh.funds.all(),
            "total": fresh.total_amount(),
            "beneficiaries": sel.beneficiaries_for(request.user, fresh),
        }

    progress_initial = {"progress": project.progress, "completed_on": project.completed_on}
    return _page(
        request,
        "assistance/project_manage.html",
        context,
        {
            "change": (
                lambda data: f.ProjectForm(data, units=_units(request), initial=initial),
                change,
            ),
            "fund": (lambda data: f.FundForm(data), fund),
            "beneficiary_add": (lambda data: f.BeneficiaryForm(data), beneficiary_add),
            "beneficiary_remove": (lambda data: f.BeneficiaryRemoveForm(data), beneficiary_remove),
            "progress": (lambda data: f.ProgressForm(data, initial=progress_initial), progress),
        },
        may_write=sel.may_manage_help(request.user, project.region),
    )
