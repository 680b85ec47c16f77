"""Pages of the provinces' relative standards: the list an office reads, and the province office's
record, change (a new version) and withdrawal (with confirmation). Thin: reads through
`standards_for`, writes through the services of `fupin.registry.standards`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fupin.policy.standards import DEFAULT_STANDARDS, StandardKind
from fupin.regions.models import Region
from fupin.registry.forms_standards import StandardForm, WithdrawForm
from fupin.registry.models import RelativeStandard
from fupin.registry.services import RegistryDenied, RegistryError
from fupin.registry.standards import (
    amounts_text,
    in_force,
    may_record_standard,
    provinces_for,
    relative_standard_change,
    relative_standard_record,
    relative_standard_withdraw,
    standards_for,
    versions_of,
)


def _recordable(request: HttpRequest) -> list[Region]:
    return [p for p in provinces_for(request.user) if may_record_standard(request.user, p)]


def _versions_or_404(request: HttpRequest, code: str) -> list[RelativeStandard]:
    versions = versions_of(request.user, code)
    if not versions:
        raise Http404(_("没有这项标准，或无权查看"))
    return versions


@login_required
def standard_list(request: HttpRequest) -> HttpResponse:
    """Every relative standard of the provinces the user's region lies in: the version in force
    with its yuan amounts, and the built-in ones fupin knows from the seed documents."""
    provinces = list(provinces_for(request.user))
    by_code: dict[str, list[RelativeStandard]] = {}
    for v in standards_for(request.user).order_by("province__code", "code", "-version"):
        by_code.setdefault(v.code, []).append(v)
    rows = []
    for versions in by_code.values():
        live = in_force(versions)
        shown = live or versions[0]
        rows.append(
            {
                "code": shown.code,
                "v": shown,
                "live": live is not None,
                "amounts": amounts_text(shown),
                "versions": len(versions),
            }
        )
    prefixes = {p.prefix for p in provinces}
    built_in = [
        s
        for s in DEFAULT_STANDARDS
        if s.kind is not StandardKind.NATIONAL and s.region_code[:2] in prefixes
    ]
    return render(
        request,
        "registry/standards.html",
        {"rows": rows, "built_in": built_in, "may_record": bool(_recordable(request))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def standard_new(request: HttpRequest) -> HttpResponse:
    provinces = _recordable(request)
    if not provinces:
        raise PermissionDenied(_("相对贫困标准由省扶贫办制定；您可以查看，不能录入"))
    queryset = Region.objects.filter(pk__in=[p.pk for p in provinces])
    form = StandardForm(request.POST or None, provinces=queryset)
    if request.method == "POST" and form.is_valid():
        try:
            row = relative_standard_record(
                province=form.cleaned_data["province"],
                data=form.data_fields(),
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except RegistryDenied as e:
            raise PermissionDenied(str(e)) from e
        except RegistryError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已录入“%(n)s”（第 1 版）") % {"n": row.name})
            return redirect("registry:standard", code=row.code)
    return render(
        request,
        "registry/standard_form.html",
        {"form": form, "current": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def standard_detail(request: HttpRequest, code: str) -> HttpResponse:
    versions = _versions_or_404(request, code)
    live = in_force(versions)
    shown = live or versions[0]
    return render(
        request,
        "registry/standard.html",
        {
            "v": shown,
            "live": live,
            "amounts": amounts_text(shown),
            "history": [{"v": v, "amounts": amounts_text(v)} for v in versions],
            "may_record": may_record_standard(request.user, shown.province),
        },
    )


def _live_or_refuse(request: HttpRequest, code: str) -> RelativeStandard:
    versions = _versions_or_404(request, code)
    live = in_force(versions)
    if not may_record_standard(request.user, versions[0].province):
        raise PermissionDenied(
            _("%(p)s的相对贫困标准由%(p)s扶贫办修改；您可以查看，不能修改")
            % {"p": versions[0].province.name}
        )
    if live is None:
        raise Http404(_("该标准的各版本都已撤回"))
    return live


@login_required
@require_http_methods(["GET", "POST"])
def standard_change(request: HttpRequest, code: str) -> HttpResponse:
    current = _live_or_refuse(request, code)
    form: Any = StandardForm(
        request.POST or None, fixed=current.province, initial=StandardForm.initial_of(current)
    )
    if request.method == "POST" and form.is_valid():
        try:
            row = relative_standard_change(
                current=current,
                data=form.data_fields(),
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except RegistryDenied as e:
            raise PermissionDenied(str(e)) from e
        except RegistryError as e:
            form.add_error(None, str(e))
        else:
            messages.success(
                request, _("已记录“%(n)s”第 %(v)s 版") % {"n": row.name, "v": row.version}
            )
            return redirect("registry:standard", code=row.code)
    return render(
        request,
        "registry/standard_form.html",
        {"form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def standard_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """GET asks for confirmation and a reason; POST withdraws the version in force."""
    current = _live_or_refuse(request, code)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            relative_standard_withdraw(
                version=current, reason=form.cleaned_data["reason"], user=request.user
            )
        except RegistryDenied as e:
            raise PermissionDenied(str(e)) from e
        except RegistryError as e:
            form.add_error(None, str(e))
        else:
            messages.success(
                request, _("已撤回“%(n)s”第 %(v)s 版") % {"n": current.name, "v": current.version}
            )
            return redirect("registry:standard", code=current.code)
    return render(
        request,
        "registry/standard_withdraw.html",
        {"v": current, "amounts": amounts_text(current), "form": form},
        status=400 if request.method == "POST" else 200,
    )
