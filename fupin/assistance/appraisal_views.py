"""Pages of the help appraisal (一年一考核、三年结硬帐): a region's list for the office, an
appraisal's and a settlement's page with the judgement, conclusion, voiding and follow-up forms,
and a helping unit's record. Thin: reads through appraisal's selectors, writes through its
services; mounted under /assistance/appraisals/ (urlpatterns at the end)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from fupin.accounts import scoping
from fupin.assistance import appraisal as ap
from fupin.assistance import appraisal_selectors as sel
from fupin.assistance.appraisal_forms import (
    ConcludeForm,
    CreateAppraisalForm,
    FollowUpForm,
    FollowUpVoidForm,
    JudgeForm,
    VoidForm,
)
from fupin.assistance.models import (
    AppraisalStatus,
    HelpAppraisal,
    HelpingUnit,
    HelpSettlement,
    ItemBasis,
    VillagePairing,
    today,
)
from fupin.assistance.selectors import units_for
from fupin.regions.models import Level, Region


def _links(evidence: dict[str, Any]) -> list[dict[str, str]]:
    """The evidence's records as (text, link) for the page."""
    out = []
    for r in evidence.get("records", []):
        kind, key = r.get("kind"), r.get("key", "")
        if kind == "household":
            url, text = reverse("assistance:household", args=[key]), key
        elif kind == "project":
            url, text = reverse("assistance:project", args=[int(key)]), "项目"
        elif kind == "village":
            url, text = reverse("assistance:region", args=[key]), "双到概况"
        elif kind == "appraisal":
            url, text = reverse("assistance:appraisal", args=[int(key)]), "年度考核"
        else:
            url, text = "", key
        out.append({"url": url, "text": text, "note": r.get("note", "")})
    return out


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return today().year - 1  # the year just past is the one usually assessed


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Where to start: the regions of the user's offices and the units they act for."""
    regions = sorted(scoping.office_regions(request.user), key=lambda r: r.code)
    units = HelpingUnit.objects.filter(members__user=request.user).order_by("name")
    return render(request, "assistance/appraisal_index.html", {"regions": regions, "units": units})


@login_required
def region_list(request: HttpRequest, code: str) -> HttpResponse:
    region = Region.objects.filter(code=code).first()
    if region is None or not scoping.sees_whole_region(request.user, region):
        raise Http404("没有这个区划，或无权查看")
    year = _year(request)
    rows = sel.region_rows(request.user, region, year)
    offices = [(r.prefix, r.level) for r in scoping.office_regions(request.user)]
    for row in rows:
        code = row["pairing"].village.code
        levels = {level for prefix, level in offices if code.startswith(prefix)}
        row["may_appraise"] = bool(levels & sel.APPRAISER_LEVELS)
        row["may_settle"] = bool(levels & sel.SETTLER_LEVELS)
    return render(
        request,
        "assistance/appraisal_region.html",
        {
            "region": region,
            "year": year,
            # 双到 began in 2009 (seed 002: 2009 年印发《…双方工作责任》)
            "years": sorted({year, *range(2009, today().year + 1)}, reverse=True),
            "rows": rows,
        },
    )


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    form = CreateAppraisalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(request.META.get("HTTP_REFERER") or "assistance:appraisals")
    d = form.cleaned_data
    village = Region.objects.filter(code=d["village"], level=Level.VILLAGE).first()
    if village is None or not scoping.sees_whole_region(request.user, village):
        raise Http404("没有这个村，或无权查看")
    unit = HelpingUnit.objects.filter(pk=d["unit"]).first() if d["unit"] else None
    region_page = reverse("assistance:appraisal_region", args=[village.code[:6] + "000000"])
    return _act(
        request,
        lambda: ap.appraisal_create(
            side=d["side"], village=village, year=d["year"], unit=unit, user=request.user
        ),
        lambda a: reverse("assistance:appraisal", args=[a.pk]),
        _told(request, region_page + f"?year={d['year']}"),
        success="已发起考核，佐证已按台账核算",
    )


def _appraisal(request: HttpRequest, pk: int) -> HelpAppraisal:
    return get_object_or_404(
        sel.appraisals_for(request.user).select_related("village__parent__parent", "unit"), pk=pk
    )


def _appraisal_page(
    request: HttpRequest, appraisal: HelpAppraisal, status: int = 200, **forms: Any
) -> HttpResponse:
    may = sel.may_appraise(request.user, appraisal.village)
    is_open = appraisal.status == AppraisalStatus.OPEN
    items = []
    for item in appraisal.items.select_related("judged_by").order_by("order"):
        judge = None
        if may and is_open and item.basis == ItemBasis.JUDGEMENT:
            judge = forms.get(f"judge_{item.code}") or JudgeForm(
                prefix=item.code,
                initial={
                    "result": None if item.passed is None else ("pass" if item.passed else "fail"),
                    "reason": item.reason,
                },
            )
        items.append({"item": item, "links": _links(item.evidence), "judge": judge})
    return render(
        request,
        "assistance/appraisal_detail.html",
        {
            "a": appraisal,
            "items": items,
            "may": may,
            "is_open": is_open,
            "conclude_form": forms.get("conclude_form") or ConcludeForm(),
            "void_form": forms.get("void_form") or VoidForm(),
            "followup_form": forms.get("followup_form") or FollowUpForm(initial={"date": today()}),
            "follow_ups": appraisal.follow_ups.order_by("date", "id"),
            "steps": appraisal.steps.order_by("at", "id"),
            "error": forms.get("error", ""),
        },
        status=status,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _appraisal_page(request, _appraisal(request, pk))


def _act(
    request: HttpRequest,
    write: Callable[[], Any],
    back: str | Callable[[Any], str],
    refused: Callable[[str], HttpResponse],
    *,
    success: str = "已保存",
) -> HttpResponse:
    """The one shape of every write: run the service; 403 when the user may not act; a refusal
    answered by `refused` with the service's reason; else `success` and on to `back` (a URL, or
    one made from what the service returned)."""
    try:
        result = write()
    except ap.AppraisalDenied as e:
        raise PermissionDenied(str(e)) from e
    except ap.AppraisalError as e:
        return refused(str(e))
    messages.success(request, success)
    return redirect(back(result) if callable(back) else back)


def _told(request: HttpRequest, back: str, prefix: str = "") -> Callable[[str], HttpResponse]:
    """A refusal as an error message above the page at `back`."""

    def refused(reason: str) -> HttpResponse:
        messages.error(request, f"{prefix}{reason}")
        return redirect(back)

    return refused


def _form_errors(form: forms.Form) -> str:
    return "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items())


def _form_act(
    request: HttpRequest,
    form: forms.Form,
    page: Callable[[forms.Form], HttpResponse],
    write: Callable[[dict[str, Any]], Any],
    back: str,
) -> HttpResponse:
    """A posted form's write: a bad form or a refusal shows `page` again with the form and why
    (400, nothing lost); else the service runs on the cleaned data (`_act`)."""
    if not form.is_valid():
        return page(form)

    def refused(reason: str) -> HttpResponse:
        form.add_error(None, reason)
        return page(form)

    return _act(request, lambda: write(form.cleaned_data), back, refused)


@login_required
@require_POST
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    a = _appraisal(request, pk)
    return _act(
        request,
        lambda: ap.appraisal_refresh(appraisal=a, user=request.user),
        reverse("assistance:appraisal", args=[pk]),
        lambda e: _appraisal_page(request, a, 400, error=e),
    )


@login_required
@require_POST
def judge(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    a = _appraisal(request, pk)
    item = a.items.filter(code=code).first()
    if item is None:
        raise Http404("没有这个考核项")
    return _form_act(
        request,
        JudgeForm(request.POST, prefix=code),
        lambda form: _appraisal_page(request, a, 400, **{f"judge_{code}": form}),
        lambda d: ap.appraisal_item_judge(
            item=item, passed=d["result"] == "pass", reason=d["reason"], user=request.user
        ),
        reverse("assistance:appraisal", args=[pk]) + f"#item-{code}",
    )


@login_required
@require_POST
def conclude(request: HttpRequest, pk: int) -> HttpResponse:
    a = _appraisal(request, pk)
    return _form_act(
        request,
        ConcludeForm(request.POST),
        lambda form: _appraisal_page(request, a, 400, conclude_form=form),
        lambda d: ap.appraisal_conclude(appraisal=a, opinion=d["opinion"], user=request.user),
        reverse("assistance:appraisal", args=[pk]),
    )


@login_required
@require_POST
def void(request: HttpRequest, pk: int) -> HttpResponse:
    a = _appraisal(request, pk)
    return _form_act(
        request,
        VoidForm(request.POST),
        lambda form: _appraisal_page(request, a, 400, void_form=form),
        lambda d: ap.appraisal_void(appraisal=a, reason=d["reason"], user=request.user),
        reverse("assistance:appraisal", args=[pk]),
    )


def _followup(
    request: HttpRequest, subject: Any, back: str, page: Callable[[forms.Form], HttpResponse]
) -> HttpResponse:
    key = "appraisal" if isinstance(subject, HelpAppraisal) else "settlement"
    return _form_act(
        request,
        FollowUpForm(request.POST),
        page,
        lambda d: ap.followup_record(
            kind=d["kind"],
            date=d["date"],
            target=d["target"],
            note=d["note"],
            user=request.user,
            **{key: subject},
        ),
        back,
    )


@login_required
@require_POST
def followup_add(request: HttpRequest, pk: int) -> HttpResponse:
    a = _appraisal(request, pk)
    return _followup(
        request,
        a,
        reverse("assistance:appraisal", args=[pk]) + "#follow-ups",
        lambda form: _appraisal_page(request, a, 400, followup_form=form),
    )


# --- settlements ----------------------------------------------------------------------------------


def _settlement(request: HttpRequest, pk: int) -> HelpSettlement:
    return get_object_or_404(
        sel.settlements_for(request.user).select_related("pairing__village", "pairing__unit"), pk=pk
    )


def _settlement_page(
    request: HttpRequest, s: HelpSettlement, status: int = 200, **forms: Any
) -> HttpResponse:
    return render(
        request,
        "assistance/appraisal_settlement.html",
        {
            "s": s,
            "items": [{"item": i, "links": _links(i.evidence)} for i in s.items.order_by("order")],
            "may": sel.may_settle(request.user, s.pairing.village),
            "is_open": s.status == AppraisalStatus.OPEN,
            "conclude_form": forms.get("conclude_form") or ConcludeForm(),
            "void_form": forms.get("void_form") or VoidForm(),
            "followup_form": forms.get("followup_form") or FollowUpForm(initial={"date": today()}),
            "follow_ups": s.follow_ups.order_by("date", "id"),
            "steps": s.steps.order_by("at", "id"),
        },
        status=status,
    )


@login_required
@require_POST
def settlement_create(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("pairing", "")
    pairing = (
        sel.scoped(
            VillagePairing.objects.select_related("village", "unit"), request.user, "village"
        )
        .filter(pk=int(raw) if raw.isdigit() else 0)
        .first()
    )
    if pairing is None:
        raise Http404("没有这个结对，或无权查看")
    return _act(
        request,
        lambda: ap.settlement_create(pairing=pairing, user=request.user),
        lambda s: reverse("assistance:settlement", args=[s.pk]),
        _told(
            request,
            request.META.get("HTTP_REFERER") or reverse("assistance:appraisals"),
            f"{pairing}：",
        ),
        success="已发起三年结帐",
    )


@login_required
def settlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _settlement_page(request, _settlement(request, pk))


@login_required
@require_POST
def settlement_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    s = _settlement(request, pk)
    return _form_act(
        request,
        ConcludeForm(request.POST),
        lambda form: _settlement_page(request, s, 400, conclude_form=form),
        lambda d: ap.settlement_conclude(settlement=s, opinion=d["opinion"], user=request.user),
        reverse("assistance:settlement", args=[pk]),
    )


@login_required
@require_POST
def settlement_void(request: HttpRequest, pk: int) -> HttpResponse:
    s = _settlement(request, pk)
    return _form_act(
        request,
        VoidForm(request.POST),
        lambda form: _settlement_page(request, s, 400, void_form=form),
        lambda d: ap.settlement_void(settlement=s, reason=d["reason"], user=request.user),
        reverse("assistance:settlement", args=[pk]),
    )


@login_required
@require_POST
def settlement_followup_add(request: HttpRequest, pk: int) -> HttpResponse:
    s = _settlement(request, pk)
    return _followup(
        request,
        s,
        reverse("assistance:settlement", args=[pk]) + "#follow-ups",
        lambda form: _settlement_page(request, s, 400, followup_form=form),
    )


@login_required
@require_POST
def followup_void(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(sel.follow_ups_for(request.user), pk=pk)
    back = (
        reverse("assistance:appraisal", args=[row.appraisal_id])
        if row.appraisal_id
        else reverse("assistance:settlement", args=[row.settlement_id])
    ) + "#follow-ups"
    form = FollowUpVoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    return _act(
        request,
        lambda: ap.followup_void(
            follow_up=row, reason=form.cleaned_data["reason"], user=request.user
        ),
        back,
        _told(request, back),
        success="已撤销该问责记录",
    )


@login_required
def unit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A helping unit's appraisals, settlements and follow-ups (those the user may see)."""
    unit = get_object_or_404(HelpingUnit, pk=pk)
    record = sel.unit_record(request.user, unit)
    visible = units_for(request.user).filter(pk=unit.pk).exists()
    if not (visible or record["appraisals"].exists() or record["settlements"].exists()):
        raise Http404("没有这个帮扶单位的考核，或无权查看")
    return render(
        request,
        "assistance/appraisal_unit.html",
        {"unit": unit, **record, "void_form": FollowUpVoidForm()},
    )


urlpatterns = [
    path("appraisals/", index, name="appraisals"),
    path("appraisals/regions/<str:code>/", region_list, name="appraisal_region"),
    path("appraisals/new/", create, name="appraisal_new"),
    path("appraisals/<int:pk>/", detail, name="appraisal"),
    path("appraisals/<int:pk>/refresh/", refresh, name="appraisal_refresh"),
    path("appraisals/<int:pk>/items/<slug:code>/", judge, name="appraisal_judge"),
    path("appraisals/<int:pk>/conclude/", conclude, name="appraisal_conclude"),
    path("appraisals/<int:pk>/void/", void, name="appraisal_void"),
    path("appraisals/<int:pk>/follow-ups/", followup_add, name="appraisal_followup"),
    path("appraisals/settlements/new/", settlement_create, name="settlement_new"),
    path("appraisals/settlements/<int:pk>/", settlement_detail, name="settlement"),
    path(
        "appraisals/settlements/<int:pk>/conclude/",
        settlement_conclude,
        name="settlement_conclude",
    ),
    path("appraisals/settlements/<int:pk>/void/", settlement_void, name="settlement_void"),
    path(
        "appraisals/settlements/<int:pk>/follow-ups/",
        settlement_followup_add,
        name="settlement_followup",
    ),
    path("appraisals/follow-ups/<int:pk>/void/", followup_void, name="followup_void"),
    path("appraisals/units/<int:pk>/", unit_page, name="appraisal_unit"),
]
