"""The other checks of a county of a campaign (五抽五查五看 ①②③⑤): the procedure check and the 座谈访谈
on one page, the standard check (拔高或降低标准) and the re-check of the province's questionnaires
on their own pages. The working group and the county's lead experts record them; the leading group
reads them too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry
from fupin.assessments.models import (
    Campaign,
    ProcedureFinding,
    ProcedureItem,
    RecheckGroup,
    StandardCheckItem,
    StandardFinding,
)
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.other_checks import (
    MAX_FILE_BYTES,
    ItemInput,
    StandardInput,
    interview_record,
    interviews_of,
    may_read,
    may_record,
    procedure_check_record,
    procedure_checklist,
    standard_check_record,
    standard_checklist,
)
from fupin.assessments.services.questionnaire_recheck import (
    DEFAULT_RECHECK_SIZE,
    MAX_FRAME,
    RecheckInput,
    recheck_draw,
    recheck_of,
    recheck_replay,
    recheck_results_record,
)
from fupin.assessments.views.common import campaign_or_404, county_or_404
from fupin.regions.models import Region


class InterviewForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=200)
    participants = forms.CharField(
        label=_("参加人员"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("县、乡、村干部的姓名与职务"),
    )
    notes = forms.CharField(
        label=_("座谈访谈记录"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000
    )
    issues = forms.CharField(
        label=_("反映的问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages.update(
                {
                    "required": f"请填写“{f.label}”",
                    "invalid": f"“{f.label}”格式不正确（如 2019-05-20）",
                    "max_length": f"“{f.label}”不能超过 %(limit_value)s 个字",
                }
            )


def _access(request: HttpRequest, pk: int, code: str) -> tuple[Campaign, Region]:
    campaign = campaign_or_404(request, pk)
    county = county_or_404(request.user, campaign, code)
    if not may_read(request.user, campaign, county):
        raise PermissionDenied("只有本任务的评估工作组、该县的带队专家和领导小组可以查看")
    return campaign, county


def _page(
    request: HttpRequest,
    campaign: Campaign,
    county: Region,
    *,
    form: InterviewForm | None = None,
    posted: dict[str, dict[str, str]] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    recorder = may_record(request.user, campaign, county)
    lines = procedure_checklist(campaign, county)
    posted = posted or {}
    rows = [
        {
            "line": line,
            "finding": posted.get(line.document, {}).get("finding", line.suggested),
            "note": posted.get(line.document, {}).get(
                "note", line.current.note if line.current else ""
            ),
        }
        for line in lines
    ]
    return render(
        request,
        "assessments/other_checks.html",
        {
            "campaign": campaign,
            "county": county,
            "rows": rows,
            "findings": ProcedureFinding.choices,
            "interviews": interviews_of(campaign, county),
            "may_record": recorder,
            "form": (form or InterviewForm()) if recorder else None,
            "max_mb": MAX_FILE_BYTES // (1024 * 1024),
            "error": error,
        },
        status=status,
    )


@login_required
def other_checks(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign, county = _access(request, pk, code)
    return _page(request, campaign, county)


@login_required
@require_POST
def procedure_check(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign, county = _access(request, pk, code)
    posted: dict[str, dict[str, str]] = {}
    items = []
    for line in procedure_checklist(campaign, county):
        d = line.document
        finding = request.POST.get(f"{d}-finding", "")
        note = request.POST.get(f"{d}-note", "")
        posted[d] = {"finding": finding, "note": note}
        upload = request.FILES.get(f"{d}-file")
        if not finding and not note.strip() and upload is None:
            continue  # a document left unchecked this time
        items.append(
            ItemInput(
                document=d,
                finding=finding,
                note=note,
                content=upload.read(MAX_FILE_BYTES + 1) if upload else None,
                filename=upload.name if upload else "",
            )
        )
    try:
        written = procedure_check_record(
            campaign=campaign, county=county, user=request.user, items=items
        )
    except AssessmentError as refused:
        status = 403 if not may_record(request.user, campaign, county) else 400
        return _page(request, campaign, county, posted=posted, error=str(refused), status=status)
    messages.success(request, f"已记录{county.name}退出程序检查 {len(written)} 项")
    return redirect(reverse("assessments:other_checks", args=[pk, county.code]))


@login_required
@require_POST
def interview_add(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign, county = _access(request, pk, code)
    form = InterviewForm(request.POST)
    if not may_record(request.user, campaign, county):
        return _page(
            request,
            campaign,
            county,
            error="只有本任务的评估工作组或该县的带队专家可以记录",
            status=403,
        )
    if not form.is_valid():
        return _page(request, campaign, county, form=form, status=400)
    try:
        interview_record(campaign=campaign, county=county, user=request.user, **form.cleaned_data)
    except AssessmentError as refused:
        return _page(request, campaign, county, form=form, error=str(refused), status=400)
    messages.success(request, f"已记录{county.name}的座谈访谈")
    return redirect(reverse("assessments:other_checks", args=[pk, county.code]))


@login_required
def procedure_file(request: HttpRequest, pk: int, code: str, item_pk: int) -> FileResponse:
    """A procedure item's attached file, for those who may read the check; each opening audited."""
    campaign, county = _access(request, pk, code)
    item = ProcedureItem.objects.filter(pk=item_pk, campaign=campaign, county=county).first()
    if item is None or not item.file:
        raise Http404
    handle = item.file.open("rb")
    audit_record(
        actor=request.user,
        action=AuditEntry.Action.EVENT,
        obj=item,
        after={"sha256": item.sha256},
        reason=f"查看退出程序检查附件：{county.name} {item.get_document_display()}",
    )
    return FileResponse(handle, as_attachment=True, filename=item.original_name or "附件")


# ---------------------------------------------------------------------------------------------
# (2) 标准的准确性: the province's assessment plan, item by item

RECORD_FORBIDDEN = "只有本任务的评估工作组或该县的带队专家可以记录"


def _standard_page(
    request: HttpRequest,
    campaign: Campaign,
    county: Region,
    *,
    posted: dict[str, dict[str, str]] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    posted = posted or {}
    rows = []
    for line in standard_checklist(campaign, county):
        typed = posted.get(line.item, {})
        c = line.current
        rows.append(
            {
                "line": line,
                "finding": typed.get("finding", c.finding if c else ""),
                "plan_says": typed.get("plan_says", c.plan_says if c else ""),
                "standard": typed.get("standard", line.standard),
                "note": typed.get("note", c.note if c else ""),
            }
        )
    return render(
        request,
        "assessments/other_checks_standard.html",
        {
            "campaign": campaign,
            "county": county,
            "rows": rows,
            "findings": StandardFinding.choices,
            "may_record": may_record(request.user, campaign, county),
            "max_mb": MAX_FILE_BYTES // (1024 * 1024),
            "error": error,
        },
        status=status,
    )


@login_required
def standard_check(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """GET: the plan's items with their findings in force; POST: record the items filled in."""
    campaign, county = _access(request, pk, code)
    if request.method != "POST":
        return _standard_page(request, campaign, county)
    posted: dict[str, dict[str, str]] = {}
    items = []
    for line in standard_checklist(campaign, county):
        typed = {
            k: request.POST.get(f"{line.item}-{k}", "")
            for k in ("finding", "plan_says", "standard", "note")
        }
        posted[line.item] = typed
        upload = request.FILES.get(f"{line.item}-file")
        if not (typed["finding"] or typed["plan_says"].strip() or typed["note"].strip() or upload):
            continue  # an item left unchecked this time
        c = line.current
        if (
            c is not None
            and upload is None
            and (c.finding, c.plan_says, c.standard, c.note)
            == tuple(typed[k].strip() for k in ("finding", "plan_says", "standard", "note"))
        ):
            continue  # unchanged: the record in force stands
        items.append(
            StandardInput(
                item=line.item,
                content=upload.read(MAX_FILE_BYTES + 1) if upload else None,
                filename=upload.name if upload else "",
                **typed,
            )
        )
    try:
        written = standard_check_record(
            campaign=campaign, county=county, user=request.user, items=items
        )
    except AssessmentError as refused:
        status = 403 if not may_record(request.user, campaign, county) else 400
        return _standard_page(
            request, campaign, county, posted=posted, error=str(refused), status=status
        )
    messages.success(request, f"已记录{county.name}标准准确性检查 {len(written)} 项")
    return redirect(reverse("assessments:standard_check", args=[pk, county.code]))


@login_required
def standard_file(request: HttpRequest, pk: int, code: str, item_pk: int) -> FileResponse:
    """A standard item's attached file, for those who may read the check; each opening audited."""
    campaign, county = _access(request, pk, code)
    item = StandardCheckItem.objects.filter(pk=item_pk, campaign=campaign, county=county).first()
    if item is None or not item.file:
        raise Http404
    handle = item.file.open("rb")
    audit_record(
        actor=request.user,
        action=AuditEntry.Action.EVENT,
        obj=item,
        after={"sha256": item.sha256},
        reason=f"查看标准准确性检查附件：{county.name} {item.get_item_display()}",
    )
    return FileResponse(handle, as_attachment=True, filename=item.original_name or "附件")


# ---------------------------------------------------------------------------------------------
# (3) 抽查省级评估数据和问卷: a recorded random re-check with agreement rates


class RecheckDrawForm(forms.Form):
    frame_size = forms.IntegerField(
        label=_("省级问卷份数"),
        min_value=1,
        max_value=MAX_FRAME,
        help_text=_("省级评估检查在该县完成的调查问卷总数，按省级问卷编号顺序记为第 1 至第 N 份"),
    )
    size = forms.IntegerField(
        label=_("抽查份数"), min_value=1, max_value=MAX_FRAME, initial=DEFAULT_RECHECK_SIZE
    )
    seed = forms.CharField(
        label=_("随机种子"),
        required=False,
        max_length=40,
        help_text=_("留空则由系统生成并记录"),
    )
    reason = forms.CharField(
        label=_("重抽原因"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("已抽过时必填；原抽样及其复查结果保留"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages.update(
                {
                    "required": f"请填写“{f.label}”",
                    "invalid": f"“{f.label}”须为整数",
                    "min_value": f"“{f.label}”不能小于 %(limit_value)s",
                    "max_value": f"“{f.label}”不能大于 %(limit_value)s",
                    "max_length": f"“{f.label}”不能超过 %(limit_value)s 个字",
                }
            )


def _recheck_page(
    request: HttpRequest,
    campaign: Campaign,
    county: Region,
    *,
    form: RecheckDrawForm | None = None,
    posted: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    recorder = may_record(request.user, campaign, county)
    recheck = recheck_of(campaign, county)
    posted = posted or {}
    rows = []
    if recheck is not None:
        for position, cells in recheck.rows():
            out = []
            for group, label, result in cells:
                name = f"p{position}-{group}"
                current = "" if result is None else ("agree" if result.agree else "disagree")
                out.append(
                    {
                        "name": name,
                        "label": label,
                        "result": result,
                        "value": posted.get(name, current),
                        "note": posted.get(f"{name}-note", result.note if result else ""),
                    }
                )
            rows.append((position, out))
    return render(
        request,
        "assessments/other_checks_recheck.html",
        {
            "campaign": campaign,
            "county": county,
            "recheck": recheck,
            "replays": recheck_replay(recheck.draw) if recheck else False,
            "rows": rows,
            "groups": RecheckGroup.choices,
            "may_record": recorder,
            "form": (form or RecheckDrawForm()) if recorder else None,
            "error": error,
        },
        status=status,
    )


@login_required
def recheck_page(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign, county = _access(request, pk, code)
    return _recheck_page(request, campaign, county)


@login_required
@require_POST
def recheck_draw_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign, county = _access(request, pk, code)
    form = RecheckDrawForm(request.POST)
    if not may_record(request.user, campaign, county):
        return _recheck_page(request, campaign, county, error=RECORD_FORBIDDEN, status=403)
    if not form.is_valid():
        return _recheck_page(request, campaign, county, form=form, status=400)
    try:
        draw = recheck_draw(
            campaign=campaign, county=county, user=request.user, **form.cleaned_data
        )
    except AssessmentError as refused:
        return _recheck_page(request, campaign, county, form=form, error=str(refused), status=400)
    messages.success(
        request, f"已从{draw.frame_size}份省级问卷中抽取{draw.size}份（随机种子 {draw.seed}）"
    )
    return redirect(reverse("assessments:recheck", args=[pk, county.code]))


@login_required
@require_POST
def recheck_results_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign, county = _access(request, pk, code)
    if not may_record(request.user, campaign, county):
        return _recheck_page(request, campaign, county, error=RECORD_FORBIDDEN, status=403)
    recheck = recheck_of(campaign, county)
    if recheck is None:
        return _recheck_page(request, campaign, county, error="请先抽取省级问卷", status=400)
    posted: dict[str, str] = {}
    results = []
    for position, cells in recheck.rows():
        for group, _label, current in cells:
            name = f"p{position}-{group}"
            value = request.POST.get(name, "")
            note = request.POST.get(f"{name}-note", "")
            posted[name], posted[f"{name}-note"] = value, note
            if value not in ("agree", "disagree"):
                continue  # not re-checked (yet)
            agree = value == "agree"
            if current is not None and (current.agree, current.note) == (agree, note.strip()):
                continue  # unchanged: the record in force stands
            results.append(RecheckInput(position=position, group=group, agree=agree, note=note))
    try:
        written = recheck_results_record(
            campaign=campaign, county=county, user=request.user, results=results
        )
    except AssessmentError as refused:
        return _recheck_page(
            request, campaign, county, posted=posted, error=str(refused), status=400
        )
    messages.success(request, f"已记录{county.name}省级问卷复查结果 {len(written)} 项")
    return redirect(reverse("assessments:recheck", args=[pk, county.code]))
