"""East-West cooperation pages: pairings, a pair's yearly dashboard and DOCX report, the ledger with
its review, self-assessments, XLSX imports and field checks. Thin: every read goes through
`selectors`, every write through a service; a refused write shows the service's Chinese message
with 403/409 and changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Max, Q, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.models import Membership, Role
from fupin.accounts.roles import has_role
from fupin.accounts.scoping import office_regions
from fupin.assessments.models import Campaign
from fupin.assessments.workflows import CampaignKind
from fupin.cooperation import fieldchecks as fc
from fupin.cooperation import importing
from fupin.cooperation import selectors as sel
from fupin.cooperation import services as svc
from fupin.cooperation.forms import (
    CommentForm,
    FieldCheckDrawForm,
    FieldCheckRecordForm,
    ImportForm,
    InnovationForm,
    LedgerEntryForm,
    LedgerFilterForm,
    ReviewForm,
    SelfAssessmentForm,
)
from fupin.cooperation.models import (
    Indicator,
    Pairing,
    PairingLevel,
    PartnerPairing,
)
from fupin.cooperation.report_docx import pair_year_docx
from fupin.cooperation.workflows import ReviewAction
from fupin.errors import error_page, safe_next
from fupin.paging import page_of
from fupin.regions.models import Level, Region


def _pairing(request: HttpRequest, pk: int) -> Pairing:
    pairing = (
        sel.pairings_for(request.user)
        .select_related("east", "west", "parent")
        .filter(pk=pk)
        .first()
    )
    if pairing is None:
        raise Http404(_("没有这个结对，或无权查看"))
    return pairing


def _year(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


def _refused(request: HttpRequest, e: Exception, back: str) -> HttpResponse:
    """A refused write: the Chinese message, the error's status, a link back; nothing changed."""
    return error_page(request, getattr(e, "status", 400), e, back)


def _side(value: str | None) -> str | None:
    return value or None


# --- pairings and the dashboard -------------------------------------------------------------------


@login_required
def pairings(request: HttpRequest) -> HttpResponse:
    """The pairings the user sees, by level, with the 携手奔小康 partners under each district."""
    qs = sel.pairings_for(request.user).select_related("east", "west", "parent")
    # Open on the latest year with data the user can see: agreements are signed at the top
    # pairing, so a county or district office has none of its own, only ledger entries.
    years = [
        sel.agreements_for(request.user).aggregate(y=Max("year"))["y"],
        sel.ledger_for(request.user).aggregate(y=Max("year"))["y"],
    ]
    latest = max((y for y in years if y is not None), default=None)
    year = _year(request, latest or timezone.localdate().year)
    partners: dict[int, list[PartnerPairing]] = {}
    for p in PartnerPairing.objects.filter(pairing__in=qs).select_related("west_region"):
        partners.setdefault(p.pairing_id, []).append(p)
    levels = []
    for level in PairingLevel:
        rows = [{"pairing": p, "partners": partners.get(p.pk, [])} for p in qs if p.level == level]
        if rows:
            levels.append({"label": level.label, "rows": rows})
    return render(
        request,
        "cooperation/pairings.html",
        {
            "levels": levels,
            "year": year,
            "may_import": bool(
                request.user.is_superuser
                or Membership.objects.filter(
                    user_id=request.user.pk,
                    role__in=[Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE],
                ).exists()
            ),
        },
    )


def _chart(data: dict[str, Any], year: int) -> dict[str, Any]:
    """What cooperation.js draws: completion per indicator (% of target) for each side."""
    out: dict[str, Any] = {"year": year, "sides": []}
    for s in data["sides"]:
        out["sides"].append(
            {
                "side": s["side"],
                "label": str(s["label"]),
                "codes": [f"{ln.code} {ln.name}" for ln in s["lines"]],
                "completion": [
                    None
                    if ln.ratio is None and ln.target > 0
                    else (100.0 if ln.ratio is None else round(float(ln.ratio) * 100, 1))
                    for ln in s["lines"]
                ],
                "pending": [ln.pending_entries for ln in s["lines"]],
                "disputed": [ln.disputed_entries for ln in s["lines"]],
            }
        )
    out["statuses"] = [{"label": str(label), "count": n} for label, n, _v in data["counts"]]
    out["multiples"] = [
        {"name": f"{m.code} {m.name}", "multiple": float(m.multiple)}
        for m in data["multiples"]
        if m.multiple is not None
    ]
    out["text"] = {
        "completion": _("完成率（%，目标 = 100）"),
        "target": _("目标"),
        "statuses": _("台账状态"),
        "multiples": _("同比倍数"),
        "no_data": _("暂无数据"),
        "pending": _("待确认"),
        "disputed": _("有异议"),
    }
    return out


@login_required
def dashboard(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    pairing = _pairing(request, pk)
    data = sel.pair_year(pairing, year)
    return render(
        request,
        "cooperation/dashboard.html",
        {
            "pairing": pairing,
            "year": year,
            **data,
            "chart": _chart(data, year),
            # The parent pairing is linked only when the user may open it (a district office may not).
            "parent_visible": pairing.parent_id is not None
            and sel.pairings_for(request.user).filter(pk=pairing.parent_id).exists(),
            "children": pairing.children.select_related("east", "west"),
            "office_sides": svc.office_sides(request.user, pairing),
            "innovation_form": InnovationForm(),
        },
    )


@login_required
def report(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    pairing = _pairing(request, pk)
    content = pair_year_docx(pairing, year)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="cooperation-{pairing.pk}-{year}.docx"'
    return response


@login_required
@require_POST
def innovation_add(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    pairing = _pairing(request, pk)
    back = reverse("cooperation:dashboard", args=[pairing.pk, year])
    form = InnovationForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, svc.CooperationError(_("请检查填写内容：") + form.errors.as_text()), back
        )
    d = form.cleaned_data
    try:
        svc.innovation_add(
            pairing=pairing,
            year=year,
            kind=d["kind"],
            title=d["title"],
            description=d["description"],
            amount=d["amount"],
            beneficiaries=d["beneficiaries"],
            user=request.user,
            side=_side(d["side"]),
        )
    except svc.CooperationError as e:
        return _refused(request, e, back)
    messages.success(request, _("已保存"))
    return redirect("cooperation:dashboard", pk=pairing.pk, year=year)


# --- the ledger ---------------------------------------------------------------------------------


def _entry_form(pairing: Pairing, year: int, data: Any = None) -> LedgerEntryForm:
    counties = Region.objects.filter(
        code__startswith=pairing.west.prefix, level=Level.COUNTY
    ).order_by("code")
    return LedgerEntryForm(data, counties=counties, indicators=Indicator.objects.for_year(year))


def _ledger_context(
    request: HttpRequest, pairing: Pairing, year: int, entry_form: LedgerEntryForm | None = None
) -> dict[str, Any]:
    filters = LedgerFilterForm(request.GET or None)
    qs = (
        sel.ledger_for(request.user)
        .filter(pairing_id__in=pairing.descendant_ids(), year=year)
        .select_related("indicator", "county", "pairing__east", "pairing__west")
        .prefetch_related("reviews")
        .order_by("date", "id")
    )
    if filters.is_valid():
        f = filters.cleaned_data
        if f["indicator"]:
            qs = qs.filter(indicator=f["indicator"])
        if f["status"]:
            qs = qs.filter(status=f["status"])
        if f["entered_by"]:
            qs = qs.filter(entered_by=f["entered_by"])
        if f["q"]:
            qs = qs.filter(Q(title__icontains=f["q"]) | Q(evidence__icontains=f["q"]))
    regions = office_regions(request.user)
    page = page_of(request, qs)
    rows = [{"entry": e, "moves": svc.ledger_entry_moves(e, request.user, regions)} for e in page]
    return {
        "pairing": pairing,
        "year": year,
        "rows": rows,
        "page": page,
        "total": page.paginator.count,
        "filters": filters,
        "entry_form": entry_form or _entry_form(pairing, year),
        "review_form": ReviewForm(),
        "actions": ReviewAction,
        "office_sides": svc.office_sides(request.user, pairing, regions),
    }


@login_required
def ledger(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    pairing = _pairing(request, pk)
    return render(request, "cooperation/ledger.html", _ledger_context(request, pairing, year))


@login_required
@require_POST
def entry_add(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    pairing = _pairing(request, pk)
    form = _entry_form(pairing, year, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            svc.ledger_entry_add(
                pairing=pairing,
                year=year,
                date=d["date"],
                indicator=d["indicator"],
                amount=d["amount"],
                beneficiaries=d["beneficiaries"],
                county=d["county"],
                title=d["title"],
                evidence=d["evidence"],
                user=request.user,
                side=_side(d["side"]),
            )
        except svc.CooperationDenied as e:
            return _refused(request, e, reverse("cooperation:ledger", args=[pairing.pk, year]))
        except svc.CooperationError as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("已录入，等待对方确认"))
            return redirect("cooperation:ledger", pk=pairing.pk, year=year)
    return render(
        request,
        "cooperation/ledger.html",
        _ledger_context(request, pairing, year, entry_form=form),
        status=400,
    )


@login_required
@require_POST
def entry_review(request: HttpRequest, pk: int) -> HttpResponse:
    entry = sel.ledger_for(request.user).select_related("pairing").filter(pk=pk).first()
    if entry is None:
        raise Http404(_("没有这条台账，或无权查看"))
    # Back to the ledger the user was on (a parent pairing's ledger lists its children's entries).
    back = safe_next(
        request,
        request.POST.get("next"),
        reverse("cooperation:ledger", args=[entry.pairing_id, entry.year]),
    )
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, svc.CooperationError(_("请检查填写内容：") + form.errors.as_text()), back
        )
    d = form.cleaned_data
    try:
        svc.ledger_entry_transition(
            entry=entry,
            action=d["action"],
            user=request.user,
            side=_side(d["side"]),
            opinion=d["opinion"],
            amount=d["amount"],
        )
    except svc.CooperationError as e:
        return _refused(request, e, back)
    messages.success(request, _("已办理：%(a)s") % {"a": ReviewAction(d["action"]).label})
    return redirect(back)


# --- self-assessments ---------------------------------------------------------------------------


@login_required
def self_assessment(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    pairing = _pairing(request, pk)
    form = SelfAssessmentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                svc.self_assessment_submit(
                    pairing=pairing,
                    year=year,
                    text=d["text"],
                    claims=d["claims"],
                    claimed_grade=d["claimed_grade"],
                    user=request.user,
                    side=_side(d["side"]),
                )
            except svc.CooperationDenied as e:
                return _refused(request, e, request.path)
            except svc.CooperationError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, _("自评已提交"))
                return redirect("cooperation:self_assessment", pk=pairing.pk, year=year)
        status = 400
    assessments = (
        sel.self_assessments_for(request.user)
        .filter(pairing=pairing, year=year)
        .prefetch_related("comments")
        .order_by("side")
    )
    return render(
        request,
        "cooperation/self_assessment.html",
        {
            "pairing": pairing,
            "year": year,
            "form": form,
            "assessments": assessments,
            "comment_form": CommentForm(),
            "office_sides": svc.office_sides(request.user, pairing),
        },
        status=status,
    )


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = (
        sel.self_assessments_for(request.user).select_related("pairing").filter(pk=pk).first()
    )
    if assessment is None:
        raise Http404(_("没有这份自评，或无权查看"))
    back = reverse("cooperation:self_assessment", args=[assessment.pairing_id, assessment.year])
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _refused(request, svc.CooperationError(_("请填写评价意见")), back)
    d = form.cleaned_data
    try:
        svc.self_assessment_comment(
            assessment=assessment,
            text=d["text"],
            agrees=d["agrees"],
            user=request.user,
            side=_side(d["side"]),
        )
    except svc.CooperationError as e:
        return _refused(request, e, back)
    messages.success(request, _("评价已保存"))
    return redirect(back)


# --- imports ------------------------------------------------------------------------------------


@login_required
def import_xlsx(request: HttpRequest) -> HttpResponse:
    """Upload → the import service; every bad row listed (sheet, row, column, reason), nothing
    written. Pairings are loaded by a province office (or an administrator): the provinces set
    them; a ledger by either side's office at any level (the service checks the side per
    pairing), which is why the pairings page offers this page to city and county offices too."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if d["kind"] == "pairings" and not (
            request.user.is_superuser
            or Membership.objects.filter(
                user_id=request.user.pk, role=Role.PROVINCE_OFFICE
            ).exists()
        ):
            raise PermissionDenied(_("只有省扶贫办或系统管理员可以导入结对关系"))
        if d["kind"] == "ledger":  # the one web upload: dry-run report, then confirm
            return ledger_upload(request, form)
        upload = d["file"]
        suffix = ".csv" if upload.name.lower().endswith(".csv") else ".xlsx"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            report = importing.pairing_load_xlsx(path=path, user=request.user, source=upload.name)
        if report.written:
            messages.success(request, _("导入完成"))
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request, "cooperation/import.html", {"form": form, "report": report}, status=status
    )


# --- field checks -------------------------------------------------------------------------------


def _draw_form(data: Any = None) -> FieldCheckDrawForm:
    """The draw form; the counties the provincial performance assessment of a listed campaign's
    year drew come first, marked (the field-check county should coincide with one of them)."""
    campaigns = Campaign.objects.filter(
        kind=CampaignKind.CROSS_ASSESSMENT, status__in=fc.DRAW_STATUSES
    ).order_by("-year", "id")
    provincial: dict[str, list[str]] = {}
    for year in sorted(set(campaigns.values_list("year", flat=True))):
        for code, names in fc.provincial_counties(year).items():
            known = provincial.setdefault(code, [])
            known += [n for n in names if n not in known]
    counties = (
        Region.objects.filter(level=Level.COUNTY, zone__gt="")
        .annotate(
            offered=Case(
                When(code__in=list(provincial), then=0), default=1, output_field=IntegerField()
            )
        )
        .order_by("offered", "code")
    )
    return FieldCheckDrawForm(data, campaigns=campaigns, counties=counties, provincial=provincial)


@login_required
def fieldchecks(request: HttpRequest) -> HttpResponse:
    may_draw = has_role(request.user, "working_group")
    form = _draw_form(request.POST or None) if may_draw else None
    if request.method == "POST":
        if not may_draw:
            raise PermissionDenied(_("只有评估工作组成员可以抽取实地核查样本"))
        assert form is not None
        if form.is_valid():
            d = form.cleaned_data
            try:
                draw = fc.fieldcheck_draw(
                    campaign=d["campaign"],
                    county=d["county"],
                    year=d["year"],
                    seed=d["seed"],
                    villages=d["villages"],
                    projects=d["projects"],
                    per_project=d["per_project"],
                    county_reason=d["county_reason"],
                    user=request.user,
                )
            except fc.FieldCheckError as e:
                form.add_error("county_reason" if "另选须填写原因" in str(e) else None, str(e))
            else:
                messages.success(request, _("已抽样并记录随机种子"))
                return redirect("cooperation:fieldcheck", pk=draw.pk)
    draws = fc.fieldcheck_draws_for(request.user)[:200]
    return render(
        request,
        "cooperation/fieldchecks.html",
        {"draws": draws, "form": form},
        status=400 if form and form.errors else 200,
    )


@login_required
def fieldcheck(request: HttpRequest, pk: int) -> HttpResponse:
    draw = get_object_or_404(fc.fieldcheck_draws_for(request.user), pk=pk)
    items = list(draw.items.order_by("order"))
    forms_by_item = {
        f.item_id: f
        for f in fc.FieldCheckForm.objects.filter(item__draw=draw).select_related("problem")
    }
    projects = {it.unit_key: it for it in items if it.level == fc.ItemLevel.PROJECT}
    links = draw.parameters.get("assistance_projects") or {}
    helped = fc.Project.objects.in_bulk([v for v in links.values() if v])
    beneficiaries = draw.frame_sizes.get("beneficiaries") or {}
    groups = [
        {
            "project": p,
            "assistance": helped.get(links.get(key) or 0),
            "linked": bool(links.get(key)),
            "beneficiaries": beneficiaries.get(key, 0),
            "households": [
                {"item": it, "form": forms_by_item.get(it.pk)}
                for it in items
                if it.level == fc.ItemLevel.HOUSEHOLD and it.parent_key == key
            ],
        }
        for key, p in projects.items()
    ]
    return render(
        request,
        "cooperation/fieldcheck.html",
        {
            "draw": draw,
            "villages": [it for it in items if it.level == fc.ItemLevel.VILLAGE],
            "groups": groups,
            "record_form": FieldCheckRecordForm(),
            "may_check": fc.may_check(request.user),
            "replays": fc.fieldcheck_replay(draw),
        },
    )


@login_required
@require_POST
def fieldcheck_record(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        fc.FieldCheckItem.objects.filter(draw__in=fc.fieldcheck_draws_for(request.user)), pk=pk
    )
    back = reverse("cooperation:fieldcheck", args=[item.draw_id])
    form = FieldCheckRecordForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, fc.FieldCheckError(_("请检查填写内容：") + form.errors.as_text()), back
        )
    d = form.cleaned_data
    try:
        fc.fieldcheck_record(
            item=item,
            money_arrived=d["money_arrived"],
            benefit_arrived=d["benefit_arrived"],
            amount_due=d["amount_due"],
            amount_received=d["amount_received"],
            remarks=d["remarks"],
            user=request.user,
        )
    except fc.FieldCheckError as e:
        return _refused(request, e, back)
    messages.success(request, _("核查表已保存"))
    return redirect(back)


def _county_year(request: HttpRequest) -> tuple[Region | None, int | None]:
    code = (request.GET.get("county") or request.POST.get("county") or "").strip()
    year = (request.GET.get("year") or request.POST.get("year") or "").strip()
    if len(code) == 6:
        code += "000000"
    county = Region.objects.filter(code=code, level=Level.COUNTY).first() if code else None
    return county, int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None


@login_required
def fieldcheck_projects(request: HttpRequest) -> HttpResponse:
    """A county's cooperation project list of a year with each project's beneficiaries: the help
    project its ledger entries fund (linked here by the ledger's keepers or the working group) and
    how many poor beneficiary households the field check can draw from."""
    county, year = _county_year(request)
    # The working group sees every county's list; others the ledger entries they see.
    visible = (
        fc.LedgerEntry.objects.all()
        if has_role(request.user, "working_group")
        else sel.ledger_for(request.user)
    )
    if request.method == "POST":
        entry = get_object_or_404(visible, pk=request.POST.get("entry") or 0)
        if county is None or entry.county_id != county.pk:
            raise Http404
        raw = request.POST.get("project") or ""
        project = (
            fc.project_candidates(county).filter(pk=int(raw)).first() if raw.isdigit() else None
        )
        back = reverse("cooperation:fieldcheck_projects") + f"?county={county.code[:6]}&year={year}"
        if raw and project is None:
            return _refused(request, fc.FieldCheckError(_("所选扶贫项目不在本县")), back)
        try:
            fc.fieldcheck_project_link(entry=entry, project=project, user=request.user)
        except fc.FieldCheckError as e:
            return _refused(request, e, back)
        messages.success(request, _("已保存项目的受益户来源"))
        return redirect(back)
    rows = fc.project_list(county, year) if county is not None and year is not None else []
    shown = set(visible.filter(pk__in=[r.entry.pk for r in rows]).values_list("pk", flat=True))
    rows = [r for r in rows if r.entry.pk in shown]
    candidates = list(fc.project_candidates(county)) if county is not None and rows else []
    return render(
        request,
        "cooperation/fieldcheck_projects.html",
        {
            "county": county,
            "year": year,
            "rows": [{"row": r, "may_link": fc.may_link(request.user, r.entry)} for r in rows],
            "candidates": candidates,
            "counties": Region.objects.filter(level=Level.COUNTY, zone__gt="").order_by("code"),
        },
    )


# --- the ledger through the one web upload (fupin/registry/uploads.py) --------------------------


def ledger_upload(request: HttpRequest, form: ImportForm) -> HttpResponse:
    """A ledger sent from the import page goes to the upload pages: stored, checked in a dry run
    and shown with its report there; written only when confirmed (all rows or none)."""
    from fupin.cooperation.uploads import LEDGER_KIND
    from fupin.registry import uploads

    f = form.cleaned_data["file"]
    side = form.cleaned_data.get("side") or ""
    try:
        upload = uploads.upload_create(
            user=request.user,
            name=f.name,
            chunks=f.chunks(),
            size=f.size,
            kind=LEDGER_KIND,
            options={"side": side} if side else None,
        )
    except uploads.UploadDenied as e:
        raise PermissionDenied(str(e)) from None
    except uploads.UploadError as e:
        form.add_error("file", str(e))
        return render(request, "cooperation/import.html", {"form": form}, status=400)
    return redirect("registry:import", pk=upload.pk)
