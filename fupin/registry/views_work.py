"""Registry work pages of the offices: status events (返贫, 清退, natural decrease), income and
两不愁三保障 with evidence, member changes, and the evidence files. Thin: reads through the scoped
selectors, writes through the services in `fupin.registry.editing`, refusals shown as they say."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fupin.policy.contact import ethnicity_name
from fupin.registry.editing import (
    household_edit,
    household_event_add,
    may_prepare,
    person_add,
    person_change,
    person_remove,
)
from fupin.registry.forms import (
    EventForm,
    HouseholdEditForm,
    PersonAddForm,
    PersonEditForm,
    PersonRemoveForm,
)
from fupin.registry.models import Household, Person, RegistryEvidence
from fupin.registry.selectors import households_for
from fupin.registry.services import RegistryDenied, RegistryError


def visible_household(request: HttpRequest, household_no: str) -> Household:
    household = (
        households_for(request.user)
        .select_related("village__parent")
        .filter(household_no=household_no)
        .first()
    )
    if household is None:
        raise Http404(_("没有这户，或无权查看"))
    return household


def _member(household: Household, pk: int) -> Person:
    person = household.members.filter(pk=pk).first()
    if person is None:
        raise Http404(_("该户没有这个成员"))
    return person


def _prepare_or_403(request: HttpRequest, household: Household) -> None:
    if not may_prepare(request.user, household):
        raise PermissionDenied(
            _("只有%(v)s所属的乡(镇)扶贫工作站或县扶贫办可以修改该户")
            % {"v": household.village.name}
        )


@login_required
@require_POST
def event_add(request: HttpRequest, household_no: str) -> HttpResponse:
    """Record 返贫, 清退 or a natural decrease from the household page."""
    from fupin.registry.views import household_detail

    household = visible_household(request, household_no)
    form = EventForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            event = household_event_add(
                household=household,
                event=d["event"],
                date=d["date"],
                reason=d["reason"],
                user=request.user,
            )
        except RegistryDenied as e:
            raise PermissionDenied(str(e)) from e
        except RegistryError as e:
            form.add_error(None, str(e))
        else:
            label = event.get_removal_kind_display() or event.get_kind_display()
            messages.success(request, _("已记录%(e)s") % {"e": label})
            return redirect("registry:household", household_no=household.household_no)
    return household_detail(request, household_no, event_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def household_edit_page(request: HttpRequest, household_no: str) -> HttpResponse:
    household = visible_household(request, household_no)
    _prepare_or_403(request, household)
    if request.method == "POST":
        form = HouseholdEditForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                household_edit(
                    household=household,
                    changes=form.changes(),
                    note=form.cleaned_data["note"],
                    user=request.user,
                    file=form.cleaned_data.get("file"),
                )
            except RegistryDenied as e:
                raise PermissionDenied(str(e)) from e
            except RegistryError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("已保存修改"))
                return redirect("registry:household", household_no=household.household_no)
        status = 400
    else:
        form = HouseholdEditForm(initial=HouseholdEditForm.initial_of(household))
        status = 200
    return render(
        request,
        "registry/household_edit.html",
        {"h": household, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, household_no: str) -> HttpResponse:
    household = visible_household(request, household_no)
    _prepare_or_403(request, household)
    form = PersonAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = person_add(
                household=household,
                data=form.data_fields(),
                change=form.cleaned_data["change"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except RegistryDenied as e:
            raise PermissionDenied(str(e)) from e
        except RegistryError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已新增成员 %(n)s") % {"n": person.name})
            return redirect("registry:household", household_no=household.household_no)
    return render(
        request,
        "registry/member_form.html",
        {"h": household, "form": form, "adding": True},
        status=400 if request.method == "POST" else 200,
    )


def _person_initial(person: Person) -> dict[str, Any]:
    initial = {
        name: getattr(person, name)
        for name in PersonEditForm.base_fields
        if name not in ("id_number", "note")
    }
    # An imported “汉” is offered as 汉族 (the service stores the standard name).
    initial["ethnicity"] = ethnicity_name(person.ethnicity) or person.ethnicity
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, household_no: str, pk: int) -> HttpResponse:
    household = visible_household(request, household_no)
    _prepare_or_403(request, household)
    person = _member(household, pk)
    if request.method == "POST":
        form = PersonEditForm(request.POST)
        if form.is_valid():
            try:
                person_change(
                    person=person,
                    changes=form.data_fields(),
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
            except RegistryDenied as e:
                raise PermissionDenied(str(e)) from e
            except RegistryError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("已修改成员 %(n)s") % {"n": person.name})
                return redirect("registry:household", household_no=household.household_no)
    else:
        form = PersonEditForm(initial=_person_initial(person))
    return render(
        request,
        "registry/member_form.html",
        {
            "h": household,
            "form": form,
            "person": person,
            "remove_form": PersonRemoveForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, household_no: str, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST records the member's leaving."""
    household = visible_household(request, household_no)
    _prepare_or_403(request, household)
    person = _member(household, pk)
    form = PersonRemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person_remove(
                person=person,
                change=form.cleaned_data["change"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except RegistryDenied as e:
            raise PermissionDenied(str(e)) from e
        except RegistryError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已记录成员变动：%(n)s") % {"n": person.name})
            return redirect("registry:household", household_no=household.household_no)
    return render(
        request,
        "registry/member_remove.html",
        {"h": household, "person": person, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def evidence_file(request: HttpRequest, household_no: str, pk: int) -> FileResponse:
    household = visible_household(request, household_no)
    evidence = RegistryEvidence.objects.filter(household=household, pk=pk).first()
    if evidence is None:
        raise Http404(_("没有这份佐证材料"))
    return FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name
    )
